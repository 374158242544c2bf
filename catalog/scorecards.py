"""The scorecard service: the scorecards a caller may see, through the one access decision.

``department_scorecard`` answers one department's card if ``scorecard.view`` allows it (a refusal
is audited); ``league`` answers every department's — the league table — to those who may see it
(admins and auditors: ``catalog.policy_scorecards``), and a department's own card alone to anyone
else. Looking at a scorecard changes nothing and is not recorded; exporting one is
(``catalog.scorecard_export``). The figures are computed by ``catalog.scorecard``.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog.departments import get_department
from catalog.errors import NotFound
from catalog.guard import ensure
from catalog.models import Department, utcnow
from catalog.policy import Allowed, authorize
from catalog.principals import Principal
from catalog.resources import ScorecardTerms
from catalog.scorecard import build_scorecard
from catalog.scorecard_terms import Period, Scorecard
from catalog.workdays import OfficialCalendar, WorkCalendar

__all__ = ["department_scorecard", "league"]

_CODE = re.compile(r"[A-Za-z0-9_.-]{1,32}")


def department_scorecard(
    session: Session,
    principal: Principal,
    department_code: str,
    period: Period,
    *,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> Scorecard:
    """One department's scorecard, if ``scorecard.view`` allows (a refusal is audited)."""
    now = now or utcnow()
    if not _CODE.fullmatch(department_code):  # a NUL, quotes, 40 characters: no such department
        raise NotFound("no department has that code", code="department.not_found")
    department = get_department(session, department_code)
    ensure(session, principal, act.SCORECARD_VIEW, ScorecardTerms(department.id), now=now)
    return build_scorecard(session, department, period, now=now, calendar=calendar)


def _rank(card: Scorecard) -> tuple[float, int, float, str]:
    share = card.fulfilment.share
    on_time = card.objections.share_on_time
    return (
        -(share if share is not None else -1.0),
        card.replies.breaches,
        -(on_time if on_time is not None else -1.0),
        card.department_code,
    )


def league(
    session: Session,
    principal: Principal,
    period: Period,
    *,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> list[Scorecard]:
    """The scorecards ``principal`` may see: every department's (the league table, ranked by
    fulfilment share, then fewest reply breaches, then objections on time, then code) or, for
    whoever may not see the league, its own department's alone."""
    now = now or utcnow()
    calendar = calendar or OfficialCalendar()
    whole = ScorecardTerms(None)
    if isinstance(authorize(principal, act.SCORECARD_VIEW, whole, now=now), Allowed):
        departments = list(session.scalars(select(Department).order_by(Department.code)))
    else:
        ensure(session, principal, act.SCORECARD_VIEW, ScorecardTerms(principal.department_id))
        own = session.get(Department, principal.department_id)
        departments = [own] if own is not None else []
    cards = [build_scorecard(session, d, period, now=now, calendar=calendar) for d in departments]
    return sorted(cards, key=_rank)
