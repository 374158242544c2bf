"""Smoke test of the audit benchmarks at a small size: group commit appends every event once in
one chain, and a built bundle verifies. The result files in ``bench/results`` are not touched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import bench_audit


def test_audit_benchmarks_run_and_measure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results: list[dict[str, Any]] = []
    monkeypatch.setattr(
        bench_audit, "write_result", lambda result, path=None: results.append(result)
    )
    bench_audit.bench_append(tmp_path, per_writer_group=100, per_writer_single=10)
    bench_audit.bench_verify(tmp_path, 3_000)
    append, verify = results
    assert append["name"] == "audit_append" and append["better"] == "higher"
    assert append["params"]["events_grouped"] == 800
    assert append["params"]["batches"] < 800  # grouped
    assert verify["name"] == "audit_verify_1m" and verify["params"]["events"] == 3_000
    assert verify["params"]["checkpoints"] == 3
    assert verify["value"] > 0 and verify["baseline_value"] > 0
