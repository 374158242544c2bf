"""Smoke test of ``ingest_parallel_pg`` at a small size, and of the extracts it generates.

The benchmark runs end to end (a throwaway PostgreSQL, moto's S3 server on loopback as the object
store's stand-in, twelve ``zhongtai ingest`` processes): every dataset is published in full in
both phases, the four parallel ingests really overlap, and the figures it reports add up.
``bench/results`` is not touched. The generated extracts are checked against python-stdnum (the
oracle for citizen IDs and USCCs) and for unique keys, so the benchmark never measures a batch
that quarantines rows."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from stdnum.cn import ric, uscc

from bench import bench_ingest_parallel_pg as bench
from bench.parallel_extracts import write_enterprise, write_household


def test_four_ingests_at_once_are_timed_against_the_four_in_turn(tmp_path: Path) -> None:
    result = bench.bench(300, tmp_path)
    assert result["name"] == "ingest_parallel_pg" and result["better"] == "higher"
    params = result["params"]
    assert params["rows_per_dataset"] == 300 and params["cores"] >= 1
    assert len(set(params["datasets"])) == 4
    phases = {p["kind"]: p for p in params["phases"]}
    assert set(phases) == {"sequential", "parallel"} and len(params["phases"]) == 2
    for phase in phases.values():
        assert sorted(r["dataset"] for r in phase["runs"]) == sorted(params["datasets"])
        assert all(r["rows_published"] == 300 for r in phase["runs"])
        assert phase["cpu_s"] > 0 and phase["wall_s"] > 0
    in_turn = sorted(phases["sequential"]["runs"], key=lambda r: r["start_s"])
    for before, after in zip(in_turn, in_turn[1:], strict=False):
        assert after["start_s"] >= before["start_s"] + before["wall_s"] - 0.05  # one at a time
    together = phases["parallel"]["runs"]
    assert max(r["start_s"] for r in together) < min(r["start_s"] + r["wall_s"] for r in together)
    assert params["sequential_wall_s"] == phases["sequential"]["wall_s"]
    # rows/s are written to one decimal, the ratio to three
    assert result["value"] == pytest.approx(1200 / params["parallel_wall_s"], abs=0.051)
    assert result["baseline_value"] == pytest.approx(1200 / params["sequential_wall_s"], abs=0.051)
    speed_up = params["sequential_wall_s"] / params["parallel_wall_s"]
    assert result["ratio"] == pytest.approx(speed_up, abs=6e-4)
    assert result["goals_met"] == {"ratio": result["ratio"] >= 1.6}
    startup = params["startup"]
    assert 0 < startup["zhongtai_help_s"]
    assert set(startup["ingest_100_rows_s"]) == set(params["datasets"])


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="gbk", newline="") as source:
        return list(csv.reader(source))[1:]


def test_the_household_extract_has_valid_distinct_ids(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    write_household(path, 3_000, dt.date(2026, 12, 1))
    ids = [row[0] for row in _rows(path)]
    assert len(ids) == len(set(ids)) == 3_000
    assert all(ric.is_valid(i) for i in ids)


def test_the_enterprise_extract_has_valid_distinct_codes(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    write_enterprise(path, 3_000, dt.date(2026, 12, 1))
    rows = _rows(path)
    codes = [row[0] for row in rows]
    assert len(codes) == len(set(codes)) == 3_000
    assert all(uscc.is_valid(c) for c in codes)
    assert all(ric.is_valid(row[3]) for row in rows)
    newest = max(_date(row[5]) for row in rows)
    assert newest >= dt.date(2026, 11, 26)  # fresh for the contract's 7-day check


def _date(written: str) -> dt.date:
    """The four ways the generator writes a date, read back."""
    if written.isdigit():
        return dt.datetime.strptime(written, "%Y%m%d").date()
    parts = written.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-")
    year, month, day = (int(x) for x in parts.split("-"))
    return dt.date(year, month, day)
