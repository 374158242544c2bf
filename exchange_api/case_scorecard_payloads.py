"""HTTP shapes of the on-time scorecard (案件按时办结率, ``lakehouse.case_scorecard``), and the
parsing of its query: the ``as_of`` moment and the ``filter`` conditions."""

from __future__ import annotations

import datetime as dt
import json

from pydantic import BaseModel, Field

from catalog.conditions import Condition
from catalog.errors import InvalidInput
from catalog.workdays import CHINA
from lakehouse.case_scorecard import CaseScorecard

__all__ = [
    "CaseLineOut",
    "CaseScorecardOut",
    "CountedDatasetOut",
    "case_scorecard_out",
    "parse_as_of",
    "parse_filters",
]


class CaseLineOut(BaseModel):
    department: str = Field(description="The handling department's code")
    cases: int
    on_time: int = Field(description="Replied at or before the deadline")
    late: int = Field(description="Replied after the deadline")
    open_overdue: int = Field(description="Not replied; the deadline passed before as_of")
    open_in_time: int = Field(description="Not replied; the deadline is at or after as_of")
    rate: float | None = Field(description="on_time / cases; null without cases")


class CountedDatasetOut(BaseModel):
    dataset: str
    snapshot_id: int
    grant_id: int | None
    audit_events: list[int] = Field(description="The data.aggregated events of its counts")
    suppressed_groups: int


class CaseScorecardOut(BaseModel):
    as_of: dt.datetime
    departments: list[CaseLineOut]
    datasets: list[CountedDatasetOut]
    filters: list[dict[str, object]]
    suppressed_groups: int = Field(description="Groups under the minimum size: not counted")
    partial: bool


def case_scorecard_out(card: CaseScorecard) -> CaseScorecardOut:
    return CaseScorecardOut(
        as_of=card.as_of,
        departments=[
            CaseLineOut(
                department=d.department,
                cases=d.cases,
                on_time=d.on_time,
                late=d.late,
                open_overdue=d.open_overdue,
                open_in_time=d.open_in_time,
                rate=d.rate,
            )
            for d in card.departments
        ],
        datasets=[
            CountedDatasetOut(
                dataset=d.dataset,
                snapshot_id=d.snapshot_id,
                grant_id=d.grant_id,
                audit_events=list(d.audit_events),
                suppressed_groups=d.suppressed_groups,
            )
            for d in card.datasets
        ],
        filters=[c.to_json() for c in card.filters],
        suppressed_groups=card.suppressed_groups,
        partial=card.partial,
    )


def parse_as_of(text: str | None, now: dt.datetime) -> dt.datetime:
    """``as_of`` as ISO 8601 (a date means its start; no offset means China Standard Time);
    default ``now``. Bad text is ``scorecard.bad_as_of``."""
    if text is None or not text.strip():
        return now
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"as_of {text!r} is not an ISO 8601 date or date-time", code="scorecard.bad_as_of"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA)


def parse_filters(texts: list[str]) -> tuple[Condition, ...]:
    """Each ``filter`` a JSON object ``{"field", "op", "value"}``; bad ones are
    ``filter.invalid``."""
    try:
        return tuple(Condition.from_json(json.loads(t)) for t in texts)
    except json.JSONDecodeError:
        raise InvalidInput("a filter must be a JSON object", code="filter.invalid") from None
