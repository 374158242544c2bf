"""Issuing, listing, revoking and rotating accounts: decided by the policy, each act audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import accounts
from catalog.audit import verify_chain
from catalog.errors import AccessRefused, Conflict, InvalidInput, NotFound, Unauthenticated
from catalog.models import AccountKind, AuditEvent, Role
from catalog.portal_sessions import open_session, resolve_session
from catalog.principals import SYSTEM, Principal
from catalog.tokens import TokenLifetimes, authenticate
from tests.catalog import factories

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
SECRET = "test-secret"


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _admin(session: Session) -> Principal:
    dept = factories.department(session)
    account, _ = accounts.issue(session, SYSTEM, dept.code, "首任管理员", [Role.ADMIN], now=NOW)
    return Principal.of(account)


def test_the_platform_bootstraps_one_admin_and_no_more(catalog_session: Session) -> None:
    dept = factories.department(catalog_session)
    with pytest.raises(AccessRefused) as not_admin:
        accounts.issue(catalog_session, SYSTEM, dept.code, "x", [Role.PUBLISHER], now=NOW)
    assert not_admin.value.code == "account.bootstrap_admin_only"
    first, token = accounts.issue(
        catalog_session, SYSTEM, dept.code, "王管理", [Role.ADMIN], kind=AccountKind.PERSON, now=NOW
    )
    assert first.expires_at == NOW + dt.timedelta(days=30)  # a person's token
    issued = _events(catalog_session, "account.issued")
    assert [e.detail["bootstrap"] for e in issued] == [True]
    assert issued[0].actor_account_id is None  # the platform itself
    assert token not in str(issued[0].detail) and issued[0].detail["token_prefix"] == token[:8]
    with pytest.raises(AccessRefused) as second:
        accounts.issue(catalog_session, SYSTEM, dept.code, "again", [Role.ADMIN], now=NOW)
    assert second.value.code == "role.admin_required"
    # once the only admin's token has expired, the platform may make one again (recovery)
    later = NOW + dt.timedelta(days=31)
    accounts.issue(catalog_session, SYSTEM, dept.code, "新管理员", [Role.ADMIN], now=later)
    assert verify_chain(catalog_session).ok


def test_an_admin_issues_accounts_with_separated_roles(catalog_session: Session) -> None:
    admin = _admin(catalog_session)
    dept = factories.department(catalog_session)
    account, token = accounts.issue(
        catalog_session,
        admin,
        dept.code,
        "rsj-exchange",
        [Role.PUBLISHER, Role.STEWARD],
        days=7,
        lifetimes=TokenLifetimes(5, 3),
        now=NOW,
    )
    assert account.expires_at == NOW + dt.timedelta(days=7)
    assert authenticate(catalog_session, token, now=NOW).id == account.id
    with pytest.raises(InvalidInput) as conflict:
        accounts.issue(catalog_session, admin, dept.code, "x", [Role.AUDITOR, Role.STEWARD])
    assert conflict.value.code == "account.roles_conflict"
    with pytest.raises(NotFound):
        accounts.issue(catalog_session, admin, "NOPE", "x", [Role.AUDITOR])
    publisher = Principal.of(account)
    with pytest.raises(AccessRefused) as refused:
        accounts.issue(catalog_session, publisher, dept.code, "x", [Role.REQUESTER], now=NOW)
    assert refused.value.code == "role.admin_required"
    assert [e.detail["act"] for e in _events(catalog_session, "access.refused")] == [
        "account.issue"
    ]


def test_who_sees_which_accounts(catalog_session: Session) -> None:
    admin = _admin(catalog_session)
    dept = factories.department(catalog_session)
    auditor, _ = accounts.issue(catalog_session, admin, dept.code, "审计员", [Role.AUDITOR])
    worker, _ = accounts.issue(catalog_session, admin, dept.code, "svc", [Role.REQUESTER])
    other, _ = accounts.issue(catalog_session, admin, dept.code, "svc2", [Role.REQUESTER])
    everyone = {a.id for a in accounts.list_accounts(catalog_session, admin)}
    assert everyone == {admin.account_id, auditor.id, worker.id, other.id}
    assert {a.id for a in accounts.list_accounts(catalog_session, Principal.of(auditor))} == (
        everyone
    )
    me = Principal.of(worker)
    assert [a.id for a in accounts.list_accounts(catalog_session, me)] == [worker.id]
    with pytest.raises(NotFound) as hidden:
        accounts.get_account(catalog_session, me, other.id)
    assert hidden.value.code == "account.not_found"


def test_revoking_ends_the_token_and_the_sessions_and_is_audited(catalog_session: Session) -> None:
    admin = _admin(catalog_session)
    worker = factories.actor(catalog_session, factories.department(catalog_session))
    row, cookie = open_session(
        catalog_session, worker.account, secret=SECRET, hours=8, now=NOW, client="10.1.2.3"
    )
    revoked = accounts.revoke(catalog_session, admin, worker.account.id, " 人员调离 ", now=NOW)
    assert revoked.revoked_at == NOW and revoked.revoke_reason == "人员调离"
    with pytest.raises(Unauthenticated) as token:
        authenticate(catalog_session, worker.token, now=NOW)
    assert token.value.context["reason"] == "auth.token_revoked"
    with pytest.raises(Unauthenticated) as session:
        resolve_session(catalog_session, cookie, secret=SECRET, now=NOW)
    assert session.value.context["reason"] == "session.revoked"
    assert row.revoked_at == NOW
    [event] = _events(catalog_session, "account.revoked")
    assert event.detail == {
        "account_id": worker.account.id,
        "reason": "人员调离",
        "sessions_ended": 1,
    }
    assert event.actor_account_id == admin.account_id
    with pytest.raises(Conflict) as twice:
        accounts.revoke(catalog_session, admin, worker.account.id, "again", now=NOW)
    assert twice.value.code == "account.already_revoked"
    with pytest.raises(Conflict) as dead:
        accounts.rotate(catalog_session, admin, worker.account.id, now=NOW)
    assert dead.value.code == "account.revoked"


def test_revoke_needs_an_admin_a_reason_and_spares_the_last_admin(
    catalog_session: Session,
) -> None:
    admin = _admin(catalog_session)
    worker = factories.actor(catalog_session, factories.department(catalog_session))
    with pytest.raises(InvalidInput) as no_reason:
        accounts.revoke(catalog_session, admin, worker.account.id, "  ")
    assert no_reason.value.code == "account.reason_required"
    with pytest.raises(NotFound) as hidden:
        accounts.revoke(catalog_session, worker.principal, admin.account_id, "x")
    assert hidden.value.code == "account.not_found"
    with pytest.raises(NotFound):
        accounts.revoke(catalog_session, admin, 999_999, "x")
    with pytest.raises(Conflict) as last:
        accounts.revoke(catalog_session, admin, admin.account_id, "leaving", now=NOW)
    assert last.value.code == "account.last_admin"
    second, _ = accounts.issue(
        catalog_session, admin, worker.principal.department_code, "b", [Role.ADMIN], now=NOW
    )
    accounts.revoke(catalog_session, Principal.of(second), admin.account_id, "leaving", now=NOW)


def test_rotation_by_the_account_itself_or_an_admin(catalog_session: Session) -> None:
    admin = _admin(catalog_session)
    worker = factories.actor(catalog_session, factories.department(catalog_session))
    other = factories.actor(catalog_session, factories.department(catalog_session))
    _, cookie = open_session(catalog_session, worker.account, secret=SECRET, hours=8, now=NOW)
    later = NOW + dt.timedelta(hours=1)
    account, mine = accounts.rotate(
        catalog_session, worker.principal, worker.account.id, days=10, now=later
    )
    assert account.expires_at == later + dt.timedelta(days=10)
    assert authenticate(catalog_session, mine, now=later).id == worker.account.id
    with pytest.raises(Unauthenticated):
        authenticate(catalog_session, worker.token, now=later)
    with pytest.raises(Unauthenticated):
        resolve_session(catalog_session, cookie, secret=SECRET, now=later)
    [event] = _events(catalog_session, "account.token_rotated")
    assert event.detail["token_prefix"] == mine[:8] and event.detail["sessions_ended"] == 1
    assert mine not in str(event.detail)
    with pytest.raises(NotFound):
        accounts.rotate(catalog_session, other.principal, worker.account.id, now=later)
    _, by_admin = accounts.rotate(catalog_session, admin, worker.account.id, now=later)
    assert authenticate(catalog_session, by_admin, now=later).id == worker.account.id
