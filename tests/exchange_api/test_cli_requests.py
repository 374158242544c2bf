"""``zhongtai requests …`` / ``zhongtai grants …``: the workflow through the installed command,
acting as the account whose token is in the environment, through the same decision and audit.

The commands run in this process through the installed command's entry point
(``tests.fixtures.cli_runner``; the duties test through ``CliRunner``): nothing here is
about the process itself."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from typing import Any

from sqlalchemy import select

from catalog.models import AuditEvent
from catalog.settings_view import store_environment
from exchange_api.demo import DATASET
from tests.exchange_api.conftest import Platform
from tests.fixtures.cli_runner import run_zhongtai


def _run(platform: Platform, account: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        ZHONGTAI_VAR_DIR=str(platform.settings.var_dir),
        ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_ENV_FILE=os.devnull,
        ZHONGTAI_TOKEN=platform.tokens.by_account[account],
        COLUMNS="200",
    )
    env.update(store_environment(platform.settings))  # ZHONGTAI_TEST_STORES=production
    return run_zhongtai(*args, env=env)


def _json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_file_approve_narrowed_revoke_from_the_terminal(platform: Platform) -> None:
    filed = _json(
        _run(
            platform,
            "swj-exchange",
            "requests",
            "file",
            DATASET,
            "--field",
            "citizen_id",
            "--field",
            "period",
            "--field",
            "amount",
            "--purpose",
            "个税汇算核对",
            "--expires",
            "2099-06-30",
        )
    )
    assert filed["status"] == "pending" and filed["reply_due_at"]
    assert filed["dataset"] == DATASET
    rid = str(filed["id"])
    # the requester cannot approve its own request: coded error, exit 2, no traceback
    denied = _run(platform, "swj-exchange", "requests", "approve", rid)
    assert denied.returncode == 2
    assert "request.not_owner" in denied.stderr and "Traceback" not in denied.stderr
    wider = _run(platform, "rsj-exchange", "requests", "approve", rid, "--field", "person_name")
    assert wider.returncode == 2 and "approval.not_narrower" in wider.stderr
    approved = _json(
        _run(
            platform,
            "rsj-exchange",
            "requests",
            "approve",
            rid,
            "--field",
            "period",
            "--quota",
            "10",
            "--expires",
            "2099-01-31",
        )
    )
    grant = approved["grant"]
    assert grant["fields"] == ["period"] and grant["quota_rows"] == 10
    expires = dt.datetime.fromisoformat(grant["expires_at"])
    assert expires == dt.datetime(2099, 1, 31, 16, 0, tzinfo=dt.UTC)  # end of 01-31 in Beijing
    listed = _json(_run(platform, "swj-exchange", "grants", "list"))
    assert grant["id"] in {g["id"] for g in listed}
    stranger = _run(platform, "gaj-exchange", "grants", "revoke", str(grant["id"]), "--reason", "x")
    assert stranger.returncode == 2 and "grant.not_found" in stranger.stderr
    revoked = _json(
        _run(platform, "rsj-exchange", "grants", "revoke", str(grant["id"]), "--reason", "期满")
    )
    assert revoked["revoked_at"] is not None
    with platform.sessions() as session:
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.refused")
        ).all()
    acts = [(e.detail["act"], e.detail["code"]) for e in refused]
    assert ("request.approve", "request.not_owner") in acts
    assert ("grant.revoke", "grant.not_found") in acts


def test_refusal_objection_and_answer_from_the_terminal(platform: Platform) -> None:
    filed = _json(
        _run(
            platform,
            "gaj-exchange",
            "requests",
            "file",
            DATASET,
            "--field",
            "period",
            "--purpose",
            "案件协查",
        )
    )
    rid = str(filed["id"])
    _json(_run(platform, "rsj-exchange", "requests", "refuse", rid, "--reason", "缺少依据"))
    objected = _json(_run(platform, "gaj-exchange", "requests", "object", rid, "--reason", "补充"))
    [objection] = objected["objections"]
    answered = _json(
        _run(
            platform,
            "rsj-exchange",
            "requests",
            "answer",
            rid,
            str(objection["id"]),
            "--dismiss",
            "--answer",
            "维持原决定",
        )
    )
    assert answered["status"] == "refused"
    assert answered["objections"][0]["status"] == "dismissed"
    bad_date = _run(platform, "gaj-exchange", "requests", "renew", "1")
    assert bad_date.returncode == 2  # no such command: click's usage error
    overdue = _json(_run(platform, "gaj-exchange", "requests", "list", "--overdue"))
    assert overdue == []


def test_bad_dates_and_tokens_are_coded_errors(platform: Platform) -> None:
    for expires in ("9999-12-31", "2099-02-30", "tomorrow", "2099-01-01T00:00:00"):
        done = _run(
            platform,
            "swj-exchange",
            "requests",
            "file",
            DATASET,
            "--field",
            "period",
            "--purpose",
            "x",
            "--expires",
            expires,
        )
        assert done.returncode == 2, (expires, done.stderr)
        assert "request.invalid_expiry" in done.stderr and "Traceback" not in done.stderr


def _invoke(platform: Platform, account: str, *args: str) -> Any:
    """The command in-process (``CliRunner``): a process per command is seconds on a busy box.
    A domain error is left in ``result.exception`` (``main`` prints it and exits 2: the commands
    above show that through the installed script)."""
    from typer.testing import CliRunner

    from catalog.settings import get_settings
    from exchange_api.cli import app

    env = {
        "ZHONGTAI_VAR_DIR": str(platform.settings.var_dir),
        "ZHONGTAI_ENVIRONMENT": "test",
        "ZHONGTAI_ENV_FILE": os.devnull,
        "ZHONGTAI_TOKEN": platform.tokens.by_account[account],
        "COLUMNS": "200",
    }
    env.update(store_environment(platform.settings))  # ZHONGTAI_TEST_STORES=production
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args), env=env)
    finally:
        get_settings.cache_clear()


def test_the_duties_from_the_terminal_are_the_admins(platform: Platform) -> None:
    """Idempotence and the calendar are the library's tests (tests/catalog/test_duties.py)."""
    ask = ("requests", "file", DATASET, "--field", "period", "--purpose", "逾期督办")
    filed = json.loads(_invoke(platform, "swj-exchange", *ask, "--expires", "2099-06-30").stdout)
    later = (dt.datetime.fromisoformat(filed["reply_due_at"]) + dt.timedelta(days=2)).isoformat()
    # the owner's steward (and publisher) may not mark anyone late: coded, audited, exit 2
    denied = _invoke(platform, "rsj-exchange", "requests", "escalate", "--now", later)
    assert getattr(denied.exception, "code", None) == "role.admin_required"
    with platform.sessions() as session:
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.refused")
        ).all()
        assert "request.escalate" in {e.detail["act"] for e in refused}
    bad = _invoke(platform, "dsj-admin", "grants", "expire", "--now", "2026-10-10")
    assert getattr(bad.exception, "code", None) == "duty.invalid_now"
    done = _invoke(platform, "dsj-admin", "requests", "escalate", "--now", later)
    assert done.exit_code == 0, done.stderr
    mine = [e for e in json.loads(done.stdout) if e["request_id"] == filed["id"]]
    assert len(mine) == 1 and mine[0]["owner_department"] == "330100RSJ"
    assert mine[0]["working_days_late"] >= 1
    again = _invoke(platform, "dsj-admin", "requests", "escalate", "--now", later)
    assert json.loads(again.stdout) == []
    assert _invoke(platform, "rsj-exchange", "requests", "approve", str(filed["id"])).exit_code == 0
    expired = _invoke(platform, "dsj-admin", "grants", "expire", "--now", "2100-01-01T00:00Z")
    assert [e["expires_at"][:10] for e in json.loads(expired.stdout)] == ["2099-06-30"]
