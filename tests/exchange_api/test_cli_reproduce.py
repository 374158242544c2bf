"""``zhongtai audit reproduce``: the installed command, on SQLite and PostgreSQL, replays an audited
read as an auditor (exit 0 on a match, the replayed bytes in ``--out``), refuses everyone else
(exit 2 with the code, audited), and exits 1 when a DBA edited the record behind the triggers.

The commands run in this process through the installed command's entry point
(``tests.fixtures.cli_runner``): nothing here is about the process itself."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from catalog.models import AuditEvent
from tests.exchange_api.conftest import Platform
from tests.exchange_api.verify_platform import AUDIT, BASE, RSJ, SWJ, make_grant, platform
from tests.fixtures.cli_runner import run_zhongtai

__all__ = ["platform"]


def _run(platform: Platform, account: str, *args: str) -> subprocess.CompletedProcess[str]:
    settings = platform.settings
    env = dict(
        ZHONGTAI_VAR_DIR=str(settings.var_dir),
        ZHONGTAI_CATALOG_URL=settings.catalog_url,
        ZHONGTAI_LAKE_CATALOG=settings.lake_catalog,
        ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_ENV_FILE=os.devnull,
        ZHONGTAI_TOKEN=platform.tokens.by_account[account],
        COLUMNS="200",
    )
    return run_zhongtai("audit", "reproduce", *args, env=env)


def _read(platform: Platform) -> Any:
    grant = make_grant(platform, ["citizen_id", "person_name", "period"], ["query", "bulk"])
    response = platform.client.post(
        f"{BASE}/query", headers=platform.headers(SWJ), json={"grant_id": grant, "limit": 5}
    )
    assert response.status_code == 200, response.text
    return response


def test_an_auditor_reproduces_a_read_into_a_file(platform: Platform, tmp_path: Path) -> None:
    response = _read(platform)
    event_id = response.headers["x-zhongtai-audit-event"]
    out = tmp_path / "replayed.json"
    done = _run(platform, AUDIT, event_id, "--json", "--out", str(out))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["verdict"] == "match" and result["event_id"] == int(event_id)
    assert result["replayed"]["sha256"] == response.headers["x-content-sha256"]
    assert out.read_bytes() == response.content
    human = _run(platform, AUDIT, event_id)
    assert human.returncode == 0, human.stderr
    assert "match" in human.stdout and response.headers["x-content-sha256"] in human.stdout


def test_a_bulk_extract_is_replayed_into_a_file(platform: Platform, tmp_path: Path) -> None:
    grant = make_grant(platform, ["person_name", "period", "amount"], ["bulk"], quota=30)
    sent = platform.client.get(
        f"{BASE}/bulk",
        headers=platform.headers(SWJ),
        params={"grant_id": grant, "format": "csv", "encoding": "gb18030"},
    )
    assert sent.status_code == 200, sent.text
    out = tmp_path / "extract.csv"
    done = _run(platform, AUDIT, sent.headers["x-zhongtai-audit-event"], "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == sent.content


def test_others_and_bad_ids_exit_non_zero_with_a_code(platform: Platform) -> None:
    event_id = _read(platform).headers["x-zhongtai-audit-event"]
    for account in (SWJ, RSJ, "dsj-admin"):
        done = _run(platform, account, event_id)
        assert done.returncode == 2 and "role.auditor_required" in done.stderr, done.stderr
        assert done.stdout == ""
    with platform.sessions() as session:
        issued = session.scalars(
            select(AuditEvent.id).where(AuditEvent.action == "grant.issued")
        ).first()
    for bad, code in ((str(issued), "audit.not_a_read"), ("99999999", "audit.event_not_found")):
        done = _run(platform, AUDIT, bad)
        assert done.returncode == 2 and code in done.stderr, done.stderr
    for bad in ("0", "abc", "99999999999999999999999"):
        done = _run(platform, AUDIT, bad)
        assert done.returncode == 2, (bad, done.stdout, done.stderr)


def _edit_behind_the_triggers(platform: Platform, event_id: int, **changes: Any) -> None:
    """What a DBA can do: lift the append-only trigger, edit the row, put the trigger back."""
    with platform.sessions() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            session.execute(
                text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
            )
        else:
            trigger = session.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'audit_events_no_update'")
            ).scalar_one()
            session.execute(text("DROP TRIGGER audit_events_no_update"))
        row = session.get(AuditEvent, event_id)
        assert row is not None
        row.detail = {**row.detail, **changes}
        session.flush()
        if postgres:
            session.execute(
                text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
            )
        else:
            session.execute(text(trigger))
        session.commit()


def test_a_record_edited_behind_the_triggers_does_not_match(platform: Platform) -> None:
    """Runs last in this module: it breaks the chain on purpose."""
    response = _read(platform)
    event_id = int(response.headers["x-zhongtai-audit-event"])
    nothing = [{"field": "period", "op": "eq", "value": "1999-01"}]  # "they were sent no row"
    _edit_behind_the_triggers(platform, event_id, filters=nothing)
    done = _run(platform, AUDIT, str(event_id), "--json")
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    assert result["verdict"] == "mismatch" and result["event_intact"] is False
    assert result["recorded"]["sha256"] == response.headers["x-content-sha256"]
    assert result["replayed"]["sha256"] != result["recorded"]["sha256"]
