"""``zhongtai audit verify`` over a real catalog: OK on an intact chain, names the altered row."""

from __future__ import annotations

from sqlalchemy import text
from typer.testing import CliRunner

from catalog.audit import record
from catalog.db import init_catalog
from catalog.events import GrantRevoked
from catalog.settings import Settings
from exchange_api.cli import app

runner = CliRunner()


def test_verify_passes_then_names_the_tampered_row(settings: Settings) -> None:
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        for i in range(5):
            record(session, GrantRevoked(grant_id=i, reason=f"第{i}次"))
        session.commit()

    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "audit chain OK" in ok.output

    with sessions() as session:  # a DBA with write access edits history
        session.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        session.execute(
            text("UPDATE audit_events SET detail = :d WHERE id = 3"), {"d": '{"reason":"改过"}'}
        )
        session.commit()

    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "event 3" in broken.output
