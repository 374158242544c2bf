"""Smoke test of ``ingest_e2e_10m`` at a small size: the generated extract has unique keys and no
defects (every row is published, none quarantined), each stage is timed, and both sides are
measured. The result files in ``bench/results`` are not touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import bench_ingest, bench_ingest_e2e
from catalog.settings import get_settings


def test_the_whole_ingestion_is_timed_by_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "ZHONGTAI_VAR_DIR",
        "ZHONGTAI_ENV_FILE",
        "ZHONGTAI_ENVIRONMENT",
        "ZHONGTAI_DUCKDB_MEMORY_LIMIT",
    ):
        monkeypatch.setenv(name, "")  # recorded, so what the bench sets is undone afterwards
    try:
        result = bench_ingest_e2e.bench(3_000, tmp_path)
    finally:
        get_settings.cache_clear()
    assert result["name"] == "ingest_e2e_10m" and result["better"] == "higher"
    params = result["params"]
    assert params["rows"] == 3_000 and params["rows_quarantined"] == 0
    assert set(params["stages_s"]) == {"land", "standardize", "validate", "publish"}
    assert sum(params["stages_s"].values()) <= params["total_s"] + 0.05
    assert result["value"] > 0 and result["baseline_value"] > 0
    # the ratio is written to 4 decimals
    assert result["ratio"] == pytest.approx(result["value"] / result["baseline_value"], abs=6e-5)


def test_the_extract_has_unique_keys(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    bench_ingest_e2e.generate(path, 5_000, ["a", "b", "c", "d", "e", "f", "g"])
    lines = path.read_text(encoding="gbk").splitlines()[1:]
    keys = {(f[0], f[2], f[4]) for f in (line.split(",") for line in lines)}
    assert len(lines) == len(keys) == 5_000


def test_standardise_and_publish_are_timed_on_valid_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ingest_rows_per_s`` at a small size: its rows are valid for the contract (standardising
    checks every rule now, and the run asserts nothing was quarantined)."""
    for name in ("ZHONGTAI_VAR_DIR", "ZHONGTAI_ENV_FILE"):
        monkeypatch.setenv(name, "")
    try:
        result = bench_ingest.bench(2_000, tmp_path)
    finally:
        get_settings.cache_clear()
    params = result["params"]
    assert isinstance(params, dict)
    assert params["rows"] == 2_000 and params["rows_quarantined"] == 0
    assert float(str(result["value"])) > 0 and float(str(result["baseline_value"])) > 0
