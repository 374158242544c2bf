"""The ingestion DAG, run for real with ``dag.test()`` against a real catalog and DuckLake."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.db import init_catalog
from catalog.models import Batch, BatchStatus, Dataset, QualityReport
from catalog.settings import Settings
from exchange_api.demo import DATASET, seed
from lakehouse.connection import connect
from lakehouse.samples import write_social_insurance_extract
from tests.dags.conftest import REPO

pytestmark = pytest.mark.airflow


def test_dag_test_publishes_one_snapshot(airflow_home: Path, settings: Settings) -> None:
    from airflow.dag_processing.dagbag import DagBag

    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        seed(session)
        session.commit()
    extract = settings.inbox_dir / DATASET / "社保_2026-10.csv"
    extract.parent.mkdir(parents=True)
    manifest = write_social_insurance_extract(extract, rows=200)

    dag = DagBag(dag_folder=str(REPO / "dags")).dags[f"ingest_{DATASET}"]
    run = dag.test(run_conf={"source": str(extract)})

    assert run.state == "success"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert set(states.values()) == {"success"}, states
    with sessions() as session:
        batch = session.scalars(select(Batch)).one()
        dataset = session.scalars(select(Dataset).where(Dataset.code == DATASET)).one()
        report = session.scalars(select(QualityReport)).one()
    assert batch.status is BatchStatus.PUBLISHED
    assert batch.rows_in == manifest.rows
    assert batch.rows_quarantined == len(manifest.defects)
    assert batch.rows_published == manifest.rows - len(manifest.defects)
    assert dataset.current_snapshot_id == batch.snapshot_id
    assert report.rows_quarantined == len(manifest.defects)
    with connect(settings) as con:
        published = con.execute(f"SELECT count(*) FROM lake.{DATASET}").fetchone()
    assert published is not None and published[0] == batch.rows_published


def test_dag_resumes_a_batch_a_killed_run_left_validated(
    airflow_home: Path, settings: Settings
) -> None:
    """A batch stuck ``validated`` (its run died before publishing) is not skipped as a
    duplicate when the file comes again: the DAG publishes it, once."""
    from airflow.dag_processing.dagbag import DagBag

    from lakehouse import pipeline

    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        seed(session)
        session.commit()
    extract = settings.inbox_dir / DATASET / "社保_2026-10.csv"
    extract.parent.mkdir(parents=True)
    write_social_insurance_extract(extract, rows=100, defects=False)
    batch_id = int(pipeline.land_step(settings, DATASET, extract)["batch_id"])
    pipeline.standardize_step(settings, DATASET, batch_id)
    pipeline.validate_step(settings, DATASET, batch_id)

    dag = DagBag(dag_folder=str(REPO / "dags")).dags[f"ingest_{DATASET}"]
    run = dag.test(run_conf={"source": str(extract)})

    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert set(states.values()) == {"success"}, states
    with sessions() as session:
        batch = session.scalars(select(Batch)).one()
    assert (batch.id, batch.status, batch.rows_published) == (
        batch_id,
        BatchStatus.PUBLISHED,
        100,
    )


def test_a_failed_run_alerts_the_steward_on_the_dataset(
    airflow_home: Path, settings: Settings
) -> None:
    """A task's last failure (here a file that is not there: no retry can help) leaves a
    ``batch.ingest_failed`` event on the dataset's record; the other tasks do not run."""
    from airflow.dag_processing.dagbag import DagBag

    from catalog.models import AuditEvent

    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        seed(session)
        session.commit()
    missing = settings.inbox_dir / DATASET / "不存在.csv"

    dag = DagBag(dag_folder=str(REPO / "dags")).dags[f"ingest_{DATASET}"]
    run = dag.test(run_conf={"source": str(missing)})

    assert run.state == "failed"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["land"] == "failed" and states["record"] == "success", states
    with sessions() as session:
        dataset = session.scalars(select(Dataset).where(Dataset.code == DATASET)).one()
        alerts = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "batch.ingest_failed")
        ).all()
        assert [(a.dataset_id, a.outcome.value) for a in alerts] == [(dataset.id, "error")]
        assert alerts[0].detail["task"] == "land" and "不存在.csv" in alerts[0].detail["error"]
        assert session.scalars(select(Batch)).all() == []
