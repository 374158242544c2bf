"""The values a scorecard (考核) is made of: its period, the responsibility items it checks, and
the figures it reports. Pure data; ``catalog.scorecard`` computes them from the catalog.

A **period** is a month (``2026-10``), a quarter (``2026-Q4``) or a year (``2026``) in China
Standard Time: it starts at local midnight of its first day and ends (exclusive) at local
midnight after its last. Requests, objections and quality reports belong to the period they were
*filed* (made) in.

The responsibility list (责任清单) is read through one adapter, :func:`responsibilities_of`, so
this module does not depend on the table that holds it (see its docstring for the wiring).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from catalog.errors import InvalidInput
from catalog.workdays import CHINA

__all__ = [
    "Direction",
    "Fulfilment",
    "MonthScore",
    "ObjectionLine",
    "Objections",
    "Period",
    "QualityPoint",
    "QualityTrend",
    "Replies",
    "ReplyLine",
    "ResponsibilityCheck",
    "ResponsibilityTerms",
    "Scorecard",
    "responsibilities_of",
]

_PERIOD = re.compile(r"(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|[Qq](?P<quarter>[1-4])))?")
_FIRST_YEAR, _LAST_YEAR = 2000, 2100


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), CHINA).astimezone(dt.UTC)


@dataclass(frozen=True, slots=True)
class Period:
    """A month, quarter or year in China Standard Time: ``[start, end)`` as aware UTC."""

    label: str
    first_day: dt.date
    last_day: dt.date

    @property
    def start(self) -> dt.datetime:
        return _midnight(self.first_day)

    @property
    def end(self) -> dt.datetime:
        return _midnight(self.last_day + dt.timedelta(days=1))

    def holds(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026-10`` (a month), ``2026-Q4`` (a quarter) or ``2026`` (a year)."""
        found = _PERIOD.fullmatch(text.strip())
        year = int(found["year"]) if found else 0
        if found is None or not _FIRST_YEAR <= year <= _LAST_YEAR:
            raise InvalidInput(
                "a period is a month (2026-10), a quarter (2026-Q4) or a year (2026)",
                code="scorecard.bad_period",
                value=text[:20],
            )
        if found["month"] is not None:
            month = int(found["month"])
            if not 1 <= month <= 12:
                raise InvalidInput("a month is 01 to 12", code="scorecard.bad_period")
            return cls(f"{year}-{month:02d}", dt.date(year, month, 1), _month_end(year, month))
        if found["quarter"] is not None:
            quarter = int(found["quarter"])
            first = 3 * quarter - 2
            end = _month_end(year, first + 2)
            return cls(f"{year}-Q{quarter}", dt.date(year, first, 1), end)
        return cls(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def month_of(cls, moment: dt.datetime) -> Period:
        """The month (China Standard Time) ``moment`` falls in."""
        local = moment.astimezone(CHINA)
        return cls.parse(f"{local.year}-{local.month:02d}")

    def months(self) -> tuple[str, ...]:
        """The months the period spans, ``YYYY-MM``, in order."""
        out, day = [], self.first_day
        while day <= self.last_day:
            out.append(f"{day.year}-{day.month:02d}")
            day = _month_end(day.year, day.month) + dt.timedelta(days=1)
        return tuple(out)


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ResponsibilityTerms:
    """One item of a department's responsibility list, as a scorecard checks it: the dataset it
    is linked to (``None``: nothing registered yet), how often it must be updated, and the
    lowest quality score accepted (``None``: no threshold)."""

    item_id: int
    department_id: int
    title_zh: str
    dataset_id: int | None
    update_cycle: str
    min_quality_score: float | None


def responsibilities_of(session: Session, department_id: int) -> list[ResponsibilityTerms]:
    """The live items of ``department_id``'s responsibility list (责任清单), by id.

    **The adapter the lead wires at merge.** The list is kept by ``catalog.list_tables``
    (``ResponsibilityItem``), built on another branch; until then this answers an empty list
    and every scorecard says "no responsibility items". Wired, the body is::

        from catalog.list_tables import ResponsibilityItem

        rows = session.scalars(
            select(ResponsibilityItem)
            .where(ResponsibilityItem.department_id == department_id)
            .where(ResponsibilityItem.retired_at.is_(None))
            .order_by(ResponsibilityItem.id)
        )
        return [
            ResponsibilityTerms(
                item_id=r.id, department_id=r.department_id, title_zh=r.title_zh,
                dataset_id=r.dataset_id, update_cycle=r.update_cycle,
                min_quality_score=r.min_quality_score,
            )
            for r in rows
        ]

    ``catalog.scorecard`` calls it through this module (``scorecard_terms.responsibilities_of``)
    so that tests may stand in for it.
    """
    return []


@dataclass(frozen=True, slots=True)
class ResponsibilityCheck:
    """One responsibility item checked: registered, fresh for its cycle, good enough."""

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

    @property
    def fulfilled(self) -> bool:
        return self.registered and self.fresh and self.quality_ok


@dataclass(frozen=True, slots=True)
class Fulfilment:
    items: tuple[ResponsibilityCheck, ...]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def fulfilled(self) -> int:
        return sum(1 for i in self.items if i.fulfilled)

    @property
    def share(self) -> float | None:
        """Fulfilled items over all items (``None`` without items), four decimals."""
        return round(self.fulfilled / self.total, 4) if self.items else None


@dataclass(frozen=True, slots=True)
class ReplyLine:
    """One share request the department had to answer: when, by when, and how it went."""

    request_id: int
    dataset_code: str
    requester_code: str
    status: str
    filed_at: dt.datetime
    clock_from: dt.datetime
    """When the reply clock started: filing, or the upheld objection that reopened it."""
    reply_due_at: dt.datetime
    decided_at: dt.datetime | None
    working_days: int | None
    hours: float | None
    breach: bool
    provisional: bool


@dataclass(frozen=True, slots=True)
class Replies:
    lines: tuple[ReplyLine, ...]
    median_working_days: float | None
    median_hours: float | None

    @property
    def requests(self) -> int:
        return len(self.lines)

    @property
    def answered(self) -> int:
        return sum(1 for line in self.lines if line.working_days is not None)

    @property
    def breaches(self) -> int:
        return sum(1 for line in self.lines if line.breach)

    @property
    def pending_overdue(self) -> int:
        return sum(1 for line in self.lines if line.status == "pending" and line.breach)

    @property
    def provisional(self) -> bool:
        return any(line.provisional for line in self.lines)


@dataclass(frozen=True, slots=True)
class ObjectionLine:
    objection_id: int
    request_id: int
    status: str
    filed_at: dt.datetime
    due_at: dt.datetime
    answered_at: dt.datetime | None
    on_time: bool | None
    """True: answered by its deadline; False: answered late, or open past it; None: open and
    not yet due."""


@dataclass(frozen=True, slots=True)
class Objections:
    lines: tuple[ObjectionLine, ...]

    @property
    def filed(self) -> int:
        return len(self.lines)

    @property
    def on_time(self) -> int:
        return sum(1 for line in self.lines if line.on_time is True)

    @property
    def late(self) -> int:
        return sum(1 for line in self.lines if line.on_time is False)

    @property
    def open(self) -> int:
        return sum(1 for line in self.lines if line.on_time is None)

    @property
    def share_on_time(self) -> float | None:
        """On time over those whose deadline is settled (``None`` if none is)."""
        judged = self.on_time + self.late
        return round(self.on_time / judged, 4) if judged else None


Direction = Literal["up", "down", "steady", "none"]


@dataclass(frozen=True, slots=True)
class QualityPoint:
    report_id: int
    batch_id: int
    dataset_code: str
    at: dt.datetime
    score: float
    rows_quarantined: int


@dataclass(frozen=True, slots=True)
class MonthScore:
    month: str
    reports: int
    mean_score: float | None


@dataclass(frozen=True, slots=True)
class QualityTrend:
    points: tuple[QualityPoint, ...]
    months: tuple[MonthScore, ...]
    direction: Direction
    change: float | None
    """Mean score of the later half of the period's reports minus that of the earlier half."""


@dataclass(frozen=True, slots=True)
class Scorecard:
    """One department's scorecard for one period, as of a moment."""

    department_id: int
    department_code: str
    department_name: str
    period: Period
    as_of: dt.datetime
    fulfilment: Fulfilment
    replies: Replies
    objections: Objections
    quality: QualityTrend
