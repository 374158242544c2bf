"""A dataset's published snapshots: the lake snapshots its batches became, as the catalog records.

Only a snapshot that a batch of *this* dataset was published as (``Batch.snapshot_id`` of a
``published`` batch) names a state of the dataset a grantee may ask about; DuckLake's snapshot ids
are shared by every table of the lake, so any other id — another dataset's batch, a snapshot that
created a table, one never published through the catalog — is ``snapshot.unknown``.
:func:`snapshot_range` checks the range a ``changes`` read asks for; :func:`resolve_snapshot` the
one snapshot a read of an earlier state asks for, by id or by time (the newest snapshot the
catalog bound at or before it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.models import Batch, BatchStatus, Dataset

__all__ = ["PublishedSnapshot", "published_snapshots", "resolve_snapshot", "snapshot_range"]


@dataclass(frozen=True, slots=True)
class PublishedSnapshot:
    """One snapshot of a dataset: the batch published as it, when, and how many rows it added."""

    snapshot_id: int
    batch_id: int
    published_at: dt.datetime | None
    rows_published: int | None


def published_snapshots(session: Session, dataset: Dataset) -> list[PublishedSnapshot]:
    """The dataset's published snapshots, oldest first."""
    rows = session.execute(
        select(Batch.snapshot_id, Batch.id, Batch.published_at, Batch.rows_published)
        .where(
            Batch.dataset_id == dataset.id,
            Batch.status == BatchStatus.PUBLISHED,
            Batch.snapshot_id.is_not(None),
        )
        .order_by(Batch.snapshot_id)
    ).all()
    return [PublishedSnapshot(int(s or 0), int(b), p, r) for s, b, p, r in rows]


def snapshot_range(
    session: Session, dataset: Dataset, from_snapshot: int, to_snapshot: int | None
) -> tuple[int, int]:
    """``(from, to)``: both published snapshots of ``dataset``, ``from < to <= current``;
    ``to`` defaults to the current snapshot. ``from`` is exclusive, ``to`` inclusive."""
    current = dataset.current_snapshot_id
    if current is None:
        raise Conflict(
            f"Dataset {dataset.code} has no published snapshot yet.", code="dataset.not_published"
        )
    known = {s.snapshot_id for s in published_snapshots(session, dataset)}
    to = current if to_snapshot is None else to_snapshot
    for name, value in (("from_snapshot", from_snapshot), ("to_snapshot", to)):
        if value not in known or value > current:
            raise InvalidInput(
                f"{name} {value} is not a published snapshot of dataset {dataset.code}",
                code="snapshot.unknown",
            )
    if from_snapshot >= to:
        raise InvalidInput(
            f"from_snapshot ({from_snapshot}) must be earlier than to_snapshot ({to})",
            code="snapshot.range_invalid",
        )
    return from_snapshot, to


def resolve_snapshot(
    session: Session,
    dataset: Dataset,
    *,
    snapshot_id: int | None = None,
    at: dt.datetime | None = None,
) -> PublishedSnapshot:
    """The published snapshot of ``dataset`` a read asks for: ``snapshot_id`` itself, or the
    newest one published at or before ``at`` (an aware time), or the current one when neither is
    given. Only snapshots the catalog bound to a batch of this dataset: any other id (another
    dataset's, a lake snapshot the catalog does not know) is ``snapshot.unknown``, a time before
    the first publication ``snapshot.none_before``; both 404."""
    if snapshot_id is not None and at is not None:
        raise InvalidInput("give a snapshot or a time, not both", code="snapshot.ambiguous")
    known = published_snapshots(session, dataset)
    if not known or dataset.current_snapshot_id is None:
        raise Conflict(
            f"Dataset {dataset.code} has no published snapshot yet.", code="dataset.not_published"
        )
    current = dataset.current_snapshot_id
    bound = [s for s in known if s.snapshot_id <= current]
    if at is not None:
        if at.tzinfo is None:
            raise InvalidInput("the time needs a zone offset", code="snapshot.invalid_time")
        before = [s for s in bound if s.published_at is not None and s.published_at <= at]
        if not before:
            raise NotFound(
                f"Dataset {dataset.code} had no published snapshot at {at.isoformat()}.",
                code="snapshot.none_before",
            )
        return max(before, key=lambda s: s.snapshot_id)
    wanted = current if snapshot_id is None else snapshot_id
    for snapshot in bound:
        if snapshot.snapshot_id == wanted:
            return snapshot
    raise NotFound(
        f"{wanted} is not a published snapshot of dataset {dataset.code}", code="snapshot.unknown"
    )
