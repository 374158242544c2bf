"""Smoke test of the bulk benchmark at 20,000 rows: a real uvicorn server, the extract streamed
over HTTP, its manifest matching the bytes, the masks in the file, the figures sane. The result
file in ``bench/results`` is not touched (only ``main()`` writes it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import bench_exchange_bulk

ROWS = 20_000

pytestmark = pytest.mark.slow


def test_bulk_benchmark_streams_the_masked_extract(tmp_path: Path) -> None:
    result = bench_exchange_bulk.bench(ROWS, tmp_path)
    assert result["name"] == "exchange_bulk_10m" and result["better"] == "higher"
    assert result["value"] > 0 and result["baseline_value"] > 0
    assert result["ratio"] == pytest.approx(result["value"] / result["baseline_value"], rel=1e-2)
    params = result["params"]
    assert params["rows"] == ROWS and params["masked_in_file"] is True
    assert params["bytes"] > ROWS  # a real file, not an error page
    assert params["server_rss_peak_mb"] >= params["server_rss_before_mb"] > 50
    assert set(result["goals_met"]) == {"ratio", "rss_growth"}
    assert not (tmp_path / "var" / "spool").exists() or not any(
        (tmp_path / "var" / "spool").iterdir()
    )
