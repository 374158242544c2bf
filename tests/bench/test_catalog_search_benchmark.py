"""``catalog_search_100k`` at a tenth of its size (``load``, with the other benchmarks' runs: it
starts a PostgreSQL server of its own and loads 10k datasets twice): both engines answer the
mixed load with the same hits, measured against the primary-key baseline. The result file in
``bench/results`` is not touched; the normal suite has the small smoke test
(``tests/catalog/test_search_benchmark.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import bench_catalog_search


def test_search_benchmark_at_10k(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results: list[dict[str, Any]] = []
    monkeypatch.setattr(
        bench_catalog_search, "write_result", lambda result, path=None: results.append(result)
    )
    bench_catalog_search.bench_catalog_search(tmp_path, 10_000, 200)
    [result] = results
    params = result["params"]
    assert params["datasets"] == 10_000 and params["queries"] == 200
    assert params["sqlite_mean_total_hits"] == params["postgresql_mean_total_hits"] > 0
    for engine in ("sqlite", "postgresql"):
        assert params[f"{engine}_search_p95_ms"] >= params[f"{engine}_search_p50_ms"] > 0
        assert params[f"{engine}_lookup_p95_ms"] > 0
