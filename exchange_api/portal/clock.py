"""Deadline clocks: how much working time is left to answer a request or an objection.

A deadline (``catalog.workdays``) is the end of a working day in China Standard Time. The clock
counts, on the same official calendar, the working days from today up to that day (today
included while it is a working day), or — past it — the working days since; a deadline reaching
a year the calendar does not know is marked provisional, as is a count that had to guess a day.
Pure: the calendar and ``now`` are arguments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from catalog.workdays import CHINA, WorkCalendar

__all__ = ["DeadlineClock", "deadline_clock"]

_LONGEST = 400
"""Days a clock counts at most (a deadline is a few working days away; this only bounds a
clock over a corrupt date)."""


@dataclass(frozen=True, slots=True)
class DeadlineClock:
    """Where a deadline stands at one moment."""

    due_at: dt.datetime
    last_day: dt.date
    """The last working day to answer, in China Standard Time (the deadline is its midnight)."""
    overdue: bool
    working_days: int
    """Working days left (today counted while it is one), or, when overdue, working days past."""
    hours: int
    """Whole hours left (0 when overdue): what matters on the last day."""
    provisional: bool

    @property
    def last_day_text(self) -> str:
        return self.last_day.isoformat()


def _working_days(first: dt.date, last: dt.date, calendar: WorkCalendar) -> tuple[int, bool]:
    """Working days from ``first`` to ``last`` inclusive, and whether any answer was a guess."""
    count, guessed, day = 0, False, first
    for _ in range(_LONGEST):
        if day > last:
            break
        workday, official = calendar.is_workday(day)
        count += workday
        guessed = guessed or not official
        day += dt.timedelta(days=1)
    return count, guessed


def deadline_clock(
    due_at: dt.datetime, provisional: bool, now: dt.datetime, calendar: WorkCalendar
) -> DeadlineClock:
    """The clock of a deadline ``due_at`` (aware) at ``now`` (aware)."""
    if due_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("deadline_clock() needs timezone-aware times")
    last_day = due_at.astimezone(CHINA).date() - dt.timedelta(days=1)
    today = now.astimezone(CHINA).date()
    overdue = now >= due_at
    if overdue:
        days, guessed = _working_days(last_day + dt.timedelta(days=1), today, calendar)
        hours = 0
    else:
        days, guessed = _working_days(today, last_day, calendar)
        hours = int((due_at - now).total_seconds() // 3600)
    return DeadlineClock(
        due_at=due_at,
        last_day=last_day,
        overdue=overdue,
        working_days=days,
        hours=hours,
        provisional=provisional or guessed,
    )
