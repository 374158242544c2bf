"""Reply deadlines in working days on the official Chinese calendar (chinese-calendar, real data).

2026: National Day holiday 10-01 … 10-07, make-up workday Saturday 10-10. chinese-calendar 1.11.0
knows 2004–2026 only: a deadline that reaches 2027 must not crash, must use the admin's holiday
file where it has one, and must say it is provisional.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.errors import InvalidInput
from catalog.workdays import CHINA, DeadlineRules, OfficialCalendar, add_working_days


def _cst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)


CALENDAR = OfficialCalendar()


def test_a_make_up_saturday_is_a_working_day() -> None:
    # Friday 2026-10-09: the next working day is Saturday 10-10 (调休上班), not Monday.
    due = add_working_days(_cst(2026, 10, 9, 10, 0), 1, CALENDAR)
    assert due.due_at == _cst(2026, 10, 11, 0, 0)
    assert due.due_at.tzinfo is dt.UTC
    assert not due.provisional


def test_the_national_day_week_does_not_count() -> None:
    # Wednesday 09-30 + 5 working days: 10-08, 10-09, 10-10 (Sat), 10-12, 10-13.
    due = add_working_days(_cst(2026, 9, 30, 16, 30), 5, CALENDAR)
    assert due.due_at == _cst(2026, 10, 14, 0, 0)


def test_days_are_counted_in_china_standard_time() -> None:
    # 2026-10-09 17:00 UTC is already Saturday 10-10 01:00 in Beijing: the count starts there.
    start = dt.datetime(2026, 10, 9, 17, 0, tzinfo=dt.UTC)
    assert add_working_days(start, 1, CALENDAR).due_at == _cst(2026, 10, 13, 0, 0)


def test_a_year_the_calendar_does_not_know_falls_back_and_is_provisional() -> None:
    # Monday 2026-12-28 + 5: 12-29, 12-30, 12-31, then 2027 — unknown to chinese-calendar 1.11.0.
    due = add_working_days(_cst(2026, 12, 28, 9, 0), 5, CALENDAR)
    assert due.provisional
    # weekend rule: 2027-01-01 (Fri) counts, then Mon 01-04
    assert due.due_at == _cst(2027, 1, 5, 0, 0)


def test_the_admins_holiday_file_covers_unknown_years(tmp_path: Path) -> None:
    holidays = tmp_path / "holidays.yaml"
    holidays.write_text(
        "source: 国务院办公厅关于2027年部分节假日安排的通知 (example)\n"
        "holidays: [2027-01-01]\nworkdays: [2027-01-09]\n",
        encoding="utf-8",
    )
    calendar = OfficialCalendar(holidays)
    due = add_working_days(_cst(2026, 12, 28, 9, 0), 5, calendar)
    assert due.provisional
    assert due.due_at == _cst(2027, 1, 6, 0, 0)  # 01-01 is a holiday: 01-04, 01-05 count
    saturday = add_working_days(_cst(2027, 1, 8, 9, 0), 1, calendar)
    assert saturday.due_at == _cst(2027, 1, 10, 0, 0)  # the file's make-up Saturday counts


@pytest.mark.parametrize(
    "text",
    [
        "holidays: 2027-01-01\n",
        "holidays: [not-a-date]\n",
        "holidays: [2027-01-01]\nworkdays: [2027-01-01]\n",
        "[2027-01-01]\n",
        "holidays: [2027-01-01]\nextra: 1\n",
        "holidays: [2027-01-01T00:00:00]\n",
    ],
)
def test_a_bad_holiday_file_is_a_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        OfficialCalendar(path)
    assert caught.value.code == "calendar.invalid"


def test_a_missing_holiday_file_means_weekends_only(tmp_path: Path) -> None:
    calendar = OfficialCalendar(tmp_path / "absent.yaml")
    assert calendar.is_workday(dt.date(2027, 1, 1)) == (True, False)
    assert calendar.is_workday(dt.date(2027, 1, 2)) == (False, False)
    assert calendar.is_workday(dt.date(2026, 10, 10)) == (True, True)


def test_rules_and_arguments() -> None:
    rules = DeadlineRules(reply_days=1, objection_days=2)
    start = _cst(2026, 10, 9, 10, 0)
    assert rules.reply_due(start).due_at == _cst(2026, 10, 11, 0, 0)
    assert rules.objection_due(start).due_at == _cst(2026, 10, 13, 0, 0)
    with pytest.raises(ValueError):
        add_working_days(dt.datetime(2026, 1, 1), 1, CALENDAR)
    with pytest.raises(ValueError):
        add_working_days(start, 0, CALENDAR)


@given(
    start=st.datetimes(min_value=dt.datetime(2004, 1, 1), max_value=dt.datetime(2026, 11, 30)).map(
        lambda d: d.replace(tzinfo=CHINA)
    ),
    days=st.integers(1, 15),
)
def test_deadlines_are_later_local_midnights_that_grow_with_the_days(
    start: dt.datetime, days: int
) -> None:
    due = add_working_days(start, days, CALENDAR)
    local = due.due_at.astimezone(CHINA)
    assert local.time() == dt.time(0) and due.due_at > start
    # at least `days` calendar days, and one more working day always moves it later
    assert (local.date() - start.date()).days >= days + 1
    assert add_working_days(start, days + 1, CALENDAR).due_at > due.due_at
