"""``zhongtai account …``: the first admin without a token, then everything as an admin (or the
account itself), each act decided by the policy and audited, tokens printed once and alone.

The commands run in this process through the installed command's entry point
(``tests.fixtures.cli_runner``): nothing here is about the process itself."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sqlalchemy import select

from catalog.audit import verify_chain
from catalog.db import init_catalog
from catalog.departments import upsert_department
from catalog.models import Account, AuditEvent
from catalog.settings import Settings
from tests.fixtures.cli_runner import run_zhongtai


def _run(var: Path, token: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "ZHONGTAI_VAR_DIR": str(var),
        "ZHONGTAI_ENVIRONMENT": "test",
        "ZHONGTAI_ENV_FILE": os.devnull,
    }
    if token is not None:
        env["ZHONGTAI_TOKEN"] = token
    done = run_zhongtai("account", *args, env=env, input="")  # nothing typed at a token prompt
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    return done


def test_account_commands_end_to_end(tmp_path: Path) -> None:
    var = tmp_path / "var"
    settings = Settings(var_dir=var, environment="test", _env_file=None)  # type: ignore[call-arg]
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        upsert_department(session, "330100DSJ", "杭州市数据资源管理局", "330100")
        session.commit()

    not_admin = _run(var, None, "issue", "330100DSJ", "ops", "--role", "publisher")
    assert not_admin.returncode == 2 and "account.bootstrap_admin_only" in not_admin.stderr
    first = _run(var, None, "issue", "330100DSJ", "王管理", "--role", "admin", "--person")
    assert first.returncode == 0, first.stderr
    admin = first.stdout.strip()
    assert admin.startswith("zt_") and "\n" not in admin  # the token alone on stdout
    assert "shown this once" in first.stderr and admin not in first.stderr
    second = _run(var, None, "issue", "330100DSJ", "again", "--role", "admin")
    assert second.returncode != 0  # an admin exists: a token is asked for, and none is given

    mixed = _run(var, admin, "issue", "330100DSJ", "x", "--role", "auditor", "--role", "admin")
    assert mixed.returncode == 2 and "account.roles_conflict" in mixed.stderr
    issued = _run(var, admin, "issue", "330100DSJ", "svc", "--role", "requester", "--days", "5")
    assert issued.returncode == 0, issued.stderr
    service = issued.stdout.strip()

    listed = _run(var, admin, "list")
    assert listed.returncode == 0 and "svc" in listed.stdout and "王管理" in listed.stdout
    assert service not in listed.stdout and admin not in listed.stdout

    with sessions() as session:
        svc = session.scalars(select(Account).where(Account.name == "svc")).one()
    rotated = _run(var, service, "rotate", str(svc.id))  # an account rotates its own token
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.strip().startswith("zt_") and rotated.stdout.strip() != service
    replayed = _run(var, service, "list")  # the rotated-out token
    assert replayed.returncode == 2 and "auth.invalid_token" in replayed.stderr
    assert service not in replayed.stderr + replayed.stdout

    revoked = _run(var, admin, "revoke", str(svc.id), "--reason", "停用")
    assert revoked.returncode == 0, revoked.stderr
    last = _run(var, admin, "revoke", "1", "--reason", "x")
    assert last.returncode == 2 and "account.last_admin" in last.stderr

    with sessions() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.refused")
        ).one()
        assert verify_chain(session).ok
    assert actions.count("account.issued") == 2
    assert actions.count("account.token_rotated") == 1 and actions.count("account.revoked") == 1
    assert refused.detail["reason"] == "auth.unknown_token"
    assert refused.detail["client"] == "local-cli"
