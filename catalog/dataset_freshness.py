"""Is a dataset fresh for its update cycle? Judged from its latest published batch.

A dataset is **fresh** while its latest published batch is no older than one update cycle plus a
day's grace (a monthly dataset published on 3 March is fresh until 4 April), **stale** after
that, **unpublished** when no batch was ever published, and **irregular** when it has no cycle to
be late against (``update_cycle: irregular``). :func:`judge` is the pure rule;
:func:`freshness_of` reads the catalog, one query for any number of datasets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Batch, BatchStatus, Dataset

__all__ = ["CYCLE_DAYS", "GRACE", "Freshness", "FreshnessState", "freshness_of", "judge"]

CYCLE_DAYS: dict[str, int] = {
    "realtime": 1,
    "daily": 1,
    "weekly": 7,
    "monthly": 31,
    "quarterly": 92,
    "yearly": 366,
}
"""The longest length of each update cycle, in days (``irregular`` has none)."""
GRACE = dt.timedelta(days=1)


class FreshnessState(StrEnum):
    FRESH = "fresh"
    STALE = "stale"
    UNPUBLISHED = "unpublished"
    IRREGULAR = "irregular"


@dataclass(frozen=True, slots=True)
class Freshness:
    state: FreshnessState
    last_published_at: dt.datetime | None
    due_by: dt.datetime | None
    """When the next batch is due at the latest (None: never published, or no cycle)."""

    @property
    def fresh(self) -> bool:
        return self.state is FreshnessState.FRESH


def judge(update_cycle: str, last_published_at: dt.datetime | None, now: dt.datetime) -> Freshness:
    """The freshness of a dataset with ``update_cycle`` last published at ``last_published_at``."""
    if last_published_at is None:
        return Freshness(FreshnessState.UNPUBLISHED, None, None)
    days = CYCLE_DAYS.get(update_cycle)
    if days is None:
        return Freshness(FreshnessState.IRREGULAR, last_published_at, None)
    due = last_published_at + dt.timedelta(days=days) + GRACE
    state = FreshnessState.FRESH if now <= due else FreshnessState.STALE
    return Freshness(state, last_published_at, due)


def freshness_of(
    session: Session, datasets: Iterable[Dataset], now: dt.datetime
) -> dict[int, Freshness]:
    """Each dataset's freshness by its id, from its latest published batch (one query)."""
    wanted = {d.id: d for d in datasets}
    if not wanted:
        return {}
    latest = dict(
        session.execute(
            select(Batch.dataset_id, func.max(Batch.published_at))
            .where(Batch.status == BatchStatus.PUBLISHED, Batch.dataset_id.in_(wanted))
            .group_by(Batch.dataset_id)
        ).all()
    )
    return {i: judge(d.update_cycle, latest.get(i), now) for i, d in wanted.items()}
