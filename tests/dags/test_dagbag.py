"""Every DAG file imports cleanly and every contract has its ingestion DAG."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas import load_contracts
from tests.dags.conftest import REPO

pytestmark = pytest.mark.airflow


def test_dagbag_has_no_import_errors(airflow_home: Path) -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    for code in load_contracts():
        dag = bag.dags[f"ingest_{code}"]
        assert [t.task_id for t in dag.topological_sort()] == [
            "land",
            "standardize",
            "validate",
            "publish",
        ]
        assert "zhongtai" in dag.tags
