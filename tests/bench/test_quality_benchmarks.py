"""Smoke test of the two quality benchmarks at 20,000 rows: they run, agree and report sanely.

The data file goes to the test's temporary directory, never ``bench/.work``; the result files in
``bench/results`` are not touched (only ``main()`` writes them).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import bench_quality_rules_10m, bench_quality_vs_pandas

ROWS = 20_000
KEYS = {"name", "unit", "value", "baseline_name", "baseline_value", "ratio", "better", "params"}

pytestmark = pytest.mark.slow


def test_quality_rules_benchmark_reports_equal_counts(tmp_path: Path) -> None:
    result = bench_quality_rules_10m.bench(
        ROWS, tmp_path, repeats=1, proposal=False, data_dir=tmp_path
    )
    assert KEYS | {"peak_rss_mb"} <= result.keys()
    params = result["params"]
    assert params["rows"] == ROWS and params["columns"] >= 10 and params["rules"] >= 20
    assert result["value"] > 0 and result["baseline_value"] > 0 and result["better"] == "lower"
    assert result["ratio"] == pytest.approx(result["value"] / result["baseline_value"], rel=1e-2)
    assert params["scan_s"] > 0 and params["ge_statements"]["queries"] >= params["rules"]
    counts = params["rule_counts"]
    assert len(counts) == params["rules"]
    for planted in (
        "citizen_id.check_digit:citizen_id",
        "uscc.check_digit:employer_uscc",
        "admin_division.known",
        "month.format",
        "amount.range",
        "primary_key.unique",
        "required:citizen_id",
    ):
        assert counts[planted] > 0, planted
    assert sum(counts.values()) < ROWS * 0.05  # about 1% of rows carry one defect each


def test_quality_vs_pandas_benchmark_reports_both_sides(tmp_path: Path) -> None:
    result = bench_quality_vs_pandas.bench(ROWS, tmp_path, data_dir=tmp_path)
    assert KEYS | {"peak_rss_mb_ours", "peak_rss_mb_pandas", "memory_ratio"} <= result.keys()
    assert result["better"] == "higher" and result["value"] > 0 and result["baseline_value"] > 0
    assert result["params"]["rules"] >= 20
    assert result["params"]["ours"]["peak_rss_mb"] > 50
    assert result["params"]["pandas"]["peak_rss_mb"] > 50
