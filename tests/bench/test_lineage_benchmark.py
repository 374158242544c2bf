"""Smoke test of ``lineage_traverse_1m`` at a small size (``load``: it starts a PostgreSQL server
of its own): both engines load the synthetic graph, traverse it both ways to depth 5 and measure
against the single-lookup baseline. The result file in ``bench/results`` is not touched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import bench_lineage


def test_lineage_benchmark_runs_and_measures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results: list[dict[str, Any]] = []
    monkeypatch.setattr(
        bench_lineage, "write_result", lambda result, path=None: results.append(result)
    )
    bench_lineage.bench_lineage(tmp_path, events=5_000, datasets=50, runs=10)
    [result] = results
    assert result["name"] == "lineage_traverse_1m" and result["better"] == "lower"
    params = result["params"]
    for engine in ("sqlite", "postgresql"):
        # upstream: delivery → table → its 40 batches → their 40 files; downstream: file →
        # batch → table → its 60 deliveries
        assert params[f"{engine}_up_edges_max"] == 81
        assert params[f"{engine}_down_edges_max"] == 62
        assert params[f"{engine}_lookup_p95_ms"] > 0
    assert result["value"] == max(params[f"{e}_{d}_p95_ms"] for e in ("sqlite", "postgresql")
                                  for d in ("up", "down"))  # fmt: skip


def test_the_synthetic_events_are_valid_openlineage() -> None:
    import json

    from tests.lineage_spec import problems

    for event, _ in bench_lineage.plan(10, 2):
        assert problems(json.loads(event["payload"])) == []
