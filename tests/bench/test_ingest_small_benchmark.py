"""Smoke test of ``ingest_small_2000`` at a smaller size: real ``zhongtai ingest`` subprocesses
publish every row, and both baselines are measured. ``bench/results`` is not touched."""

from __future__ import annotations

from pathlib import Path

from bench import bench_ingest_small


def test_small_ingests_are_timed_against_the_baselines(tmp_path: Path) -> None:
    result = bench_ingest_small.bench(200, 1, tmp_path)
    assert result["name"] == "ingest_small_2000" and result["better"] == "lower"
    params = result["params"]
    assert params["rows"] == 200 and len(params["walls_s"]) == len(params["cpu_s"]) == 1
    assert set(params["stages_s"]) == {"land", "standardise", "validate", "publish"}
    assert 0 < params["python_pass_s"] < result["baseline_value"] < result["value"]
    assert result["ratio"] > 1
