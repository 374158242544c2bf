"""The request workflow on both engines: reply deadlines, narrowing, objections, renewal, overdue.

Deadlines use the real official calendar; the requests are filed on Friday 2026-10-09 so that the
make-up workday on Saturday 10-10 is part of the count.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.errors import AccessRefused, Conflict, InvalidInput, NotFound
from catalog.grants import live_grants, renew_grant
from catalog.models import AuditEvent, Grant, ObjectionStatus, RequestStatus, Role
from catalog.objections import answer_objection, file_objection
from catalog.requests import (
    approve_request,
    file_request,
    grant_of,
    list_requests,
    refuse_request,
    withdraw_request,
)
from catalog.workdays import CHINA, DeadlineRules
from tests.catalog import factories

FRIDAY = dt.datetime(2026, 10, 9, 10, 0, tzinfo=CHINA)
RULES = DeadlineRules(reply_days=1, objection_days=2, grant_days=30)
FIELDS = ["citizen_id", "person_name", "period", "amount", "region"]


def _file(session: Session, ex: factories.Exchange, **kwargs: object) -> object:
    args: dict[str, object] = {"rules": RULES, "now": FRIDAY} | kwargs
    return file_request(
        session,
        ex.requester.principal,
        ex.dataset.code,
        FIELDS,
        "低保资格核验",
        **args,  # type: ignore[arg-type]
    )


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_a_conditional_request_is_due_in_working_days_and_shows_overdue(
    catalog_session: Session, tmp_path: Path
) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    request = _file(catalog_session, ex)
    catalog_session.commit()
    # one working day after Friday 10-09 is the make-up Saturday 10-10: due at its end
    assert request.reply_due_at == dt.datetime(2026, 10, 11, 0, 0, tzinfo=CHINA)  # type: ignore[attr-defined]
    assert not request.reply_due_provisional  # type: ignore[attr-defined]
    assert not request.overdue(dt.datetime(2026, 10, 10, 23, 59, tzinfo=CHINA))  # type: ignore[attr-defined]
    late = dt.datetime(2026, 10, 11, 0, 0, tzinfo=CHINA)
    assert request.overdue(late)  # type: ignore[attr-defined]
    auditor = factories.actor(catalog_session, factories.department(catalog_session), Role.AUDITOR)
    admin = factories.actor(catalog_session, factories.department(catalog_session), Role.ADMIN)
    for who in (ex.requester, ex.publisher, auditor, admin):  # everyone who must see it, sees it
        overdue = [r for r in list_requests(catalog_session, who.principal) if r.overdue(late)]
        assert [r.id for r in overdue] == [request.id]  # type: ignore[attr-defined]
    stranger = factories.actor(catalog_session, factories.department(catalog_session))
    assert list_requests(catalog_session, stranger.principal) == []


def test_a_deadline_into_an_unknown_year_is_provisional(
    catalog_session: Session, tmp_path: Path
) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    december = dt.datetime(2026, 12, 30, 9, 0, tzinfo=CHINA)
    request = _file(catalog_session, ex, now=december, rules=DeadlineRules(reply_days=5))
    assert request.reply_due_provisional  # type: ignore[attr-defined]
    assert request.reply_due_at > december  # type: ignore[attr-defined]


def test_unconditional_and_not_shared_requests_have_no_reply_deadline(
    catalog_session: Session, tmp_path: Path
) -> None:
    from schemas import ShareType

    ex = factories.exchange(catalog_session, tmp_path, ShareType.UNCONDITIONAL)
    request = _file(catalog_session, ex)
    assert request.status is RequestStatus.APPROVED and request.reply_due_at is None  # type: ignore[attr-defined]
    grant = grant_of(catalog_session, request)  # type: ignore[arg-type]
    assert grant is not None and grant.expires_at == FRIDAY + dt.timedelta(days=30)


def test_an_owner_may_narrow_but_never_widen(catalog_session: Session, tmp_path: Path) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    asked_expiry = FRIDAY + dt.timedelta(days=90)
    request = _file(
        catalog_session,
        ex,
        quota_rows=1000,
        expires_at=asked_expiry,
        match_fields=["citizen_id"],
        access_modes=["query", "verify"],
    )
    rid = request.id  # type: ignore[attr-defined]
    owner = ex.publisher.principal
    for terms, term in (
        ({"fields": [*FIELDS, "employer_name"]}, "fields"),
        ({"quota_rows": 1001}, "quota_rows"),
        ({"expires_at": asked_expiry + dt.timedelta(days=1)}, "expires_at"),
        ({"access_modes": ["query", "bulk"]}, "access_modes"),
        ({"match_fields": ["citizen_id", "person_name"]}, "match_fields"),
    ):
        with pytest.raises(InvalidInput) as caught:
            approve_request(catalog_session, owner, rid, now=FRIDAY, **terms)  # type: ignore[arg-type]
        assert caught.value.code in ("approval.not_narrower", "request.invalid_match_field")
        if caught.value.code == "approval.not_narrower":
            assert caught.value.context["term"] == term
    assert catalog_session.scalars(select(Grant)).all() == []
    grant = approve_request(
        catalog_session,
        owner,
        rid,
        fields=["citizen_id", "period", "amount"],
        access_modes=["verify"],
        row_filter=[{"field": "region", "op": "prefix", "value": "330106"}],
        quota_rows=200,
        expires_at=FRIDAY + dt.timedelta(days=30),
        now=FRIDAY,
    )
    catalog_session.commit()
    assert grant.fields == ["citizen_id", "period", "amount"]
    assert grant.access_modes == ["verify"]
    assert grant.match_fields == ["citizen_id"]
    assert grant.row_filter == [{"field": "region", "op": "prefix", "value": "330106"}]
    assert (grant.quota_rows, grant.expires_at) == (200, FRIDAY + dt.timedelta(days=30))
    [issued] = _events(catalog_session, "grant.issued")
    assert set(issued.detail["narrowed"]) == {
        "fields",
        "access_modes",
        "row_filter",
        "quota_rows",
        "expires_at",
    }
    assert issued.grant_id == grant.id


def test_every_grant_expires(catalog_session: Session, tmp_path: Path) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    request = _file(catalog_session, ex)
    grant = approve_request(
        catalog_session,
        ex.publisher.principal,
        request.id,
        rules=RULES,
        now=FRIDAY,  # type: ignore[attr-defined]
    )
    assert grant.expires_at == FRIDAY + dt.timedelta(days=RULES.grant_days)


def test_objection_upheld_reopens_the_request(catalog_session: Session, tmp_path: Path) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    request = _file(catalog_session, ex)
    rid = request.id  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as caught:  # nothing to object to yet
        file_objection(catalog_session, ex.requester.principal, rid, "理由", now=FRIDAY)
    assert caught.value.code == "objection.not_refused"
    refuse_request(catalog_session, ex.publisher.principal, rid, reason="用途不明确", now=FRIDAY)
    objection = file_objection(
        catalog_session, ex.requester.principal, rid, "用途见附件", rules=RULES, now=FRIDAY
    )
    # two working days: Saturday 10-10 (make-up) and Monday 10-12
    assert objection.due_at == dt.datetime(2026, 10, 13, 0, 0, tzinfo=CHINA)
    with pytest.raises(Conflict) as again:
        file_objection(catalog_session, ex.requester.principal, rid, "再次", now=FRIDAY)
    assert again.value.code == "objection.already_open"
    stranger = factories.actor(
        catalog_session, factories.department(catalog_session), Role.PUBLISHER
    )
    with pytest.raises(NotFound):
        answer_objection(
            catalog_session, stranger.principal, objection.id, uphold=True, answer="x", now=FRIDAY
        )
    with pytest.raises(AccessRefused) as not_owner:  # the requester cannot answer its own
        answer_objection(
            catalog_session, ex.requester.principal, objection.id, uphold=True, answer="x"
        )
    assert not_owner.value.code == "request.not_owner"
    monday = dt.datetime(2026, 10, 12, 9, 0, tzinfo=CHINA)
    answered = answer_objection(
        catalog_session,
        ex.publisher.principal,
        objection.id,
        uphold=True,
        answer="补充材料后同意重新审查",
        rules=RULES,
        now=monday,
    )
    catalog_session.commit()
    assert answered.status is ObjectionStatus.UPHELD
    request = catalog_session.get(type(request), rid)  # type: ignore[arg-type]
    assert request.status is RequestStatus.PENDING  # type: ignore[union-attr]
    assert request.reply_due_at == dt.datetime(2026, 10, 14, 0, 0, tzinfo=CHINA)  # type: ignore[union-attr]
    grant = approve_request(catalog_session, ex.publisher.principal, rid, now=monday)
    assert grant.request_id == rid
    with pytest.raises(Conflict):
        answer_objection(
            catalog_session, ex.publisher.principal, objection.id, uphold=False, answer="x"
        )
    [filed] = _events(catalog_session, "objection.filed")
    [done] = _events(catalog_session, "objection.answered")
    assert filed.detail["due_at"] == objection.due_at.isoformat()
    assert (done.detail["status"], done.detail["late"]) == ("upheld", False)
    refusals = _events(catalog_session, "access.refused")
    assert {e.detail["act"] for e in refusals} == {"objection.answer"}
    assert audit.verify_chain(catalog_session).ok


def test_objection_dismissed_late_keeps_the_refusal(
    catalog_session: Session, tmp_path: Path
) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    request = _file(catalog_session, ex)
    rid = request.id  # type: ignore[attr-defined]
    refuse_request(catalog_session, ex.publisher.principal, rid, reason="超出必要范围", now=FRIDAY)
    objection = file_objection(
        catalog_session, ex.requester.principal, rid, "确有必要", rules=RULES, now=FRIDAY
    )
    with pytest.raises(InvalidInput):
        answer_objection(
            catalog_session, ex.publisher.principal, objection.id, uphold=False, answer=" "
        )
    late = dt.datetime(2026, 10, 20, 9, 0, tzinfo=CHINA)
    assert objection.overdue(late)
    answer_objection(
        catalog_session, ex.publisher.principal, objection.id, uphold=False, answer="维持", now=late
    )
    catalog_session.commit()
    assert catalog_session.get(type(request), rid).status is RequestStatus.REFUSED  # type: ignore[arg-type, union-attr]
    [done] = _events(catalog_session, "objection.answered")
    assert (done.detail["status"], done.detail["late"]) == ("dismissed", True)
    # a new objection may follow a dismissed one
    second = file_objection(catalog_session, ex.requester.principal, rid, "新材料", now=late)
    assert second.status is ObjectionStatus.OPEN


def test_withdraw_only_ones_own_pending_request(catalog_session: Session, tmp_path: Path) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    request = _file(catalog_session, ex)
    rid = request.id  # type: ignore[attr-defined]
    with pytest.raises(AccessRefused) as caught:
        withdraw_request(catalog_session, ex.publisher.principal, rid)
    assert caught.value.code == "request.not_requester"
    withdrawn = withdraw_request(catalog_session, ex.requester.principal, rid, reason="不再需要")
    assert withdrawn.status is RequestStatus.WITHDRAWN
    with pytest.raises(Conflict):
        approve_request(catalog_session, ex.publisher.principal, rid)
    [event] = _events(catalog_session, "request.withdrawn")
    assert event.detail == {"request_id": rid, "reason": "不再需要"}


def test_renewal_files_the_same_terms_and_supersedes_on_approval(
    catalog_session: Session, tmp_path: Path
) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    request = _file(catalog_session, ex, quota_rows=50, match_fields=["citizen_id"])
    grant = approve_request(catalog_session, ex.publisher.principal, request.id, now=FRIDAY)  # type: ignore[attr-defined]
    with pytest.raises(AccessRefused) as caught:
        renew_grant(catalog_session, ex.publisher.principal, grant.id, now=FRIDAY)
    assert caught.value.code == "grant.not_grantee"
    later = FRIDAY + dt.timedelta(days=20)
    renewal = renew_grant(
        catalog_session,
        ex.requester.principal,
        grant.id,
        expires_at=FRIDAY + dt.timedelta(days=400),
        rules=RULES,
        now=later,
    )
    assert renewal.replaces_grant_id == grant.id
    assert (renewal.fields, renewal.quota_rows, renewal.match_fields) == (
        FIELDS,
        50,
        ["citizen_id"],
    )
    assert renewal.status is RequestStatus.PENDING
    renewed = approve_request(catalog_session, ex.publisher.principal, renewal.id, now=later)
    catalog_session.commit()
    assert grant.superseded_by_grant_id == renewed.id
    assert live_grants(catalog_session, ex.requester_dept.id, ex.dataset.id, later) == [renewed]
