"""Scheduled runs take their file from the dataset's inbox, and every landed file leaves it
(issue 12's defect: a run never got past the oldest file, which ``land`` never moved)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.db import init_catalog
from catalog.models import Batch, BatchStatus
from catalog.settings import Settings
from exchange_api.demo import DATASET, seed
from lakehouse.samples import write_social_insurance_extract
from tests.dags.conftest import REPO

pytestmark = [pytest.mark.airflow, pytest.mark.load]  # three full runs: ~30 s


def test_three_files_in_the_inbox_are_ingested_by_three_runs(
    airflow_home: Path, settings: Settings
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        seed(session)
        session.commit()
    inbox = settings.inbox_dir / DATASET
    inbox.mkdir(parents=True)
    names = []
    for n, month in enumerate(("2026-08", "2026-09", "2026-10")):
        extract = inbox / f"社保_{month}.csv"
        write_social_insurance_extract(extract, rows=40, seed=n + 1, month=month, defects=False)
        os.utime(extract, (1_700_000_000 + n, 1_700_000_000 + n))  # oldest first
        names.append(extract.name)

    dag = DagBag(dag_folder=str(REPO / "dags")).dags[f"ingest_{DATASET}"]
    for _ in range(3):
        run = dag.test()
        assert run.state == "success"

    with sessions() as session:
        batches = session.scalars(select(Batch).order_by(Batch.id)).all()
    assert [b.source_name for b in batches] == names
    assert {b.status for b in batches} == {BatchStatus.PUBLISHED}
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == []
    assert sorted(p.name for p in (inbox / "done").iterdir()) == sorted(names)
