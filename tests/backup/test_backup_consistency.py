"""The lake is exported at one snapshot even while it commits: a commit landing between the two
reads of the snapshot list makes the export start again (a real DuckLake commit from a second
connection, made at that moment); a lake that commits during every try is ``backup.busy``."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from catalog.errors import NotReady
from catalog.settings import Settings
from lakehouse import backup_lake
from lakehouse.backup_lake import LakeState, export_metadata, lake_state
from lakehouse.connection import connect


def _commit_one(settings: Settings) -> None:
    with connect(settings) as con:
        con.execute("INSERT INTO lake.t SELECT range FROM range(2000)")


def _lake(tmp_path: Path) -> Settings:
    settings = Settings(var_dir=tmp_path / "var", environment="test", _env_file=None)  # type: ignore[call-arg]
    with connect(settings) as con:
        con.execute("CREATE TABLE lake.t AS SELECT range AS n FROM range(3000)")
    return settings


def test_a_commit_during_the_export_makes_it_start_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _lake(tmp_path)
    real = backup_lake._state
    calls: list[int] = []

    def committing_meanwhile(con: duckdb.DuckDBPyConnection) -> LakeState:
        calls.append(1)
        if len(calls) == 1:
            _commit_one(settings)  # after the tables were copied, before the second look
        return real(con)

    monkeypatch.setattr(backup_lake, "_state", committing_meanwhile)
    state, referenced = export_metadata(settings, tmp_path / "metadata")
    assert len(calls) == 2
    now = lake_state(settings)
    assert state == now  # the export is of the lake after the commit, all of it
    assert now.table_rows == {"main.t": 5000}
    assert len(referenced) == 2  # both commits' data files


def test_a_lake_that_commits_during_every_export_is_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _lake(tmp_path)
    real = backup_lake._state

    def always_committing(con: duckdb.DuckDBPyConnection) -> LakeState:
        _commit_one(settings)
        return real(con)

    monkeypatch.setattr(backup_lake, "_state", always_committing)
    with pytest.raises(NotReady) as busy:
        export_metadata(settings, tmp_path / "metadata")
    assert busy.value.code == "backup.busy"
