"""What the DAG processor pays per registered dataset: dags/ingest.py builds one DAG (with an
inbox watcher) per dataset, all in one file, so its parse time is N × this. Measured for
docs/capacity.md ("Airflow"); ``ZHONGTAI_CAPACITY_DAG_OUT=FILE`` writes the figures as JSON."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from catalog.settings import Settings
from lakehouse.dag_manifest import DagEntry

# Builds 500 DAGs: seconds, not for make test.
pytestmark = pytest.mark.load


def test_building_a_dag_costs_the_same_for_each_dataset(settings: Settings) -> None:
    from dags.ingest import build_ingestion_dag

    def build(count: int, tag: str) -> float:
        started = time.perf_counter()
        for i in range(count):
            entry = DagEntry(f"ds_{tag}_{i}", "数据", "data", "daily", "330100RSJ")
            dag = build_ingestion_dag(entry, settings.inbox_dir)
            assert dag.dag_id == f"ingest_ds_{tag}_{i}"
        return time.perf_counter() - started

    small, large = build(100, "a"), build(400, "b")
    per_dag_ms = large / 400 * 1000
    measured = {
        "dags_100_s": round(small, 3),
        "dags_400_s": round(large, 3),
        "ms_per_dag": round(per_dag_ms, 2),
        "dags_within_30_s_default_timeout": int(30_000 / per_dag_ms),
        "seconds_for_10000_dags": round(10_000 * per_dag_ms / 1000, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    out = os.environ.get("ZHONGTAI_CAPACITY_DAG_OUT")
    if out:
        Path(out).write_text(json.dumps(measured, indent=2) + "\n", "utf-8")
    # Linear: 4× the DAGs cost about 4× the time (not quadratic in the number defined).
    assert large < 8 * small
