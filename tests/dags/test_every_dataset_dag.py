"""``dag.test()`` of every dataset DAG on demo data: each registered dataset's ingestion DAG
publishes its sample extract (``lakehouse.samples``) with its planted defects quarantined.
(``test_ingest_dag.py`` covers the social-insurance DAG in depth, resumption and alerts.)"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.db import init_catalog
from catalog.models import Batch, BatchStatus, Dataset
from catalog.settings import Settings
from exchange_api.demo import seed
from lakehouse.connection import connect
from lakehouse.samples import write_social_insurance_extract
from lakehouse.samples.extract import SampleManifest
from lakehouse.samples.registers import write_enterprise_extract, write_household_extract
from schemas.loader import DATASETS_DIR
from tests.dags.conftest import REPO

pytestmark = pytest.mark.airflow

WRITERS: dict[str, Callable[..., SampleManifest]] = {
    "rsj_social_insurance": write_social_insurance_extract,
    "scjgj_enterprise_registration": write_enterprise_extract,
    "gaj_household_registration": write_household_extract,
}


def test_every_shipped_contract_has_a_sample_writer() -> None:
    assert set(WRITERS) == {p.stem for p in DATASETS_DIR.glob("*.yaml")}


@pytest.mark.parametrize("code", sorted(set(WRITERS) - {"rsj_social_insurance"}))
def test_the_dataset_dag_publishes_its_demo_extract(
    airflow_home: Path, settings: Settings, code: str
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        seed(session)
        session.commit()
    extract = settings.inbox_dir / code / f"{code}.csv"
    extract.parent.mkdir(parents=True)
    manifest = WRITERS[code](extract, rows=200)

    dag = DagBag(dag_folder=str(REPO / "dags")).dags[f"ingest_{code}"]
    run = dag.test(run_conf={"source": str(extract)})

    assert run.state == "success"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert set(states.values()) == {"success"}, states
    with sessions() as session:
        batch = session.scalars(select(Batch)).one()
        dataset = session.scalars(select(Dataset).where(Dataset.code == code)).one()
    assert batch.status is BatchStatus.PUBLISHED, batch.error
    assert batch.rows_in == manifest.rows
    assert batch.rows_quarantined == len(manifest.defects)
    assert batch.rows_published == manifest.rows - len(manifest.defects)
    assert dataset.current_snapshot_id == batch.snapshot_id
    with connect(settings) as con:
        published = con.execute(f"SELECT count(*) FROM lake.{code}").fetchone()
    assert published is not None and published[0] == batch.rows_published
    sessions.kw["bind"].dispose()
