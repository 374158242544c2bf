"""Ingests of one dataset are serialised, of different datasets not: the same file delivered twice
at once is published once (the second delivery waits, then answers ``duplicate``), and a run of
another dataset finishes while the first dataset's lock is held. On both catalogs."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.datasets import register_contract
from catalog.departments import upsert_department
from catalog.models import Batch, BatchStatus
from lakehouse.locks import dataset_lock
from lakehouse.pipeline import BatchSummary, run_batch
from lakehouse.samples import write_household_extract, write_social_insurance_extract
from schemas import load_contract
from tests.lakehouse.batch_life_world import SOCIAL, World
from tests.lakehouse.batch_life_world import world as world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow

HOUSEHOLD = "gaj_household_registration"
EARLY_NOVEMBER = dt.datetime(2026, 11, 5, 2, 0, tzinfo=dt.UTC)


def test_the_same_file_twice_at_once_is_published_once(world: World, tmp_path: Path) -> None:
    source = tmp_path / "社保.csv"
    write_social_insurance_extract(source, rows=300, defects=False)
    start = threading.Barrier(2)

    def deliver(_: int) -> BatchSummary:
        start.wait()
        return run_batch(world.settings, SOCIAL, source)

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(s.outcome for s in pool.map(deliver, range(2)))
    assert outcomes == ["duplicate", "published"]
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 1
    assert len(world.events("batch.published")) == 1
    assert [n for _, n in world.lake_rows()] == [300]


def test_another_dataset_ingests_while_one_is_locked(world: World, tmp_path: Path) -> None:
    with world.sessions() as session:
        upsert_department(session, "330100GAJ", "杭州市公安局", "330100")
        register_contract(session, load_contract(HOUSEHOLD))
        session.commit()
    household = write_household_extract(tmp_path / "户籍.csv", rows=200, defects=False).path
    social = tmp_path / "社保.csv"
    write_social_insurance_extract(social, rows=100, defects=False)

    # the pool is left last: its shutdown waits for the run the lock holds up
    with ThreadPoolExecutor(2) as pool, dataset_lock(world.settings, SOCIAL):
        waiting = pool.submit(run_batch, world.settings, SOCIAL, social)
        other = pool.submit(run_batch, world.settings, HOUSEHOLD, household, now=EARLY_NOVEMBER)
        assert other.result(timeout=120).outcome == "published"  # not held up by the lock
        assert not waiting.done()  # the social-insurance run waits for it
        with world.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Batch)) == 1
    assert waiting.result(timeout=120).outcome == "published"
    with world.sessions() as session:
        statuses = set(session.scalars(select(Batch.status)))
    assert statuses == {BatchStatus.PUBLISHED}
