"""Working days (工作日) on the official Chinese calendar, for reply and objection deadlines.

An owner must answer a share request, and an objection to a refusal, within a number of working
days. Working days follow the State Council's holiday arrangement, make-up workdays included (a
Saturday such as 2026-10-10 is a working day), as the ``chinese-calendar`` package knows it.

That package knows a fixed span of years (1.11.0: 2004–2026) and raises for any other. A deadline
that reaches a year it does not know falls back to the admin-maintained holiday file
(``ZHONGTAI_HOLIDAY_FILE``: a YAML mapping with ``holidays`` and ``workdays`` lists of dates, the
arrangement as published each November) and otherwise to the weekend rule, and is marked
**provisional**: it is shown with that mark until the calendar is updated.

A deadline is the end of the n-th working day after the day of filing, in China Standard Time
(UTC+08:00, no daylight saving), returned in UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import chinese_calendar
import yaml

from catalog.errors import InvalidInput
from catalog.settings import Settings

__all__ = [
    "CHINA",
    "Deadline",
    "DeadlineRules",
    "OfficialCalendar",
    "WorkCalendar",
    "add_working_days",
]

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")
"""China Standard Time: deadlines are counted in local days."""


@dataclass(frozen=True, slots=True)
class Deadline:
    """When an answer is due (aware, UTC), and whether any day of it was guessed."""

    due_at: dt.datetime
    provisional: bool


class WorkCalendar(Protocol):
    """Answers whether a day is a working day, and whether that answer is official."""

    def is_workday(self, day: dt.date) -> tuple[bool, bool]: ...


class OfficialCalendar:
    """``chinese-calendar`` where it knows the year; the holiday file, then weekends, elsewhere."""

    def __init__(self, holiday_file: Path | None = None) -> None:
        self._holidays: frozenset[dt.date] = frozenset()
        self._workdays: frozenset[dt.date] = frozenset()
        if holiday_file is not None and holiday_file.exists():
            self._holidays, self._workdays = _read_holiday_file(holiday_file)

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        try:
            return bool(chinese_calendar.is_workday(day)), True
        except NotImplementedError:
            if day in self._workdays:
                return True, False
            if day in self._holidays:
                return False, False
            return day.weekday() < 5, False


def _read_holiday_file(path: Path) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(
            f"the holiday file {path.name} cannot be read: {type(exc).__name__}",
            code="calendar.invalid",
        ) from None
    if not isinstance(data, dict) or not set(data) <= {"holidays", "workdays", "source"}:
        raise InvalidInput(
            f"the holiday file {path.name} must map 'holidays' and 'workdays' to lists of dates",
            code="calendar.invalid",
        )
    lists = []
    for key in ("holidays", "workdays"):
        values = data.get(key) or []
        if not isinstance(values, list) or not all(
            isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in values
        ):
            raise InvalidInput(
                f"'{key}' in {path.name} must be a list of dates (YYYY-MM-DD)",
                code="calendar.invalid",
            )
        lists.append(frozenset(values))
    holidays, workdays = lists
    if holidays & workdays:
        clash = min(holidays & workdays).isoformat()
        raise InvalidInput(
            f"{clash} is both a holiday and a workday in {path.name}", code="calendar.invalid"
        )
    return holidays, workdays


def add_working_days(start: dt.datetime, days: int, calendar: WorkCalendar) -> Deadline:
    """The end of the ``days``-th working day after ``start``'s local day."""
    if start.tzinfo is None:
        raise ValueError("add_working_days() needs a timezone-aware start")
    if days < 1:
        raise ValueError("a deadline is at least one working day away")
    day = start.astimezone(CHINA).date()
    counted, provisional = 0, False
    while counted < days:
        day += dt.timedelta(days=1)
        workday, official = calendar.is_workday(day)
        provisional = provisional or not official
        counted += workday
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), CHINA)
    return Deadline(due_at=end.astimezone(dt.UTC), provisional=provisional)


@dataclass(frozen=True, slots=True)
class DeadlineRules:
    """How long owners have to answer, and on which calendar (from the settings)."""

    reply_days: int = 5
    objection_days: int = 5
    grant_days: int = 365
    calendar: WorkCalendar = field(default_factory=OfficialCalendar)

    @classmethod
    def of(cls, settings: Settings) -> DeadlineRules:
        return cls(
            reply_days=settings.reply_working_days,
            objection_days=settings.objection_working_days,
            grant_days=settings.grant_default_days,
            calendar=OfficialCalendar(settings.resolved_holiday_file),
        )

    def reply_due(self, filed_at: dt.datetime) -> Deadline:
        return add_working_days(filed_at, self.reply_days, self.calendar)

    def objection_due(self, filed_at: dt.datetime) -> Deadline:
        return add_working_days(filed_at, self.objection_days, self.calendar)
