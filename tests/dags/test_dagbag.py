"""Every DAG file imports cleanly, with no database or lake connection at import time; every
dataset the catalog registers (by its manifest) has its ingestion DAG, on its cycle and inbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from catalog.db import init_catalog
from catalog.models import Dataset, DatasetStatus
from catalog.settings import Settings
from exchange_api.demo import seed
from lakehouse.dag_manifest import write_manifest
from schemas import load_contracts
from tests.dags.conftest import REPO

pytestmark = pytest.mark.airflow

GOVERNANCE = {"governance_hourly", "governance_daily", "deliver_subscriptions"}


def _no_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a DAG file connected to a store at import time")

    import duckdb

    import catalog.db

    monkeypatch.setattr(catalog.db, "make_engine", refused)
    monkeypatch.setattr(duckdb, "connect", refused)


def test_dagbag_has_no_import_errors(
    airflow_home: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    _no_connections(monkeypatch)
    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    assert set(bag.dags) == {f"ingest_{code}" for code in load_contracts()} | GOVERNANCE
    for code in load_contracts():
        dag = bag.dags[f"ingest_{code}"]
        assert [t.task_id for t in dag.topological_sort()] == [
            "land",
            "standardize",
            "validate",
            "publish",
            "record",
        ]
        assert "zhongtai" in dag.tags
        assert dag.tasks[0].retries == 3 and dag.get_task("validate").retries == 1
        inbox = dag.timetable.asset_condition  # the cycle's cron, or the inbox's watcher
        assert [w.name for w in inbox.watchers] == [f"inbox_{code}"]
        assert [o.name for o in dag.get_task("publish").outlets] == [f"lake.{code}"]


def test_the_dags_follow_the_catalog(
    airflow_home: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest lists the catalog's datasets: a retired one has no DAG any more."""
    from airflow.dag_processing.dagbag import DagBag

    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        seed(session)
        retired = session.query(Dataset).filter_by(code="gaj_household_registration").one()
        retired.status = DatasetStatus.RETIRED
        session.commit()
        write_manifest(settings, session)
    sessions.kw["bind"].dispose()

    _no_connections(monkeypatch)
    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    assert (
        set(bag.dags)
        == {
            "ingest_rsj_social_insurance",
            "ingest_scjgj_enterprise_registration",
        }
        | GOVERNANCE
    )
