"""Live grants, revocation and quota, on both engines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import AccessRefused, Conflict, InvalidInput
from catalog.grants import (
    consume_quota,
    grant_for_read,
    live_grants,
    remaining_quota,
    revoke_grant,
)
from catalog.models import AuditEvent, Grant, Role
from catalog.requests import approve_request, file_request
from schemas import ShareType
from tests.catalog import factories

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def _grant(
    session: Session, ex: factories.Exchange, *, now: dt.datetime = NOW, **kwargs: object
) -> Grant:
    request = file_request(
        session,
        ex.requester.principal,
        ex.dataset.code,
        ["period"],
        "用途",
        now=now,
        **kwargs,  # type: ignore[arg-type]
    )
    return approve_request(session, ex.publisher.principal, request.id, now=now)


def test_grants_coexist_until_one_names_the_other(catalog_session: Session, tmp_path: Path) -> None:
    """Defect 7: a newer grant no longer silently replaces an earlier one."""
    ex = factories.exchange(catalog_session, tmp_path)
    dept, ds = ex.requester_dept.id, ex.dataset.id
    who = ex.requester.principal
    assert live_grants(catalog_session, dept, ds, NOW) == []
    assert grant_for_read(catalog_session, who, ds, None, NOW) is None
    older = _grant(catalog_session, ex, now=NOW)
    newer = _grant(
        catalog_session, ex, now=NOW + dt.timedelta(days=1), expires_at=NOW + dt.timedelta(days=10)
    )
    catalog_session.commit()
    at = NOW + dt.timedelta(days=2)
    assert live_grants(catalog_session, dept, ds, at) == [older, newer]
    with pytest.raises(Conflict) as caught:
        grant_for_read(catalog_session, who, ds, None, at)
    assert caught.value.code == "grant.ambiguous"
    assert grant_for_read(catalog_session, who, ds, older.id, at) == older
    assert grant_for_read(catalog_session, who, ds, newer.id, at) == newer
    stranger = factories.actor(catalog_session, ex.owner, Role.REQUESTER).principal
    assert grant_for_read(catalog_session, stranger, ds, older.id, at) is None  # not theirs
    after_expiry = NOW + dt.timedelta(days=10)
    assert live_grants(catalog_session, dept, ds, after_expiry) == [older]
    assert grant_for_read(catalog_session, who, ds, None, after_expiry) == older


def test_a_request_that_names_a_grant_supersedes_it_on_approval(
    catalog_session: Session, tmp_path: Path
) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    first = _grant(catalog_session, ex, now=NOW)
    later = NOW + dt.timedelta(days=1)
    second = _grant(catalog_session, ex, now=later, replaces_grant_id=first.id)
    catalog_session.commit()
    assert first.revoked_at == later
    assert first.superseded_by_grant_id == second.id
    assert "superseded by grant" in first.revoke_reason
    assert live_grants(catalog_session, ex.requester_dept.id, ex.dataset.id, later) == [second]
    event = catalog_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "grant.superseded")
    ).one()
    assert (event.grant_id, event.detail["superseded_by_grant_id"]) == (first.id, second.id)
    with pytest.raises(InvalidInput) as caught:  # a dead grant cannot be replaced again
        _grant(catalog_session, ex, now=later, replaces_grant_id=first.id)
    assert caught.value.code == "request.invalid_replaces"


def test_revoke_grant(catalog_session: Session, tmp_path: Path) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    grant = _grant(catalog_session, ex)
    outsider = factories.actor(catalog_session, ex.requester_dept, Role.PUBLISHER)
    with pytest.raises(AccessRefused) as caught:
        revoke_grant(catalog_session, outsider.principal, grant.id, "no")
    assert caught.value.code == "grant.not_owner"
    with pytest.raises(InvalidInput):
        revoke_grant(catalog_session, ex.publisher.principal, grant.id, "")

    when = NOW + dt.timedelta(days=3)
    revoke_grant(catalog_session, ex.publisher.principal, grant.id, "用途已结束", now=when)
    catalog_session.commit()
    assert grant.revoked_at == when
    assert live_grants(catalog_session, ex.requester_dept.id, ex.dataset.id, when) == []
    event = catalog_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "grant.revoked")
    ).one()
    assert (event.grant_id, event.dataset_id, event.detail) == (
        grant.id,
        ex.dataset.id,
        {"reason": "用途已结束"},
    )
    assert event.actor_account_id == ex.publisher.account.id
    with pytest.raises(Conflict):
        revoke_grant(catalog_session, ex.publisher.principal, grant.id, "again")


def test_consume_quota(catalog_session: Session, tmp_path: Path) -> None:
    ex = factories.exchange(catalog_session, tmp_path, ShareType.UNCONDITIONAL)
    request = file_request(
        catalog_session, ex.requester.principal, ex.dataset.code, ["period"], "用途", quota_rows=100
    )
    catalog_session.commit()
    grant = catalog_session.scalars(select(Grant).where(Grant.request_id == request.id)).one()
    consume_quota(catalog_session, grant, 60)
    consume_quota(catalog_session, grant, 0)
    assert (grant.rows_used, remaining_quota(grant)) == (60, 40)
    with pytest.raises(AccessRefused) as caught:
        consume_quota(catalog_session, grant, 41)
    assert caught.value.code == "quota.exceeded"
    consume_quota(catalog_session, grant, 40)
    catalog_session.commit()
    catalog_session.expire_all()
    assert catalog_session.get(Grant, grant.id).rows_used == 100  # type: ignore[union-attr]
    with pytest.raises(InvalidInput):
        consume_quota(catalog_session, grant, -1)


def test_consume_quota_without_quota(catalog_session: Session, tmp_path: Path) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    grant = _grant(catalog_session, ex)
    consume_quota(catalog_session, grant, 10**6)
    assert grant.rows_used == 10**6 and remaining_quota(grant) is None
