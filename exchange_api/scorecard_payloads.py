"""HTTP shapes of scorecards (考核): what ``GET /api/v1/scorecards…`` and ``zhongtai scorecard show
--json`` answer. Times are UTC (ISO 8601); shares are fractions (0.25), scores 0-100."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel

from catalog.scorecard_terms import Scorecard

__all__ = ["ScorecardOut", "scorecard_out"]


class ResponsibilityOut(BaseModel):
    item_id: int
    title_zh: str
    dataset_code: str | None
    update_cycle: str
    registered: bool
    last_published_at: dt.datetime | None
    fresh: bool
    latest_score: float | None
    min_quality_score: float | None
    quality_ok: bool
    fulfilled: bool


class FulfilmentOut(BaseModel):
    total: int
    fulfilled: int
    share: float | None
    items: list[ResponsibilityOut]


class ReplyOut(BaseModel):
    request_id: int
    dataset_code: str
    requester_code: str
    status: str
    filed_at: dt.datetime
    clock_from: dt.datetime
    reply_due_at: dt.datetime
    decided_at: dt.datetime | None
    working_days: int | None
    hours: float | None
    breach: bool
    provisional: bool


class RepliesOut(BaseModel):
    requests: int
    answered: int
    median_working_days: float | None
    median_hours: float | None
    breaches: int
    pending_overdue: int
    provisional: bool
    lines: list[ReplyOut]


class ObjectionOut(BaseModel):
    objection_id: int
    request_id: int
    status: str
    filed_at: dt.datetime
    due_at: dt.datetime
    answered_at: dt.datetime | None
    on_time: bool | None


class ObjectionsOut(BaseModel):
    filed: int
    on_time: int
    late: int
    open: int
    share_on_time: float | None
    lines: list[ObjectionOut]


class PointOut(BaseModel):
    report_id: int
    batch_id: int
    dataset_code: str
    at: dt.datetime
    score: float
    rows_quarantined: int


class MonthOut(BaseModel):
    month: str
    reports: int
    mean_score: float | None


class QualityOut(BaseModel):
    direction: Literal["up", "down", "steady", "none"]
    change: float | None
    months: list[MonthOut]
    points: list[PointOut]


class ScorecardOut(BaseModel):
    department_code: str
    department_name: str
    period: str
    period_start: dt.datetime
    period_end: dt.datetime
    as_of: dt.datetime
    fulfilment: FulfilmentOut
    replies: RepliesOut
    objections: ObjectionsOut
    quality: QualityOut


def scorecard_out(card: Scorecard) -> ScorecardOut:
    """The HTTP shape of ``card``: each part read off the dataclass by attribute name."""
    return ScorecardOut(
        department_code=card.department_code,
        department_name=card.department_name,
        period=card.period.label,
        period_start=card.period.start,
        period_end=card.period.end,
        as_of=card.as_of,
        fulfilment=FulfilmentOut.model_validate(card.fulfilment, from_attributes=True),
        replies=RepliesOut.model_validate(card.replies, from_attributes=True),
        objections=ObjectionsOut.model_validate(card.objections, from_attributes=True),
        quality=QualityOut.model_validate(card.quality, from_attributes=True),
    )
