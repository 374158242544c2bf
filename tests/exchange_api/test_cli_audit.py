"""``zhongtai audit verify`` over a real catalog: OK on an intact chain, names the altered row."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text
from typer.testing import CliRunner

from catalog.audit import record
from catalog.audit_chain import public_pem
from catalog.db import init_catalog
from catalog.events import GrantRevoked
from catalog.models import AuditEvent, Role
from catalog.settings import Settings
from exchange_api.cli import app
from schemas.errors import ZhongtaiError
from tests.catalog import factories

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


def _seed(settings: Settings, count: int = 5) -> None:
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        for i in range(count):
            record(session, GrantRevoked(grant_id=i, reason=f"第{i}次"))
        session.commit()


def test_key_commands_are_explicit_and_audited(settings: Settings) -> None:
    _seed(settings)
    missing = runner.invoke(app, ["audit", "key", "show"])
    assert missing.exit_code == 1 and "no audit signing key" in missing.output
    made = runner.invoke(app, ["audit", "key", "create"])
    assert made.exit_code == 0, made.output
    again = runner.invoke(app, ["audit", "key", "create"])
    assert again.exit_code != 0
    assert isinstance(again.exception, ZhongtaiError) and again.exception.code == "key.exists"
    rotated = runner.invoke(app, ["audit", "key", "rotate", "--reason", "值班员离职"])
    assert rotated.exit_code == 0, rotated.output
    shown = runner.invoke(app, ["audit", "key", "show"])
    assert shown.exit_code == 0 and shown.output.count("BEGIN PUBLIC KEY") == 2
    assert "(current)" in shown.output and "endorsed by" in shown.output
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("audit.key_created") == 1
    assert actions.count("audit.key_rotated") == 1
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "2 signed checkpoints verified" in verified.output


def test_verify_pins_the_trusted_key(settings: Settings, tmp_path: Path) -> None:
    _seed(settings)
    assert runner.invoke(app, ["audit", "checkpoint"]).exit_code == 0  # test env: key made
    public = settings.resolved_audit_signing_key.with_suffix(".pub.pem")
    assert runner.invoke(app, ["audit", "verify", "--trust", str(public)]).exit_code == 0
    stranger = tmp_path / "stranger.pub.pem"
    stranger.write_bytes(public_pem(Ed25519PrivateKey.generate().public_key()))
    refused = runner.invoke(app, ["audit", "verify", "--trust", str(stranger)])
    assert refused.exit_code == 1
    assert "unknown_key" in refused.output
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    bad = runner.invoke(app, ["audit", "verify", "--trust", str(garbage)])
    assert bad.exit_code != 0
    assert isinstance(bad.exception, ZhongtaiError) and bad.exception.code == "key.invalid"


def test_export_then_verify_offline(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(settings, 12)
    assert runner.invoke(app, ["audit", "checkpoint"]).exit_code == 0
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        dept = factories.department(session, "330100SJJ")
        auditor = factories.actor(session, dept, Role.AUDITOR)
        requester = factories.actor(session, dept, Role.REQUESTER)
        session.commit()
    bundle = tmp_path / "evidence"
    monkeypatch.setenv("ZHONGTAI_TOKEN", requester.token)
    refused = runner.invoke(app, ["audit", "export", str(bundle)])
    assert refused.exit_code != 0 and not bundle.exists()
    monkeypatch.setenv("ZHONGTAI_TOKEN", auditor.token)
    bad_date = runner.invoke(app, ["audit", "export", str(bundle), "--from", "2026-13-01"])
    assert bad_date.exit_code == 2
    done = runner.invoke(app, ["audit", "export", str(bundle)])
    assert done.exit_code == 0, done.output
    public = settings.resolved_audit_signing_key.with_suffix(".pub.pem")
    monkeypatch.delenv("ZHONGTAI_TOKEN")
    ok = runner.invoke(app, ["audit", "verify", str(bundle), "--trust", str(public)])
    assert ok.exit_code == 0, ok.output
    lines = (bundle / "events.ndjson").read_bytes().splitlines(keepends=True)
    del lines[4]
    (bundle / "events.ndjson").write_bytes(b"".join(lines))
    broken = runner.invoke(app, ["audit", "verify", str(bundle), "--trust", str(public)])
    assert broken.exit_code == 1
    assert "event 5" in broken.output and "deleted" in broken.output
    not_a_bundle = runner.invoke(app, ["audit", "verify", str(tmp_path)])
    assert not_a_bundle.exit_code == 2
