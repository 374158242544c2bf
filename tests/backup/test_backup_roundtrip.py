"""Backup → wipe → restore on the embedded default (SQLite catalogs, local files), through the
``zhongtai backup`` commands: to another directory (another host: only the keys travel apart),
then again over the restored platform, which is refused without ``--force``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from catalog.db import make_engine, make_sessionmaker
from catalog.models import AuditEvent
from catalog.settings import Settings, get_settings
from exchange_api.cli import app
from lakehouse.backup_lake import lake_state
from lakehouse.backup_manifest import read
from tests.backup.platform_world import build_platform, read_rows

pytestmark = pytest.mark.slow
runner = CliRunner()


def actions(settings: Settings) -> list[str]:
    engine = make_engine(settings.resolved_catalog_url)
    try:
        with make_sessionmaker(engine)() as session:
            return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    finally:
        engine.dispose()


def _use(var: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("ZHONGTAI_VAR_DIR", str(var))
    get_settings.cache_clear()
    return get_settings()


def test_embedded_round_trip_to_another_directory(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = build_platform(settings, tmp_path)
    before = read_rows(settings, built.tokens, "swj-exchange", built.grant_id)
    backup = tmp_path / "backup"
    made = runner.invoke(app, ["backup", "create", str(backup)])
    assert made.exit_code == 0, made.output
    assert actions(settings)[-1] == "backup.created"
    manifest = read(backup)
    assert manifest["lake"]["snapshot_ids"][-2:] == list(built.snapshots)
    assert manifest["catalog"]["rows"]["grants"] == 1
    assert manifest["raw"] == {"files": 2, "missing_batches": []}
    checked = runner.invoke(app, ["backup", "verify", str(backup)])
    assert checked.exit_code == 0, checked.output
    assert "backup OK" in checked.output

    # another directory, as on another host: the key store is carried apart, like any secret
    target = _use(tmp_path / "elsewhere" / "var", monkeypatch)
    shutil.copytree(settings.var_dir / "keys", target.var_dir / "keys")
    shutil.rmtree(settings.var_dir)  # wiped: nothing may be read from the old place
    restored = runner.invoke(app, ["backup", "restore", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert lake_state(target).snapshot_ids == tuple(manifest["lake"]["snapshot_ids"])
    assert lake_state(target).table_rows == manifest["lake"]["table_rows"]
    assert actions(target)[-1] == "backup.restored"
    assert len(list(target.raw_dir.rglob("*.csv"))) == 2  # the files as received, too
    assert len(actions(target)) == manifest["audit"]["event_count"] + 1
    after = read_rows(target, built.tokens, "swj-exchange", built.grant_id)
    assert after == before  # the same grant reads the same rows, masked the same way
    assert read_rows(target, built.tokens, "gaj-exchange", None)[0] == 403

    refused = runner.invoke(app, ["backup", "restore", str(backup)])
    assert refused.exit_code == 2
    assert "--force" in refused.output
    forced = runner.invoke(app, ["backup", "restore", str(backup), "--force"])
    assert forced.exit_code == 0, forced.output
    assert read_rows(target, built.tokens, "swj-exchange", built.grant_id) == before
    assert actions(target).count("backup.restored") == 1  # the replaced log is gone, not merged
