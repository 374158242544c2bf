"""The crash test: real ``zhongtai ingest`` processes killed with SIGKILL at every step boundary
(twice each, right after the lake commit included) and at random moments; after each kill nothing
half-done is visible, a rerun publishes exactly once, no row is lost or duplicated, lake, catalog
and audit log agree, and nothing is left over (``bench/bench_ingest_crash.py`` has the checks;
it runs 100 trials as the ``ingest_crash_100`` benchmark).

``make test`` kills once at each fault point (about 35 s); ``make test-load`` runs the twenty
trials, twice at each point and eight at random moments (about 2 minutes on SQLite, most of it
the killed processes' start-up), and the PostgreSQL catalog's."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.bench_ingest_crash import run_trials
from lakehouse.faults import POINTS
from tests.fixtures.postgres import PostgresServer

pytestmark = pytest.mark.slow


def _assert_all_passed(result: dict[str, object], trials: int) -> None:
    assert result["failed_trials"] == [], result["failed_trials"]
    assert result["value"] == result["baseline_value"] == trials


def test_a_sigkill_at_each_fault_point_leaves_nothing_half_done(tmp_path: Path) -> None:
    result = run_trials(tmp_path, trials=len(POINTS), rows=2_000, seed=11)
    _assert_all_passed(result, len(POINTS))
    kills = result["params"]["kills"]  # type: ignore[index]
    assert kills == {f"point:{p}": 1 for p in POINTS}


@pytest.mark.load  # in make test-load: `make test` kills once at each point (above)
def test_twenty_sigkills_leave_nothing_half_done(tmp_path: Path) -> None:
    result = run_trials(tmp_path, trials=20, rows=2_000, seed=11)
    _assert_all_passed(result, 20)
    kills = result["params"]["kills"]  # type: ignore[index]
    assert {f"point:{p}" for p in POINTS} <= set(kills)
    assert kills["point:lake_committed"] == 2 and kills["random"] == 8


@pytest.mark.postgres
@pytest.mark.load  # in make test-load
def test_sigkills_on_the_postgresql_catalog(
    tmp_path: Path, postgresql_server: PostgresServer
) -> None:
    database = postgresql_server.create_database("crash")
    try:
        result = run_trials(
            tmp_path,
            trials=len(POINTS),
            rows=2_000,
            seed=12,
            catalog_url=postgresql_server.url(database),
        )
    finally:
        with postgresql_server.admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    _assert_all_passed(result, len(POINTS))
