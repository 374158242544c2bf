"""Smoke test of ``catalog_search_100k`` at a small size, in the normal suite (a few seconds):
both engines load the generated catalog, run the mixed query load through ``catalog.search`` and
measure it against the primary-key lookup baseline. The full run (``make bench``) is ``load``;
the result file in ``bench/results`` is not touched here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import bench_catalog_search
from catalog.search_filters import SearchFilters
from tests.fixtures.postgres import PostgresServer


@pytest.mark.postgres
@pytest.mark.load  # a benchmark's smoke test (about 10 s): in make test-load
def test_search_benchmark_runs_and_measures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgresql_server: PostgresServer
) -> None:
    results: list[dict[str, Any]] = []
    monkeypatch.setattr(
        bench_catalog_search, "write_result", lambda result, path=None: results.append(result)
    )
    name = postgresql_server.create_database("search_bench")
    try:
        bench_catalog_search.bench_catalog_search(
            tmp_path, 150, 20, postgres_url=postgresql_server.url(name)
        )
    finally:
        with postgresql_server.admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    [result] = results
    assert result["name"] == "catalog_search_100k" and result["better"] == "lower"
    params = result["params"]
    for engine in ("sqlite", "postgresql"):
        assert params[f"{engine}_search_p95_ms"] >= params[f"{engine}_search_p50_ms"] > 0
        assert params[f"{engine}_lookup_p95_ms"] > 0
        assert params[f"{engine}_mean_total_hits"] > 0
    assert params["sqlite_mean_total_hits"] == params["postgresql_mean_total_hits"]
    assert result["value"] == max(params[f"{e}_search_p95_ms"] for e in ("sqlite", "postgresql"))


def test_the_query_load_is_mixed() -> None:
    load = bench_catalog_search.queries(1000, 20261201)
    assert len(load) == 1000
    words = [q for q, _ in load]
    assert any(q and all("\u4e00" <= ch <= "\u9fff" for ch in q) and len(q) == 1 for q in words)
    assert any(q.isascii() and q.isalpha() and len(q) <= 6 for q in words)  # pinyin initials
    assert sum(1 for _, f in load if f != SearchFilters()) >= 200
