"""Scorecards (考核): how each department meets its duties over a period.

Four parts, each computed from the catalog's own rows (``catalog.scorecard_terms`` holds the
values and the period):

1. **Responsibility fulfilment** — for each item of the department's responsibility list: it is
   *registered* (linked to a dataset the catalog holds, not retired), *fresh* (the dataset's latest
   published batch, as of the period's end or now if earlier, is no older than the cycle's window,
   ``schemas.loader.FRESHNESS_DAYS`` — about two cycles; a cycle without a window, such as
   ``irregular``, only needs one published batch) and *good enough* (the dataset's latest quality
   report by then scores at least the item's ``min_quality_score``; no threshold: met). An item is
   fulfilled when all three hold; the share is fulfilled items over all items.
2. **Replies to share requests** the department owns, filed in the period, that waited for its
   decision (``reply_due_at`` set; requests granted or refused on filing never waited). The reply
   clock runs from filing — or from the upheld objection that reopened the request — to the
   owner's decision; its length is counted in working days on the official calendar (make-up
   workdays count, holidays do not: the working days after the starting local day up to the
   deciding local day) and in hours. A **breach** is a decision after ``reply_due_at``, a request
   still pending once ``reply_due_at`` has passed (as of now), or a request withdrawn by its
   requester after its deadline went unanswered. Medians are over decided requests only.
3. **Objections answered on time** — objections to the department's refusals filed in the
   period: on time when answered by ``due_at``; late when answered after it or still open past it
   (as of now); open and not yet due: not judged.
4. **Quality trend** — the quality reports of the department's datasets made in the period, per
   batch and per month (mean score); the direction compares the mean score of the later half of
   the reports with the earlier half (the middle one left out of an odd count): more than
   :data:`STEADY_BAND` points higher is ``up``, lower ``down``, otherwise ``steady``; fewer than
   two reports: ``none``.

Who may see which scorecard is decided in ``catalog.scorecards`` (the service the API, the CLI
and the portal call), by ``scorecard.view``; :func:`build_scorecard` itself decides nothing.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from catalog import scorecard_terms
from catalog.models import (
    Batch,
    BatchStatus,
    Dataset,
    DatasetStatus,
    Department,
    ObjectionStatus,
    QualityReport,
    RequestStatus,
    ShareRequest,
)
from catalog.scorecard_terms import (
    Direction,
    Fulfilment,
    MonthScore,
    ObjectionLine,
    Objections,
    Period,
    QualityPoint,
    QualityTrend,
    Replies,
    ReplyLine,
    ResponsibilityCheck,
    ResponsibilityTerms,
    Scorecard,
)
from catalog.workdays import CHINA, OfficialCalendar, WorkCalendar
from catalog.workflow_tables import RequestObjection
from schemas.loader import FRESHNESS_DAYS

__all__ = [
    "STEADY_BAND",
    "build_scorecard",
    "fulfilment",
    "objections",
    "quality_trend",
    "replies",
    "working_days_between",
]

STEADY_BAND = 1.0
"""Score points (0-100) within which the quality trend counts as steady."""


def working_days_between(
    start: dt.datetime, end: dt.datetime, calendar: WorkCalendar
) -> tuple[int, bool]:
    """Working days after ``start``'s local day up to and including ``end``'s (0 the same day),
    and whether any day's answer was not official (a year the calendar does not know)."""
    day, last = start.astimezone(CHINA).date(), end.astimezone(CHINA).date()
    counted, provisional = 0, False
    while day < last:
        day += dt.timedelta(days=1)
        workday, official = calendar.is_workday(day)
        counted += workday
        provisional = provisional or not official
    return counted, provisional


# --- 1. responsibility fulfilment ----------------------------------------------------------------


def _check(session: Session, item: ResponsibilityTerms, at: dt.datetime) -> ResponsibilityCheck:
    dataset = session.get(Dataset, item.dataset_id) if item.dataset_id is not None else None
    if dataset is None or dataset.status is DatasetStatus.RETIRED:
        return ResponsibilityCheck(
            item.item_id,
            item.title_zh,
            None,
            item.update_cycle,
            registered=False,
            last_published_at=None,
            fresh=False,
            latest_score=None,
            min_quality_score=item.min_quality_score,
            quality_ok=False,
        )
    published = session.scalars(
        select(Batch.published_at)
        .where(Batch.dataset_id == dataset.id, Batch.status == BatchStatus.PUBLISHED)
        .where(Batch.published_at.is_not(None), Batch.published_at <= at)
        .order_by(Batch.published_at.desc())
        .limit(1)
    ).first()
    window = FRESHNESS_DAYS.get(item.update_cycle or dataset.update_cycle)
    fresh = published is not None and (
        window is None or at - published <= dt.timedelta(days=window)
    )
    score = session.scalars(
        select(QualityReport.score)
        .where(QualityReport.dataset_id == dataset.id, QualityReport.created_at <= at)
        .order_by(QualityReport.created_at.desc(), QualityReport.id.desc())
        .limit(1)
    ).first()
    threshold = item.min_quality_score
    quality_ok = threshold is None or (score is not None and float(score) >= threshold)
    return ResponsibilityCheck(
        item.item_id,
        item.title_zh,
        dataset.code,
        item.update_cycle,
        registered=True,
        last_published_at=published,
        fresh=fresh,
        latest_score=None if score is None else float(score),
        min_quality_score=threshold,
        quality_ok=quality_ok,
    )


def fulfilment(
    session: Session, items: list[ResponsibilityTerms], period: Period, now: dt.datetime
) -> Fulfilment:
    """Each item checked as of the period's end (or ``now``, if that is earlier)."""
    at = min(now, period.end)
    return Fulfilment(tuple(_check(session, item, at) for item in items))


# --- 2. replies to share requests ----------------------------------------------------------------


def _clock_from(request: ShareRequest) -> dt.datetime:
    upheld = [
        o.answered_at
        for o in request.objections
        if o.status is ObjectionStatus.UPHELD and o.answered_at is not None
    ]
    return max(upheld, default=request.created_at)


def _reply_line(request: ShareRequest, now: dt.datetime, calendar: WorkCalendar) -> ReplyLine:
    due = request.reply_due_at
    assert due is not None  # selected so
    start, decided = _clock_from(request), request.decided_at
    status = RequestStatus(request.status)
    days: int | None = None
    hours: float | None = None
    provisional = bool(request.reply_due_provisional)
    if status in (RequestStatus.APPROVED, RequestStatus.REFUSED) and decided is not None:
        days, unofficial = working_days_between(start, decided, calendar)
        hours = round((decided - start).total_seconds() / 3600, 1)
        provisional = provisional or unofficial
        breach = decided > due
    elif status is RequestStatus.PENDING:
        breach = due <= now
    else:  # withdrawn by the requester: a breach only if the deadline had already passed
        breach = decided is not None and decided > due
    return ReplyLine(
        request_id=request.id,
        dataset_code=request.dataset.code,
        requester_code=request.requester.code,
        status=status.value,
        filed_at=request.created_at,
        clock_from=start,
        reply_due_at=due,
        decided_at=decided,
        working_days=days,
        hours=hours,
        breach=breach,
        provisional=provisional,
    )


def _median(values: list[float]) -> float | None:
    return round(float(statistics.median(values)), 1) if values else None


def replies(
    session: Session,
    department_id: int,
    period: Period,
    now: dt.datetime,
    calendar: WorkCalendar,
) -> Replies:
    """The department's requests filed in ``period`` that waited for its reply, judged at
    ``now``."""
    rows = session.scalars(
        select(ShareRequest)
        .join(Dataset, Dataset.id == ShareRequest.dataset_id)
        .where(Dataset.owner_department_id == department_id)
        .where(ShareRequest.reply_due_at.is_not(None))
        .where(ShareRequest.created_at >= period.start, ShareRequest.created_at < period.end)
        .options(
            selectinload(ShareRequest.objections),
            joinedload(ShareRequest.dataset),
            joinedload(ShareRequest.requester),
        )
        .order_by(ShareRequest.created_at, ShareRequest.id)
    ).all()
    lines = tuple(_reply_line(r, now, calendar) for r in rows)
    answered = [line for line in lines if line.working_days is not None]
    return Replies(
        lines=lines,
        median_working_days=_median([float(line.working_days or 0) for line in answered]),
        median_hours=_median([line.hours or 0.0 for line in answered]),
    )


# --- 3. objections -------------------------------------------------------------------------------


def objections(
    session: Session, department_id: int, period: Period, now: dt.datetime
) -> Objections:
    """Objections to the department's refusals filed in ``period``, judged at ``now``."""
    rows = session.scalars(
        select(RequestObjection)
        .join(ShareRequest, ShareRequest.id == RequestObjection.request_id)
        .join(Dataset, Dataset.id == ShareRequest.dataset_id)
        .where(Dataset.owner_department_id == department_id)
        .where(RequestObjection.filed_at >= period.start, RequestObjection.filed_at < period.end)
        .order_by(RequestObjection.filed_at, RequestObjection.id)
    ).all()
    lines = []
    for o in rows:
        on_time: bool | None
        if o.answered_at is not None:
            on_time = o.answered_at <= o.due_at
        else:
            on_time = False if o.due_at <= now else None
        lines.append(
            ObjectionLine(
                o.id,
                o.request_id,
                ObjectionStatus(o.status).value,
                o.filed_at,
                o.due_at,
                o.answered_at,
                on_time,
            )
        )
    return Objections(tuple(lines))


# --- 4. quality trend ----------------------------------------------------------------------------


def _direction(scores: list[float]) -> tuple[Direction, float | None]:
    if len(scores) < 2:
        return "none", None
    half = len(scores) // 2
    earlier, later = scores[:half], scores[len(scores) - half :]
    change = round(statistics.fmean(later) - statistics.fmean(earlier), 2)
    if change > STEADY_BAND:
        return "up", change
    if change < -STEADY_BAND:
        return "down", change
    return "steady", change


def quality_trend(session: Session, department_id: int, period: Period) -> QualityTrend:
    """The department's quality reports made in ``period``, oldest first, and per month."""
    rows = session.execute(
        select(QualityReport, Dataset.code)
        .join(Dataset, Dataset.id == QualityReport.dataset_id)
        .where(Dataset.owner_department_id == department_id)
        .where(QualityReport.created_at >= period.start, QualityReport.created_at < period.end)
        .order_by(QualityReport.created_at, QualityReport.id)
    ).all()
    points = tuple(
        QualityPoint(r.id, r.batch_id, code, r.created_at, float(r.score), r.rows_quarantined)
        for r, code in rows
    )
    by_month: dict[str, list[float]] = defaultdict(list)
    for p in points:
        by_month[p.at.astimezone(CHINA).strftime("%Y-%m")].append(p.score)
    months = tuple(
        MonthScore(
            m,
            len(by_month[m]),
            round(statistics.fmean(by_month[m]), 2) if by_month[m] else None,
        )
        for m in period.months()
    )
    direction, change = _direction([p.score for p in points])
    return QualityTrend(points, months, direction, change)


# --- the scorecard -------------------------------------------------------------------------------


def build_scorecard(
    session: Session,
    department: Department,
    period: Period,
    *,
    now: dt.datetime,
    calendar: WorkCalendar | None = None,
    responsibilities: list[ResponsibilityTerms] | None = None,
) -> Scorecard:
    """The four parts for ``department`` (no access decision: callers ask it first).
    ``responsibilities`` defaults to the department's list (``responsibilities_of``)."""
    if now.tzinfo is None:
        raise ValueError("build_scorecard() needs a timezone-aware 'now'")
    calendar = calendar or OfficialCalendar()
    items = (
        responsibilities
        if responsibilities is not None
        else scorecard_terms.responsibilities_of(session, department.id)
    )
    return Scorecard(
        department_id=department.id,
        department_code=department.code,
        department_name=department.name,
        period=period,
        as_of=min(now, period.end),
        fulfilment=fulfilment(session, items, period, now),
        replies=replies(session, department.id, period, now, calendar),
        objections=objections(session, department.id, period, now),
        quality=quality_trend(session, department.id, period),
    )
