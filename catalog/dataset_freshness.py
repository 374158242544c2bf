"""Is a dataset fresh for its update cycle? Judged from its latest published batch.

A dataset is **fresh** while its latest published batch is no older than its update cycle's
window, ``schemas.loader.FRESHNESS_DAYS`` (about two cycles: 62 days for a monthly dataset) — the
same window the scorecards (``catalog.scorecard``) judge a responsibility by, so the dataset page
and the scorecard never disagree — **stale** after that, **unpublished** when no batch was ever
published, and **irregular** when its cycle has no window to be late against
(``update_cycle: irregular``). :func:`judge` is the pure rule;
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
from schemas.loader import FRESHNESS_DAYS

__all__ = ["Freshness", "FreshnessState", "freshness_of", "judge"]


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
    """When the dataset turns stale without a new batch (None: never published, or no cycle)."""

    @property
    def fresh(self) -> bool:
        return self.state is FreshnessState.FRESH


def judge(update_cycle: str, last_published_at: dt.datetime | None, now: dt.datetime) -> Freshness:
    """The freshness of a dataset with ``update_cycle`` last published at ``last_published_at``."""
    if last_published_at is None:
        return Freshness(FreshnessState.UNPUBLISHED, None, None)
    days = FRESHNESS_DAYS.get(update_cycle)
    if days is None:
        return Freshness(FreshnessState.IRREGULAR, last_published_at, None)
    due = last_published_at + dt.timedelta(days=days)
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
