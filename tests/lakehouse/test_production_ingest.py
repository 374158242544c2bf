"""Two real ``zhongtai ingest`` processes at once on the production shape: both catalogs on the
real PostgreSQL server, the lake's files in the object store (moto's S3 server on loopback, a
stand-in for the province's store — see ``tests.fixtures.object_store``).

- Different datasets publish side by side: nothing serialises them, and the runs' windows
  (each batch's ``landed_at`` → ``published_at``, recorded by the processes themselves)
  overlap.
- The same dataset is serialised: both batches are published, one after the other (the second
  lands only after the first has published), with every row and one snapshot each.
- Serialised also across *machines*: two processes with different ``var`` directories (so the
  local ``flock`` cannot see the other) sharing the PostgreSQL catalog still take turns, through
  the advisory lock on the catalog database (``lakehouse.locks``).

Every step of every run pauses a second (``ZHONGTAI_INGEST_FAULT_POINTS=sleep:1``), so a run takes
several seconds and two unserialised runs of the same dataset could not miss each other.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.datasets import register_contract
from catalog.db import init_catalog
from catalog.departments import upsert_department
from catalog.models import Batch, BatchStatus, Dataset
from catalog.settings import Settings
from lakehouse.connection import connect
from lakehouse.samples import write_household_extract, write_social_insurance_extract
from schemas import load_contract
from tests.fixtures.object_store import ObjectStore
from tests.fixtures.postgres import PostgresServer
from tests.fixtures.production import fresh_stores, settings_fields

pytestmark = [pytest.mark.production, pytest.mark.postgres, pytest.mark.slow]

SOCIAL = "rsj_social_insurance"
HOUSEHOLD = "gaj_household_registration"
ZHONGTAI = Path(sys.executable).parent / "zhongtai"


@dataclass(frozen=True)
class Shape:
    """The production stores of one test, as the environment a process is started with."""

    environment: dict[str, str]

    def settings(self, var: Path) -> Settings:
        return Settings(  # type: ignore[call-arg]
            var_dir=var, environment="test", _env_file=None, **settings_fields(self.environment)
        )

    def ingest(self, var: Path, dataset: str, source: Path) -> subprocess.Popen[str]:
        """``zhongtai ingest DATASET SOURCE`` as its own process on ``var`` and these stores."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZHONGTAI_")}
        env.update(self.environment)
        env.update(
            ZHONGTAI_VAR_DIR=str(var),
            ZHONGTAI_ENVIRONMENT="test",
            ZHONGTAI_ENV_FILE=os.devnull,
            ZHONGTAI_INGEST_FAULT_POINTS="sleep:1",
        )
        return subprocess.Popen(
            [str(ZHONGTAI), "ingest", dataset, str(source), "--json", "--quiet"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


@pytest.fixture
def shape(
    request: pytest.FixtureRequest,
    postgresql_server: PostgresServer,
    object_store: ObjectStore,
    s3_bucket: str,
    tmp_path: Path,
) -> Iterator[Shape]:
    with fresh_stores(postgresql_server, object_store, s3_bucket, "ingest") as environment:
        found = Shape(environment)
        sessions = init_catalog(found.settings(tmp_path / "var").resolved_catalog_url)
        try:
            with sessions() as session:
                upsert_department(session, "330100RSJ", "杭州市人力资源和社会保障局", "330100")
                upsert_department(session, "330100GAJ", "杭州市公安局", "330100")
                register_contract(session, load_contract(SOCIAL))
                register_contract(session, load_contract(HOUSEHOLD))
                session.commit()
        finally:
            sessions.kw["bind"].dispose()
        yield found


def _finish(*processes: subprocess.Popen[str]) -> None:
    """Wait for every process (killing the rest if one hangs), then require each published."""
    outputs: list[tuple[int, str, str]] = []
    try:
        for process in processes:
            out, errors = process.communicate(timeout=600)
            outputs.append((process.returncode, out, errors))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
    for code, out, errors in outputs:
        assert code == 0, f"exit {code}\n{out}\n{errors}"


def _batches(settings: Settings) -> list[tuple[str, Batch]]:
    sessions = init_catalog(settings.resolved_catalog_url)
    try:
        with sessions() as session:
            rows = session.execute(
                select(Dataset.code, Batch).join(Dataset, Batch.dataset_id == Dataset.id)
            ).all()
            session.expunge_all()
    finally:
        sessions.kw["bind"].dispose()
    return sorted(((code, batch) for code, batch in rows), key=lambda r: r[1].id)


def _window(batch: Batch) -> tuple[dt.datetime, dt.datetime]:
    assert batch.status == BatchStatus.PUBLISHED and batch.published_at is not None
    return batch.landed_at, batch.published_at


def _rows_by_batch(settings: Settings, code: str, snapshot: int) -> dict[int, int]:
    with connect(settings) as con:
        found = con.execute(
            f'SELECT _batch_id, count(*) FROM lake."{code}" AT (VERSION => {int(snapshot)}) '
            "GROUP BY 1"
        ).fetchall()
    return {int(b): int(n) for b, n in found}


def _last_month() -> str:
    first = dt.date.today().replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


def test_two_datasets_publish_at_the_same_time(shape: Shape, tmp_path: Path) -> None:
    var = tmp_path / "var"
    social = write_social_insurance_extract(tmp_path / "社保.csv", rows=300, defects=False)
    household = write_household_extract(
        tmp_path / "户籍.csv", rows=200, defects=False, month=_last_month()
    )
    _finish(shape.ingest(var, SOCIAL, social.path), shape.ingest(var, HOUSEHOLD, household.path))
    settings = shape.settings(var)
    batches = dict(_batches(settings))
    assert set(batches) == {SOCIAL, HOUSEHOLD}
    (social_start, social_end), (house_start, house_end) = (
        _window(batches[SOCIAL]),
        _window(batches[HOUSEHOLD]),
    )
    # neither waited for the other: each landed before the other had published
    assert social_start < house_end and house_start < social_end
    assert batches[SOCIAL].rows_published == 300 and batches[HOUSEHOLD].rows_published == 200
    for code, batch in batches.items():
        assert batch.snapshot_id is not None
        assert _rows_by_batch(settings, code, batch.snapshot_id) == {batch.id: batch.rows_published}


def _assert_serialised(settings: Settings, sizes: list[int]) -> None:
    """Two published batches of SOCIAL (of ``sizes`` rows), one after the other, each its own
    snapshot, every row kept."""
    batches = [batch for code, batch in _batches(settings) if code == SOCIAL]
    assert len(batches) == 2
    first, second = sorted(batches, key=lambda b: b.landed_at)
    first_start, first_end = _window(first)
    second_start, second_end = _window(second)
    assert first_end <= second_start, (first_start, first_end, second_start, second_end)
    assert first.snapshot_id is not None and second.snapshot_id is not None
    assert first.snapshot_id < second.snapshot_id
    assert sorted([first.rows_published or 0, second.rows_published or 0]) == sorted(sizes)
    assert _rows_by_batch(settings, SOCIAL, first.snapshot_id) == {first.id: first.rows_published}
    assert _rows_by_batch(settings, SOCIAL, second.snapshot_id) == {
        first.id: first.rows_published,
        second.id: second.rows_published,
    }


def test_two_ingests_of_one_dataset_take_turns(shape: Shape, tmp_path: Path) -> None:
    var = tmp_path / "var"
    october = write_social_insurance_extract(
        tmp_path / "社保10.csv", rows=300, defects=False, month="2026-10"
    )
    november = write_social_insurance_extract(
        tmp_path / "社保11.csv", rows=200, defects=False, month="2026-11", seed=7
    )
    _finish(shape.ingest(var, SOCIAL, october.path), shape.ingest(var, SOCIAL, november.path))
    _assert_serialised(shape.settings(var), [300, 200])


def test_two_machines_ingesting_one_dataset_take_turns(shape: Shape, tmp_path: Path) -> None:
    """Different var directories, as two machines have: no shared lock file, only the shared
    PostgreSQL catalog — whose advisory lock is what makes them take turns."""
    october = write_social_insurance_extract(
        tmp_path / "社保10.csv", rows=300, defects=False, month="2026-10"
    )
    november = write_social_insurance_extract(
        tmp_path / "社保11.csv", rows=200, defects=False, month="2026-11", seed=7
    )
    one, two = tmp_path / "machine-1" / "var", tmp_path / "machine-2" / "var"
    _finish(shape.ingest(one, SOCIAL, october.path), shape.ingest(two, SOCIAL, november.path))
    _assert_serialised(shape.settings(one), [300, 200])
