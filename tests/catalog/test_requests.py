"""Share requests through their whole life, for all three share types, on both engines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.errors import AccessRefused, Conflict, InvalidInput, NotFound
from catalog.models import AccessMode, AuditEvent, AuditOutcome, Grant, RequestStatus, Role
from catalog.requests import (
    approve_request,
    file_request,
    get_request,
    grant_of,
    list_requests,
    refuse_request,
)
from schemas import ShareType
from tests.catalog import factories

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
FIELDS = ["citizen_id", "period", "amount"]


def _actions(session: Session) -> list[tuple[str, str, int | None]]:
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    return [(e.action, e.outcome.value, e.grant_id) for e in rows if e.action.startswith("request")]


def test_conditional_request_waits_then_is_approved(
    catalog_session: Session, tmp_path: Path
) -> None:
    ex = factories.exchange(catalog_session, tmp_path, ShareType.CONDITIONAL)
    expires = NOW + dt.timedelta(days=90)
    request = file_request(
        catalog_session,
        ex.requester.principal,
        ex.dataset.code,
        FIELDS,
        "核验参保状态",
        scenario="低保审核",
        legal_basis="社会救助暂行办法",
        access_modes=(AccessMode.QUERY, AccessMode.VERIFY),
        row_filter=[{"field": "region", "op": "prefix", "value": "3301"}],
        quota_rows=1000,
        expires_at=expires,
        now=NOW,
    )
    catalog_session.commit()
    assert request.status is RequestStatus.PENDING
    assert grant_of(catalog_session, request) is None
    assert request.row_filter == [{"field": "region", "op": "prefix", "value": "3301"}]
    assert request.access_modes == ["query", "verify"]

    later = NOW + dt.timedelta(hours=2)
    grant = approve_request(
        catalog_session, ex.publisher.principal, request.id, reason="符合条件", now=later
    )
    catalog_session.commit()
    catalog_session.expire_all()
    request = get_request(catalog_session, request.id, ex.requester.principal)
    assert request.status is RequestStatus.APPROVED
    assert request.decided_by_account_id == ex.publisher.account.id
    assert request.decided_at == later
    assert request.decision_reason == "符合条件"
    assert grant_of(catalog_session, request) is not None
    assert grant.grantee_department_id == ex.requester_dept.id
    assert grant.dataset_id == ex.dataset.id
    assert (grant.fields, grant.row_filter, grant.purpose, grant.access_modes) == (
        FIELDS,
        request.row_filter,
        "核验参保状态",
        ["query", "verify"],
    )
    assert (grant.quota_rows, grant.rows_used, grant.expires_at) == (1000, 0, expires)
    assert _actions(catalog_session) == [
        ("request.filed", "ok", None),
        ("request.decided", "ok", grant.id),
    ]
    assert audit.verify_chain(catalog_session).ok


def test_unconditional_request_is_granted_at_once(catalog_session: Session, tmp_path: Path) -> None:
    ex = factories.exchange(catalog_session, tmp_path, ShareType.UNCONDITIONAL)
    request = file_request(
        catalog_session, ex.requester.principal, ex.dataset.code, ["period"], "统计", now=NOW
    )
    catalog_session.commit()
    assert request.status is RequestStatus.APPROVED
    assert request.decided_by_account_id is None
    grant = grant_of(catalog_session, request)
    assert grant is not None and grant.fields == ["period"]
    events = [
        e for e in catalog_session.scalars(select(AuditEvent)) if e.action.startswith("request")
    ]
    assert [(e.action, e.actor_account_id) for e in events] == [
        ("request.filed", ex.requester.account.id),
        ("request.decided", None),  # the platform decided
    ]
    with pytest.raises(Conflict) as caught:
        approve_request(catalog_session, ex.publisher.principal, request.id)
    assert caught.value.code == "request.already_decided"


def test_not_shared_request_is_refused_with_legal_basis(
    catalog_session: Session, tmp_path: Path
) -> None:
    owner = factories.department(catalog_session)
    dataset = factories.dataset(
        catalog_session,
        tmp_path,
        owner,
        ShareType.NOT_SHARED,
        share_basis="《保守国家秘密法》第九条",
    )
    asker = factories.actor(catalog_session, factories.department(catalog_session))
    request = file_request(catalog_session, asker.principal, dataset.code, FIELDS, "调查", now=NOW)
    catalog_session.commit()
    assert request.status is RequestStatus.REFUSED
    assert request.decision_reason == "《保守国家秘密法》第九条"
    assert grant_of(catalog_session, request) is None
    assert catalog_session.scalars(select(Grant)).all() == []
    assert _actions(catalog_session) == [
        ("request.filed", "ok", None),
        ("request.decided", AuditOutcome.REFUSED.value, None),
    ]


def test_refuse_pending_request(catalog_session: Session, tmp_path: Path) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    request = file_request(catalog_session, ex.requester.principal, ex.dataset.code, FIELDS, "用途")
    with pytest.raises(InvalidInput):
        refuse_request(catalog_session, ex.publisher.principal, request.id, reason="  ")
    refused = refuse_request(
        catalog_session, ex.publisher.principal, request.id, reason="用途不明确"
    )
    catalog_session.commit()
    assert refused.status is RequestStatus.REFUSED
    assert refused.decision_reason == "用途不明确"
    assert grant_of(catalog_session, refused) is None
    with pytest.raises(Conflict):
        approve_request(catalog_session, ex.publisher.principal, request.id)


def test_approval_by_non_owner_is_refused(catalog_session: Session, tmp_path: Path) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    request = file_request(catalog_session, ex.requester.principal, ex.dataset.code, FIELDS, "用途")
    outsider_dept = factories.department(catalog_session)
    owner_requester = factories.actor(catalog_session, ex.owner, Role.REQUESTER, Role.STEWARD)
    outsider = factories.actor(catalog_session, outsider_dept, Role.PUBLISHER).principal
    for who in (
        owner_requester.principal,  # right dept, not a publisher
        ex.requester.principal,  # the requester cannot approve itself
    ):
        with pytest.raises(AccessRefused) as caught:
            approve_request(catalog_session, who, request.id)
        assert caught.value.code == "request.not_owner"
        with pytest.raises(AccessRefused):
            refuse_request(catalog_session, who, request.id, reason="no")
    # another department may not even learn that the request exists
    with pytest.raises(NotFound) as hidden:
        approve_request(catalog_session, outsider, request.id)
    assert hidden.value.code == "request.not_found"
    refusals = catalog_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "access.refused")
    ).all()
    assert [(e.detail["act"], e.detail["code"]) for e in refusals] == [
        ("request.approve", "request.not_owner"),
        ("request.refuse", "request.not_owner"),
        ("request.approve", "request.not_owner"),
        ("request.refuse", "request.not_owner"),
        ("request.approve", "request.not_found"),
    ]
    assert all(e.outcome is AuditOutcome.REFUSED for e in refusals)
    pending = get_request(catalog_session, request.id, ex.requester.principal)
    assert pending.status is RequestStatus.PENDING


def test_double_approval_conflicts(catalog_session: Session, tmp_path: Path) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    request = file_request(catalog_session, ex.requester.principal, ex.dataset.code, FIELDS, "用途")
    approve_request(catalog_session, ex.publisher.principal, request.id)
    catalog_session.commit()
    events_before = audit.event_count(catalog_session)
    with pytest.raises(Conflict) as caught:
        approve_request(catalog_session, ex.publisher.principal, request.id)
    assert caught.value.code == "request.already_decided"
    assert len(catalog_session.scalars(select(Grant)).all()) == 1
    assert audit.event_count(catalog_session) == events_before


def test_filing_needs_requester_role(catalog_session: Session, tmp_path: Path) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    auditor = factories.actor(catalog_session, ex.requester_dept, Role.AUDITOR)
    with pytest.raises(AccessRefused) as caught:
        file_request(catalog_session, auditor.principal, ex.dataset.code, FIELDS, "用途")
    assert caught.value.code == "role.requester_required"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"fields": ["citizen_id", "salary"]}, "request.unknown_field"),
        ({"fields": []}, "request.no_fields"),
        ({"purpose": "   "}, "request.no_purpose"),
        ({"row_filter": [{"field": "bonus", "op": "eq", "value": 1}]}, "request.unknown_field"),
        ({"row_filter": [{"field": "region", "op": "like", "value": "%"}]}, "filter.invalid"),
        ({"quota_rows": 0}, "request.invalid_quota"),
        ({"expires_at": NOW - dt.timedelta(seconds=1)}, "request.invalid_expiry"),
        ({"access_modes": ["download"]}, "request.invalid_access_mode"),
    ],
)
def test_invalid_requests(
    catalog_session: Session, tmp_path: Path, kwargs: dict[str, object], code: str
) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    args: dict[str, object] = {"fields": FIELDS, "purpose": "用途", "now": NOW} | kwargs
    with pytest.raises(InvalidInput) as caught:
        file_request(catalog_session, ex.requester.principal, ex.dataset.code, **args)  # type: ignore[arg-type]
    assert caught.value.code == code
    if code == "request.unknown_field":
        assert caught.value.context["field"] in ("salary", "bonus")
        assert caught.value.context["field"] in caught.value.message


def test_department_cannot_request_its_own_dataset(
    catalog_session: Session, tmp_path: Path
) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    insider = factories.actor(catalog_session, ex.owner, Role.REQUESTER)
    with pytest.raises(AccessRefused) as caught:
        file_request(catalog_session, insider.principal, ex.dataset.code, FIELDS, "用途")
    assert caught.value.code == "request.own_dataset"


def test_unknown_dataset_and_request(catalog_session: Session, tmp_path: Path) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    with pytest.raises(NotFound) as caught:
        file_request(catalog_session, ex.requester.principal, "no_such", FIELDS, "用途")
    assert caught.value.code == "dataset.not_found"
    with pytest.raises(NotFound):
        approve_request(catalog_session, ex.publisher.principal, 4242)
    with pytest.raises(NotFound):
        get_request(catalog_session, 4242, ex.requester.principal)


def test_listing_and_visibility(catalog_session: Session, tmp_path: Path) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    mine = file_request(catalog_session, ex.requester.principal, ex.dataset.code, FIELDS, "用途")
    stranger_dept = factories.department(catalog_session)
    stranger = factories.actor(catalog_session, stranger_dept, Role.REQUESTER)
    theirs = file_request(catalog_session, stranger.principal, ex.dataset.code, ["period"], "别的")
    other_owner = factories.department(catalog_session)
    elsewhere = factories.dataset(catalog_session, tmp_path, other_owner)
    unrelated = file_request(catalog_session, stranger.principal, elsewhere.code, ["period"], "x")

    def ids(who: factories.Actor) -> list[int]:
        return [r.id for r in list_requests(catalog_session, who.principal)]

    assert ids(ex.requester) == [mine.id]
    assert ids(ex.publisher) == [mine.id, theirs.id]
    assert ids(stranger) == [theirs.id, unrelated.id]
    assert get_request(catalog_session, mine.id, ex.publisher.principal).id == mine.id
    with pytest.raises(NotFound):
        get_request(catalog_session, mine.id, stranger.principal)
