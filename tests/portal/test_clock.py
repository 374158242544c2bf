"""Deadline clocks on the official calendar: working days left, hours on the last day, working
days overdue, and the provisional mark when the calendar had to guess."""

from __future__ import annotations

import datetime as dt

import pytest

from catalog.workdays import CHINA, DeadlineRules, OfficialCalendar
from exchange_api.portal.clock import deadline_clock


def _at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), CHINA)


class _Guessing:
    """A calendar that knows no year: weekdays work, and every answer is a guess."""

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        return day.weekday() < 5, False


CALENDAR = OfficialCalendar()


def test_working_days_left_count_today_and_skip_the_holiday() -> None:
    filed = _at("2026-09-29")  # a Tuesday before the National Day week
    due = DeadlineRules(reply_days=5).reply_due(filed)
    clock = deadline_clock(due.due_at, due.provisional, filed, CALENDAR)
    assert not clock.overdue and not clock.provisional
    # 9-30, the holiday 10-01..10-07, then 10-08, 10-09, make-up Saturday 10-10, and 10-12
    assert clock.last_day == dt.date(2026, 10, 12)
    assert clock.working_days == 6  # today (9-29) included
    during_holiday = deadline_clock(due.due_at, False, _at("2026-10-03"), CALENDAR)
    assert during_holiday.working_days == 4  # 10-08, 10-09, 10-10 (make-up), 10-12


def test_hours_on_the_last_day_and_overdue_working_days() -> None:
    due = _at("2026-11-21", 0)  # the end of Friday 2026-11-20
    last = deadline_clock(due, False, _at("2026-11-20", 15), CALENDAR)
    assert last.working_days == 1 and last.hours == 9 and not last.overdue
    weekend = deadline_clock(due, False, _at("2026-11-22"), CALENDAR)
    assert weekend.overdue and weekend.working_days == 0 and weekend.hours == 0
    late = deadline_clock(due, False, _at("2026-11-25"), CALENDAR)
    assert late.overdue and late.working_days == 3  # Monday to Wednesday


def test_a_guessed_day_makes_the_clock_provisional() -> None:
    due = _at("2027-01-06", 0)
    clock = deadline_clock(due, False, _at("2027-01-04"), _Guessing())
    assert clock.provisional and clock.working_days == 2
    assert deadline_clock(due, True, _at("2027-01-04"), _Guessing()).provisional


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        deadline_clock(dt.datetime(2026, 11, 21), False, _at("2026-11-20"), CALENDAR)
