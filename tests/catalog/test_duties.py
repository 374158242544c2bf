"""The platform's daily duties on both engines: overdue replies escalated once per deadline
(working days on the official calendar, over the 国庆 holidays), grant expiry recorded once with
its subscriptions stopped, and neither run by a department."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import AccessRefused
from catalog.escalation import escalate_overdue, escalated_at, working_days_late
from catalog.grant_expiry import expire_grants, expiry_recorded_at
from catalog.grants import revoke_grant
from catalog.models import AccessMode, AuditEvent, Grant, Role, ShareRequest
from catalog.objections import answer_objection, file_objection
from catalog.requests import approve_request, file_request, refuse_request
from catalog.subscription_tables import Subscription, SubscriptionFormat, TargetKind
from catalog.workdays import CHINA, DeadlineRules, OfficialCalendar
from tests.catalog import factories

TUESDAY = dt.datetime(2026, 9, 29, 10, 0, tzinfo=CHINA)  # the day before the 国庆 holidays
RULES = DeadlineRules(reply_days=3, objection_days=2, grant_days=30)
FIELDS = ["citizen_id", "person_name", "period", "amount", "region"]


def _request(session: Session, ex: factories.Exchange, **kwargs: object) -> ShareRequest:
    args: dict[str, object] = {"rules": RULES, "now": TUESDAY} | kwargs
    return file_request(
        session,
        ex.requester.principal,
        ex.dataset.code,
        FIELDS,
        "低保资格核验",
        **args,  # type: ignore[arg-type]
    )


def _events(session: Session, action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(session.scalars(query))


def test_working_days_late_count_the_official_calendar() -> None:
    due = dt.datetime(2026, 10, 1, 0, 0, tzinfo=CHINA)  # the last day was Wednesday 09-30
    calendar = OfficialCalendar()
    assert working_days_late(due, due - dt.timedelta(seconds=1), calendar) == 0
    assert working_days_late(due, dt.datetime(2026, 10, 7, 20, tzinfo=CHINA), calendar) == 0
    assert working_days_late(due, dt.datetime(2026, 10, 8, 9, tzinfo=CHINA), calendar) == 1
    # Saturday 10-10 is a make-up workday, Sunday 10-11 is not
    assert working_days_late(due, dt.datetime(2026, 10, 11, 9, tzinfo=CHINA), calendar) == 3


def test_a_reply_due_over_national_day_is_escalated_once_and_not_once_answered(
    catalog_session: Session, tmp_path: Path
) -> None:
    session = catalog_session
    ex = factories.exchange(session, tmp_path)
    request = _request(session, ex)
    session.commit()
    # 3 working days after Tuesday 09-29: 09-30, then (01–07 are holidays) 10-08 and 10-09
    assert request.reply_due_at == dt.datetime(2026, 10, 10, 0, 0, tzinfo=CHINA)
    assert escalate_overdue(session, dt.datetime(2026, 10, 9, 23, 59, tzinfo=CHINA)) == []

    saturday = dt.datetime(2026, 10, 10, 10, 0, tzinfo=CHINA)  # due yesterday; a make-up workday
    [escalation] = escalate_overdue(session, saturday, rules=RULES)
    session.commit()
    assert (escalation.request_id, escalation.objection_id) == (request.id, None)
    assert escalation.owner_department == ex.owner.code
    assert escalation.working_days_late == 1
    [event] = _events(session, "request.escalated")
    assert event.object == f"request:{request.id}" and event.dataset_id == ex.dataset.id
    assert event.actor_account_id is None  # the platform
    assert event.detail["owner_department"] == ex.owner.code
    assert event.detail["requester_department"] == ex.requester_dept.code
    assert event.detail["due_at"] == "2026-10-09T16:00:00+00:00"
    assert escalated_at(session, [request]) == {request.id: saturday}

    monday = dt.datetime(2026, 10, 12, 9, 0, tzinfo=CHINA)
    assert escalate_overdue(session, monday, rules=RULES) == []  # the same deadline: not again
    session.commit()
    assert len(_events(session, "request.escalated")) == 1

    approve_request(session, ex.publisher.principal, request.id, rules=RULES, now=monday)
    session.commit()
    assert escalate_overdue(session, monday + dt.timedelta(days=3), rules=RULES) == []
    assert len(_events(session, "request.escalated")) == 1


def test_a_late_answer_to_an_objection_is_escalated_and_a_reopened_request_again(
    catalog_session: Session, tmp_path: Path
) -> None:
    session = catalog_session
    ex = factories.exchange(session, tmp_path)
    request = _request(session, ex)
    refuse_request(session, ex.publisher.principal, request.id, reason="不符合", now=TUESDAY)
    objection = file_objection(
        session, ex.requester.principal, request.id, "依法履职需要", rules=RULES, now=TUESDAY
    )
    session.commit()
    late = objection.due_at + dt.timedelta(days=3)
    [escalation] = escalate_overdue(session, late, rules=RULES)
    assert (escalation.request_id, escalation.objection_id) == (request.id, objection.id)
    assert escalate_overdue(session, late, rules=RULES) == []
    # upheld: the request is pending again with a new deadline, which is escalated in its turn
    answer_objection(
        session,
        ex.publisher.principal,
        objection.id,
        uphold=True,
        answer="重新审核",
        rules=RULES,
        now=late,
    )
    session.commit()
    assert request.reply_due_at is not None and request.reply_due_at > late
    [again] = escalate_overdue(session, request.reply_due_at + dt.timedelta(days=1), rules=RULES)
    assert (again.request_id, again.objection_id) == (request.id, None)
    session.commit()
    assert len(_events(session, "request.escalated")) == 2


def _granted(session: Session, ex: factories.Exchange, expires_at: dt.datetime) -> Grant:
    request = _request(
        session, ex, access_modes=(AccessMode.QUERY, AccessMode.SUBSCRIBE), expires_at=expires_at
    )
    return approve_request(session, ex.publisher.principal, request.id, rules=RULES, now=TUESDAY)


def _subscribe(session: Session, ex: factories.Exchange, grant: Grant) -> Subscription:
    subscription = Subscription(
        grant_id=grant.id,
        department_id=ex.requester_dept.id,
        kind=TargetKind.FOLDER,
        target="低保",
        format=SubscriptionFormat.CSV,
        created_by_account_id=ex.requester.account.id,
        created_at=TUESDAY,
    )
    session.add(subscription)
    session.flush()
    return subscription


def test_an_expired_grant_is_recorded_once_and_its_subscription_stopped(
    catalog_session: Session, tmp_path: Path
) -> None:
    session = catalog_session
    ex = factories.exchange(session, tmp_path)
    ends = dt.datetime(2026, 10, 20, 0, 0, tzinfo=CHINA)
    grant = _granted(session, ex, ends)
    subscription = _subscribe(session, ex, grant)
    revoked = _granted(session, ex, ends)
    revoke_grant(session, ex.publisher.principal, revoked.id, "停止共享", now=TUESDAY)
    session.commit()
    assert expire_grants(session, ends - dt.timedelta(seconds=1)) == []

    after = ends + dt.timedelta(hours=2)
    [expiry] = expire_grants(session, after)
    session.commit()
    assert (expiry.grant_id, expiry.subscriptions_stopped) == (grant.id, (subscription.id,))
    session.refresh(subscription)
    assert subscription.cancelled_at == after
    assert subscription.cancel_reason == f"grant {grant.id} expired at 2026-10-19T16:00:00+00:00"
    [event] = _events(session, "grant.expired")
    assert (event.grant_id, event.dataset_id, event.actor_account_id) == (
        grant.id,
        ex.dataset.id,
        None,
    )
    assert event.detail["grantee_department"] == ex.requester_dept.code
    assert event.detail["subscriptions_stopped"] == [subscription.id]
    [cancelled] = _events(session, "subscription.cancelled")
    assert cancelled.detail["subscription_id"] == subscription.id
    assert expiry_recorded_at(session, [grant, revoked]) == {grant.id: after}

    assert expire_grants(session, after + dt.timedelta(days=1)) == []  # once; never the revoked
    session.commit()
    assert len(_events(session, "grant.expired")) == 1
    assert len(_events(session, "subscription.cancelled")) == 1


@pytest.mark.parametrize("role", [Role.STEWARD, Role.PUBLISHER, Role.REQUESTER, Role.AUDITOR])
def test_a_department_may_not_run_the_duties(
    catalog_session: Session, tmp_path: Path, role: Role
) -> None:
    session = catalog_session
    ex = factories.exchange(session, tmp_path)
    request = _request(session, ex)
    who = factories.actor(session, ex.owner, role)
    session.commit()
    late = dt.datetime(2026, 10, 20, tzinfo=CHINA)
    for duty in (escalate_overdue, expire_grants):
        with pytest.raises(AccessRefused) as refused:
            duty(session, late, who.principal)
        assert refused.value.code == "role.admin_required"
        session.commit()  # the refusal stays on the record, and nothing else was done
    refusals = _events(session, "access.refused")
    assert [e.detail["act"] for e in refusals] == ["request.escalate", "grant.expire"]
    assert all(e.actor_account_id == who.account.id for e in refusals)
    assert _events(session, "request.escalated") == []
    admin = factories.actor(session, factories.department(session), Role.ADMIN)
    assert [e.request_id for e in escalate_overdue(session, late, admin.principal)] == [request.id]
