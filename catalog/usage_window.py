"""What an auditor's report or log query is about, checked once: the days, and who and what.

Both the usage reports (``catalog.usage``, ``catalog.usage_reconcile``) and the log viewer
(``catalog.audit_log``) take their filters as plain text — from a query string, a form or the
command line — and turn them into a :class:`Window` and a :class:`Scope` here, so a bad filter is
the same refusal everywhere (``InvalidInput``, 422, with one of these stable codes):

=======================  ====================================================================
code                     when
=======================  ====================================================================
audit.bad_date           a date is not ``YYYY-MM-DD`` (or is out of the calendar)
audit.range_invalid      ``from`` is after ``to``
audit.range_too_long     a usage report spans more than :data:`MAX_DAYS` days
audit.unknown_department no department has that code
audit.unknown_dataset    no dataset has that code
audit.unknown_grant      no grant has that id (or the id is not a positive whole number)
audit.bad_period         ``by`` is not ``day``, ``week`` or ``month``
=======================  ====================================================================

Days are China Standard Time days (UTC+08:00), as every date the platform takes without a zone:
``from=2026-03-01`` starts at 2026-03-01T00:00+08:00 and ``to=2026-03-31`` ends at
2026-04-01T00:00+08:00 (exclusive). :class:`local_day` groups events by that day inside the
database, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from catalog.errors import InvalidInput
from catalog.models import Dataset, Department, Grant
from catalog.workdays import CHINA

__all__ = [
    "DEFAULT_DAYS",
    "MAX_DAYS",
    "Period",
    "ReportQuery",
    "Scope",
    "Window",
    "as_date",
    "day_of",
    "day_start",
    "local_day",
    "parse_day",
    "parse_period",
    "resolve_scope",
    "window",
]

DEFAULT_DAYS = 30
"""A report asked for with no dates covers the last 30 days, today included."""
MAX_DAYS = 366
"""The longest usage report (a year, leap day included): it reads one row per day, account,
grant and kind of read, so its size grows with the days; the log viewer pages and has no limit."""

_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_GRANT_MAX = 2**63 - 1


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def parse_period(value: str | None) -> Period:
    try:
        return Period((value or "day").strip().lower())
    except ValueError:
        raise InvalidInput(
            "by must be day, week or month", code="audit.bad_period", value=str(value)[:40]
        ) from None


def day_of(instant: dt.datetime) -> dt.date:
    """The China Standard Time day ``instant`` falls on."""
    return instant.astimezone(CHINA).date()


def day_start(day: dt.date) -> dt.datetime:
    """The first instant of ``day`` (China Standard Time), in UTC."""
    return dt.datetime.combine(day, dt.time(), CHINA).astimezone(dt.UTC)


def parse_day(value: str | dt.date | None, name: str) -> dt.date | None:
    """``YYYY-MM-DD`` (empty: none); anything else is ``audit.bad_date``."""
    if value is None or isinstance(value, dt.date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{name} must be a date, YYYY-MM-DD", code="audit.bad_date", parameter=name
        ) from None


@dataclass(frozen=True, slots=True)
class Window:
    """Whole China Standard Time days, ``first_day`` to ``last_day`` inclusive."""

    first_day: dt.date
    last_day: dt.date

    @property
    def start(self) -> dt.datetime:
        return day_start(self.first_day)

    @property
    def end(self) -> dt.datetime:
        """The first instant after the window (exclusive)."""
        return day_start(self.last_day + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def window(
    first: str | dt.date | None,
    last: str | dt.date | None,
    *,
    today: dt.date,
    max_days: int | None = MAX_DAYS,
    default_days: int = DEFAULT_DAYS,
) -> Window:
    """The days asked for; a missing end is ``today``, a missing start ``default_days`` before
    the end. ``max_days=None`` allows any length (the log viewer, which pages)."""
    last_day = parse_day(last, "to") or today
    first_day = parse_day(first, "from") or last_day - dt.timedelta(days=default_days - 1)
    if first_day > last_day:
        raise InvalidInput("from must not be after to", code="audit.range_invalid")
    if last_day >= dt.date.max - dt.timedelta(days=1):
        raise InvalidInput("to is out of range", code="audit.bad_date", parameter="to")
    span = (last_day - first_day).days + 1
    if max_days is not None and span > max_days:
        raise InvalidInput(
            f"a report covers at most {max_days} days; this asks for {span}",
            code="audit.range_too_long",
        )
    return Window(first_day, last_day)


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose and what events: a department, a dataset, a grant (each optional)."""

    department_id: int | None = None
    department_code: str = ""
    dataset_id: int | None = None
    dataset_code: str = ""
    grant_id: int | None = None

    def query(self) -> dict[str, str]:
        """The scope as query parameters (for links that keep it)."""
        out = {"department": self.department_code, "dataset": self.dataset_code}
        out["grant"] = "" if self.grant_id is None else str(self.grant_id)
        return {k: v for k, v in out.items() if v}


def _code(value: str | None) -> str:
    return (value or "").strip()


def resolve_scope(
    session: Session,
    *,
    department: str | None = None,
    dataset: str | None = None,
    grant: str | int | None = None,
) -> Scope:
    """Codes and an id as typed, checked against the catalog (bound parameters only; a value
    that cannot be a code is refused without asking)."""
    department_code, dataset_code = _code(department), _code(dataset)
    department_id = dataset_id = grant_id = None
    if department_code:
        department_id = (
            session.scalar(select(Department.id).where(Department.code == department_code))
            if _CODE.fullmatch(department_code)
            else None
        )
        if department_id is None:
            raise InvalidInput(
                "no department has that code",
                code="audit.unknown_department",
                parameter="department",
            )
    if dataset_code:
        dataset_id = (
            session.scalar(select(Dataset.id).where(Dataset.code == dataset_code))
            if _CODE.fullmatch(dataset_code)
            else None
        )
        if dataset_id is None:
            raise InvalidInput(
                "no dataset has that code", code="audit.unknown_dataset", parameter="dataset"
            )
    if grant is not None and str(grant).strip():
        grant_id = _grant_id(grant)
        if session.get(Grant, grant_id) is None:
            raise InvalidInput(
                "no grant has that id", code="audit.unknown_grant", parameter="grant"
            )
    return Scope(department_id, department_code, dataset_id, dataset_code, grant_id)


def _grant_id(value: str | int) -> int:
    text = str(value).strip()
    if (
        not (text.isascii() and text.isdigit())
        or len(text) > 19
        or not 1 <= int(text) <= _GRANT_MAX
    ):
        raise InvalidInput(
            "grant must be a grant id (a positive whole number)",
            code="audit.unknown_grant",
            parameter="grant",
        )
    return int(text)


class local_day(FunctionElement[dt.date]):  # noqa: N801  (an SQL function, named like one)
    """``local_day(column)``: the China Standard Time day of a naive-UTC timestamp column, as
    ``YYYY-MM-DD`` text on SQLite and a ``DATE`` on PostgreSQL (read both with
    :func:`as_date`)."""

    type = Date()
    inherit_cache = True
    name = "local_day"


@compiles(local_day, "sqlite")
def _local_day_sqlite(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(local_day, "postgresql")
def _local_day_postgresql(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)} + INTERVAL '8 hours') AS DATE)"


def as_date(value: object) -> dt.date:
    """A :class:`local_day` value as a date, whichever engine gave it."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """A report's filters as typed (query string, form, command line), checked only after the
    access decision allowed the report — a refused caller learns nothing, not even whether a
    department code exists."""

    department: str | None = None
    dataset: str | None = None
    grant: str | int | None = None
    date_from: str | dt.date | None = None
    date_to: str | dt.date | None = None
    by: str | None = None

    def resolve(
        self, session: Session, *, today: dt.date, max_days: int | None = MAX_DAYS
    ) -> tuple[Scope, Window, Period]:
        period = parse_period(self.by)
        days = window(self.date_from, self.date_to, today=today, max_days=max_days)
        scope = resolve_scope(
            session, department=self.department, dataset=self.dataset, grant=self.grant
        )
        return scope, days, period
