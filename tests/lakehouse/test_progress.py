"""Progress reporting: ``watching`` passes DuckDB's progress on to the current reporter (and does
nothing without one), the pipeline's steps report their stages, and ``zhongtai ingest`` ends with
a summary table, or JSON with ``--json``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from catalog.settings import Settings
from exchange_api.cli import app
from lakehouse.pipeline import run_batch
from lakehouse.progress import STAGES, StageClock, current, reporting, stage_started, watching
from lakehouse.samples import write_social_insurance_extract
from tests.lakehouse.batch_life_world import SOCIAL, build_world

# Long enough for a few polls on a busy machine, short on a quiet one.
_SLOW_STATEMENT = (
    "SELECT count(DISTINCT md5(range::VARCHAR)) FROM range(3000000)"  # about 1 s on one core
)


@dataclass
class Recorder(StageClock):
    advances: list[tuple[str, float, int | None, int | None]] = field(default_factory=list)

    def advance(
        self,
        name: str,
        percent: float,
        *,
        done_bytes: int | None = None,
        done_rows: int | None = None,
    ) -> None:
        self.advances.append((name, percent, done_bytes, done_rows))


def _progress_setting(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute("SELECT current_setting('enable_progress_bar')").fetchone()
    assert row is not None
    return bool(row[0])


def test_watching_reports_percentages_and_restores_the_connection() -> None:
    recorder = Recorder()
    con = duckdb.connect(config={"threads": 1})
    try:
        con.execute("SET enable_progress_bar = false")
        with (
            reporting(recorder),
            watching(con, "standardise", 1_000_000, total_rows=500, interval=0.02),
        ):
            con.execute(_SLOW_STATEMENT).fetchall()
        assert not _progress_setting(con)
    finally:
        con.close()
    assert current() is None
    assert recorder.advances, "no progress was reported"
    for stage, percent, done_bytes, done_rows in recorder.advances:
        assert stage == "standardise" and 0 <= percent <= 100
        assert done_bytes == int(1_000_000 * percent / 100)
        assert done_rows == int(500 * percent / 100)


def test_watching_without_a_reporter_does_nothing() -> None:
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        with watching(con, "publish"):
            assert not _progress_setting(con)
            con.execute("SELECT 1").fetchall()
    finally:
        con.close()


def test_the_pipeline_reports_each_stage(settings: Settings, tmp_path: Path) -> None:
    world = build_world(settings)
    extract = tmp_path / "社保.csv"
    write_social_insurance_extract(extract, rows=30, defects=False)
    clock = StageClock()
    try:
        with reporting(clock):
            stage_started("land")  # as zhongtai ingest does; the pipeline reports the others
            summary = run_batch(settings, SOCIAL, extract)
        clock.finish()
    finally:
        world.sessions.kw["bind"].dispose()
    assert summary.outcome == "published"
    assert tuple(clock.seconds) == STAGES
    assert all(seconds >= 0 for seconds in clock.seconds.values())


def test_ingest_prints_a_summary_table_or_json(settings: Settings, tmp_path: Path) -> None:
    world = build_world(settings)
    extract = tmp_path / "社保_十月.csv"
    write_social_insurance_extract(extract, rows=30, defects=False)
    runner = CliRunner()
    try:
        shown = runner.invoke(app, ["ingest", SOCIAL, str(extract)])
        again = runner.invoke(app, ["ingest", SOCIAL, str(extract), "--json"])
    finally:
        world.sessions.kw["bind"].dispose()
    assert shown.exit_code == 0, shown.output
    for label in ("社保_十月.csv", "published", "rows in", "snapshot", "validate s"):
        assert label in shown.stdout
    assert "━" not in shown.output  # not a terminal: no bar
    assert again.exit_code == 3
    record = json.loads(again.stdout)
    assert record["outcome"] == "duplicate" and record["source"] == "社保_十月.csv"
    assert "land" in record["stages_s"] and "validate" not in record["stages_s"]
    assert "duplicate (exit 3)" in again.stderr
