"""Scorecards (考核) computed from a month with known answers (``scorecard_fixtures``), on SQLite
and PostgreSQL: responsibility fulfilment, reply times and breaches on the official calendar (a
deadline moved by the make-up Saturday 2026-10-10, a request still pending past its deadline),
objections answered on time, the quality trend; and who may see which card."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import scorecard_terms
from catalog.errors import AccessRefused, InvalidInput, NotFound
from catalog.models import AuditEvent, DatasetStatus, Role
from catalog.scorecard import build_scorecard, working_days_between
from catalog.scorecard_terms import Period, ResponsibilityTerms
from catalog.scorecards import department_scorecard, league
from catalog.workdays import CHINA, OfficialCalendar
from tests.catalog import factories
from tests.catalog.scorecard_fixtures import NOW, RULES, Month, build, cst

OCTOBER = Period.parse("2026-10")


@pytest.fixture
def month(catalog_session: Session, tmp_path: Path) -> Month:
    return build(catalog_session, tmp_path)


def test_periods_are_local_months_quarters_and_years() -> None:
    assert OCTOBER.start == cst(2026, 10, 1)
    assert OCTOBER.end == cst(2026, 11, 1)
    assert OCTOBER.end.tzinfo is dt.UTC
    quarter = Period.parse("2026-q4")
    assert (quarter.label, quarter.first_day, quarter.last_day) == (
        "2026-Q4",
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
    )
    assert quarter.months() == ("2026-10", "2026-11", "2026-12")
    assert Period.parse("2026").months()[-1] == "2026-12"
    assert Period.parse("2024-02").last_day == dt.date(2024, 2, 29)
    # 2026-10-31 16:30 UTC is already November in Beijing
    assert Period.month_of(dt.datetime(2026, 10, 31, 16, 30, tzinfo=dt.UTC)).label == "2026-11"


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26-10", "2026-1", "", "１２３４", "9999"])
def test_a_bad_period_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Period.parse(text)
    assert refused.value.code == "scorecard.bad_period"


def test_working_days_count_the_make_up_saturday_not_the_holiday() -> None:
    calendar = OfficialCalendar()
    # 09-30 → 10-14: 10-01 … 10-07 are holidays; 08, 09, 10 (Sat), 12, 13, 14 count
    assert working_days_between(cst(2026, 9, 30, 16), cst(2026, 10, 14, 9), calendar) == (6, False)
    assert working_days_between(cst(2026, 10, 9, 9), cst(2026, 10, 9, 18), calendar) == (0, False)
    days, provisional = working_days_between(cst(2026, 12, 30, 9), cst(2027, 1, 5, 9), calendar)
    assert provisional  # 2027 is not in chinese-calendar 1.11.0: the weekend rule, marked


def test_replies_of_october(catalog_session: Session, month: Month) -> None:
    card = build_scorecard(
        catalog_session, month.owner, OCTOBER, now=NOW, calendar=RULES.calendar, responsibilities=[]
    )
    replies = card.replies
    by_id = {line.request_id: line for line in replies.lines}
    r = month.requests
    # September's, the unconditional one and November's are not October's replies
    assert set(by_id) == {
        r[k] for k in ("late", "refused", "same_day", "overdue", "reopened", "waiting")
    }
    late = by_id[r["late"]]
    assert late.reply_due_at == cst(2026, 10, 16)  # the make-up Saturday counted
    assert (late.working_days, late.hours, late.breach) == (6, 167.0, True)
    assert (by_id[r["refused"]].working_days, by_id[r["refused"]].hours) == (1, 30.0)
    assert (by_id[r["same_day"]].working_days, by_id[r["same_day"]].hours) == (0, 8.0)
    reopened = by_id[r["reopened"]]
    assert reopened.clock_from == cst(2026, 10, 30, 10, 0)
    assert (reopened.working_days, reopened.hours, reopened.breach) == (1, 72.0, False)
    overdue = by_id[r["overdue"]]
    assert (overdue.status, overdue.reply_due_at, overdue.breach) == (
        "pending",
        cst(2026, 10, 28),
        True,
    )
    assert by_id[r["waiting"]].breach is False  # due 11-06, after NOW
    assert (replies.requests, replies.answered, replies.breaches, replies.pending_overdue) == (
        6,
        4,
        2,
        1,
    )
    assert replies.median_working_days == 1.0  # of 0, 1, 1, 6
    assert replies.median_hours == 51.0  # of 8, 30, 72, 167
    assert not replies.provisional


def test_a_deadline_moved_by_the_make_up_workday_is_breached(
    catalog_session: Session, month: Month
) -> None:
    """Filed 09-30 before National Day, answered 10-14 09:00: nine hours late, because Saturday
    10-10 was a working day (counting it as a weekend would have made it due 10-15)."""
    card = build_scorecard(
        catalog_session, month.owner, Period.parse("2026-09"), now=NOW, responsibilities=[]
    )
    (line,) = card.replies.lines
    assert line.request_id == month.requests["national_day"]
    assert line.reply_due_at == cst(2026, 10, 14)
    assert (line.working_days, line.hours, line.breach) == (6, 328.5, True)
    assert (card.replies.breaches, card.replies.median_working_days) == (1, 6.0)


def test_objections_answered_on_time(catalog_session: Session, month: Month) -> None:
    card = build_scorecard(catalog_session, month.owner, OCTOBER, now=NOW, responsibilities=[])
    objections = card.objections
    assert [(o.status, o.on_time) for o in objections.lines] == [
        ("dismissed", True),  # answered 10-19, due 10-22
        ("open", False),  # due 10-28, never answered
        ("upheld", False),  # due 10-29, answered 10-30
    ]
    assert (objections.filed, objections.on_time, objections.late, objections.open) == (3, 1, 2, 0)
    assert objections.share_on_time == 0.3333
    # judged on 10-25 instead, the unanswered one is not yet due: not judged
    earlier = build_scorecard(
        catalog_session, month.owner, OCTOBER, now=cst(2026, 10, 25), responsibilities=[]
    )
    assert [o.on_time for o in earlier.objections.lines][:2] == [True, None]


def test_responsibility_fulfilment(catalog_session: Session, month: Month) -> None:
    card = build_scorecard(
        catalog_session, month.owner, OCTOBER, now=NOW, responsibilities=month.items
    )
    checks = {c.item_id: c for c in card.fulfilment.items}
    assert (checks[1].registered, checks[1].fresh, checks[1].quality_ok) == (True, True, True)
    assert checks[1].latest_score == 95.0  # not November's 50: judged at October's end
    assert checks[1].last_published_at == cst(2026, 10, 26, 10)
    assert (checks[2].fresh, checks[2].quality_ok, checks[2].fulfilled) == (False, True, False)
    assert (checks[3].registered, checks[3].dataset_code, checks[3].fulfilled) == (
        False,
        None,
        False,
    )
    assert (checks[4].fresh, checks[4].quality_ok, checks[4].fulfilled) == (True, False, False)
    assert (card.fulfilment.total, card.fulfilment.fulfilled, card.fulfilment.share) == (4, 1, 0.25)
    # in November (judged at NOW), the monthly item's latest report is the 50 of 11-01
    november = build_scorecard(
        catalog_session, month.owner, Period.parse("2026-11"), now=NOW, responsibilities=month.items
    )
    assert {c.item_id: c.quality_ok for c in november.fulfilment.items}[1] is False
    # an item without a threshold only needs registering and freshness
    lenient = ResponsibilityTerms(5, month.owner.id, "无门槛", month.cond.id, "monthly", None)
    (check,) = build_scorecard(
        catalog_session, month.owner, OCTOBER, now=NOW, responsibilities=[lenient]
    ).fulfilment.items
    assert check.fulfilled
    # a retired dataset no longer answers for the item
    month.cond.status = DatasetStatus.RETIRED
    catalog_session.flush()
    retired = build_scorecard(
        catalog_session, month.owner, OCTOBER, now=NOW, responsibilities=[lenient]
    )
    assert (retired.fulfilment.items[0].registered, retired.fulfilment.share) == (False, 0.0)


def test_quality_trend(catalog_session: Session, month: Month) -> None:
    trend = build_scorecard(
        catalog_session, month.owner, OCTOBER, now=NOW, responsibilities=[]
    ).quality
    assert [p.score for p in trend.points] == [90.0, 80.0, 40.0, 95.0]
    assert [p.dataset_code for p in trend.points] == ["cond_social", "open_ds"] + [
        "cond_social"
    ] * 2
    assert [(m.month, m.reports, m.mean_score) for m in trend.months] == [("2026-10", 4, 76.25)]
    assert (trend.direction, trend.change) == ("down", -17.5)  # (40+95)/2 - (90+80)/2
    quarter = build_scorecard(
        catalog_session, month.owner, Period.parse("2026-Q4"), now=NOW, responsibilities=[]
    ).quality
    assert [(m.month, m.reports, m.mean_score) for m in quarter.months] == [
        ("2026-10", 4, 76.25),
        ("2026-11", 1, 50.0),
        ("2026-12", 0, None),
    ]
    assert (quarter.direction, quarter.change) == ("down", -12.5)  # (95+50)/2 - (90+80)/2


def test_an_idle_department_has_an_empty_card(catalog_session: Session, month: Month) -> None:
    card = build_scorecard(catalog_session, month.idle, OCTOBER, now=NOW, responsibilities=[])
    assert card.fulfilment.share is None
    assert (card.replies.requests, card.replies.median_hours) == (0, None)
    assert card.objections.share_on_time is None
    assert (card.quality.direction, card.quality.change) == ("none", None)


def _refusals(session: Session) -> int:
    return len(
        session.scalars(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
    )


def test_who_sees_which_card(
    catalog_session: Session, month: Month, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        scorecard_terms,
        "responsibilities_of",
        lambda session, department_id: [i for i in month.items if i.department_id == department_id],
    )
    own = department_scorecard(
        catalog_session, month.publisher.principal, "330100TEST", OCTOBER, now=NOW
    )
    assert own.fulfilment.share == 0.25  # through the adapter
    before = _refusals(catalog_session)
    with pytest.raises(AccessRefused) as refused:
        department_scorecard(
            catalog_session, month.requester.principal, "330100TEST", OCTOBER, now=NOW
        )
    assert refused.value.code == "scorecard.not_allowed"
    assert _refusals(catalog_session) == before + 1  # recorded
    with pytest.raises(NotFound):
        department_scorecard(catalog_session, month.publisher.principal, "NOSUCH", OCTOBER)

    # a department asking for the league gets its own card only
    mine = league(catalog_session, month.requester.principal, OCTOBER, now=NOW)
    assert [c.department_code for c in mine] == ["330100ASKS"]
    auditor = factories.actor(catalog_session, month.idle, Role.AUDITOR)
    everyone = league(catalog_session, auditor.principal, OCTOBER, now=NOW)
    # ranked: the one department with a list first, then fewest breaches, then code
    assert [c.department_code for c in everyone] == ["330100TEST", "330100ASKS", "330100IDLE"]
    assert everyone[0].as_of == cst(2026, 11, 1)
    assert everyone[0].as_of.astimezone(CHINA).date() == dt.date(2026, 11, 1)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([], ("none", None)),
        ([70.0], ("none", None)),
        ([90.0, 95.0], ("up", 5.0)),
        ([90.0, 90.5, 91.0], ("steady", 1.0)),  # the middle one left out; 1.0 is not "more"
        ([80.0, 99.0, 70.0, 69.0], ("down", -20.0)),
    ],
)
def test_the_direction_compares_halves(
    scores: list[float], expected: tuple[str, float | None]
) -> None:
    from catalog.scorecard import _direction

    assert _direction(scores) == expected
