"""Landing: SHA-256 addressed raw zone, read-only, atomic, one batch per (dataset, bytes)."""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import AuditEvent, Batch, BatchStatus
from catalog.settings import Settings
from lakehouse.errors import SourceNotFound
from lakehouse.land import land
from tests.lakehouse import factories


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    with factories.sqlite_session(tmp_path) as s:
        yield s


def _source(tmp_path: Path, name: str = "社保_202305.CSV", n: int = 5) -> Path:
    rows = [r.cells for r in factories.source_rows(n)]
    return factories.write_csv(tmp_path / name, rows)


def test_land_writes_a_read_only_sha256_addressed_copy_and_one_audited_batch(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    dataset = factories.dataset(session)
    source = _source(tmp_path)
    data = source.read_bytes()
    sha = hashlib.sha256(data).hexdigest()

    landing = land(session, settings, dataset, source)

    assert landing.sha256 == sha
    assert landing.size_bytes == len(data)
    assert landing.duplicate is False
    assert landing.raw_path == settings.raw_dir / sha[:2] / f"{sha}.csv"
    assert landing.raw_path.read_bytes() == data
    assert not landing.raw_path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert [p.name for p in settings.raw_dir.rglob("*") if p.is_file()] == [f"{sha}.csv"]

    batch = session.get(Batch, landing.batch_id)
    assert batch is not None
    assert (batch.status, batch.source_sha256, batch.source_name) == (
        BatchStatus.LANDED,
        sha,
        source.name,
    )
    assert batch.raw_path == str(landing.raw_path)
    events = session.scalars(select(AuditEvent)).all()
    assert [e.action for e in events] == ["batch.landed"]
    assert events[0].detail == {
        "batch_id": landing.batch_id,
        "source_sha256": sha,
        "size_bytes": len(data),
    }
    assert events[0].dataset_id == dataset.id


def test_same_bytes_twice_is_one_batch_and_no_second_event(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    dataset = factories.dataset(session)
    first = land(session, settings, dataset, _source(tmp_path, "a.csv"))
    session.commit()
    again = land(session, settings, dataset, _source(tmp_path, "renamed copy.csv"))

    # the first batch is unfinished (its run died after landing): the same batch resumes
    assert (again.duplicate, again.resumed, again.status) == (False, True, "landed")
    assert (again.batch_id, again.sha256, again.raw_path) == (
        first.batch_id,
        first.sha256,
        first.raw_path,
    )
    assert session.scalar(select(func.count()).select_from(Batch)) == 1
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1
    assert len([p for p in settings.raw_dir.rglob("*") if p.is_file()]) == 1


def test_other_bytes_or_other_dataset_is_a_new_batch(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    owner = factories.department(session)
    one = factories.dataset(session, owner)
    other = factories.dataset(session, owner, code="rsj_other")
    source = _source(tmp_path)

    a = land(session, settings, one, source)
    b = land(session, settings, other, source)
    c = land(session, settings, one, _source(tmp_path, "more.csv", n=6))

    assert len({a.batch_id, b.batch_id, c.batch_id}) == 3
    assert not (a.duplicate or b.duplicate or c.duplicate)
    assert a.raw_path == b.raw_path  # content-addressed: the bytes are stored once
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 3


def test_hashing_streams_files_larger_than_one_chunk(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    source = tmp_path / "big.csv"
    data = b"x" * (3 * (1 << 20) + 17)
    source.write_bytes(data)
    landing = land(session, settings, factories.dataset(session), source)
    assert landing.sha256 == hashlib.sha256(data).hexdigest()
    assert landing.raw_path.stat().st_size == len(data)


def test_missing_source_is_refused_and_leaves_nothing(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    with pytest.raises(SourceNotFound) as caught:
        land(session, settings, factories.dataset(session), tmp_path / "nope.csv")
    assert caught.value.code == "source.not_found"
    assert "nope.csv" in str(caught.value)
    assert session.scalar(select(func.count()).select_from(Batch)) == 0
    assert not settings.raw_dir.exists() or not any(settings.raw_dir.rglob("*"))


@pytest.mark.parametrize("status", [BatchStatus.REJECTED, BatchStatus.FAILED])
def test_refused_bytes_land_again_as_a_retry_and_published_bytes_are_a_duplicate(
    settings: Settings, session: Session, tmp_path: Path, status: BatchStatus
) -> None:
    dataset = factories.dataset(session)
    first = land(session, settings, dataset, _source(tmp_path, "a.csv"))
    session.get_one(Batch, first.batch_id).status = status
    session.commit()

    retry = land(session, settings, dataset, _source(tmp_path, "a.csv"))
    session.commit()
    assert (retry.duplicate, retry.resumed, retry.retry_of) == (False, False, first.batch_id)
    assert retry.batch_id != first.batch_id
    assert session.get_one(Batch, first.batch_id).status is status  # kept on record
    assert session.get_one(Batch, retry.batch_id).retry_of == first.batch_id

    session.get_one(Batch, retry.batch_id).status = BatchStatus.PUBLISHED
    session.commit()
    again = land(session, settings, dataset, _source(tmp_path, "a.csv"))
    assert (again.duplicate, again.batch_id) == (True, retry.batch_id)
    assert session.scalar(select(func.count()).select_from(Batch)) == 2
