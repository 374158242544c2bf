"""Refused credentials are audited; ten from one address within 15 minutes lock it out."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.audit import verify_chain
from catalog.credential_tables import AuthFailure
from catalog.errors import Throttled, Unauthenticated
from catalog.lockout import NEVER, LockoutPolicy, ensure_not_locked, locked_until, refuse
from catalog.models import AuditEvent, AuditOutcome

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
POLICY = LockoutPolicy(max_failures=3, window=dt.timedelta(minutes=15))


def _bad(reason: str = "auth.unknown_token", account_id: int | None = None) -> Unauthenticated:
    return Unauthenticated("no", code="auth.invalid_token", reason=reason, account_id=account_id)


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_refusal_is_audited_with_its_precise_reason(catalog_session: Session) -> None:
    raised = refuse(
        catalog_session,
        _bad("auth.token_revoked", 12),
        credential="token",
        client="192.0.2.1",
        policy=POLICY,
        now=NOW,
    )
    assert raised.code == "auth.invalid_token" and raised.context["audited"] is True
    [event] = _events(catalog_session, "auth.refused")
    assert event.outcome == AuditOutcome.REFUSED
    assert event.actor_account_id is None
    assert event.detail == {
        "credential": "token",
        "code": "auth.invalid_token",
        "reason": "auth.token_revoked",
        "account_id": 12,
        "client": "192.0.2.1",
    }


def test_the_limit_locks_the_address_until_the_window_passes(catalog_session: Session) -> None:
    minute = dt.timedelta(minutes=1)
    for i in range(3):
        ensure_not_locked(catalog_session, "192.0.2.1", POLICY, NOW + i * minute)
        refuse(
            catalog_session,
            _bad(),
            credential="token",
            client="192.0.2.1",
            policy=POLICY,
            now=NOW + i * minute,
        )
    at = NOW + 3 * minute
    with pytest.raises(Throttled) as locked:
        ensure_not_locked(catalog_session, "192.0.2.1", POLICY, at)
    assert locked.value.code == "auth.locked"
    assert locked.value.retry_after == 12 * 60  # the first refusal leaves the window at 09:15
    ensure_not_locked(catalog_session, "192.0.2.2", POLICY, at)  # another address is not locked
    [started] = _events(catalog_session, "auth.lockout_started")
    assert started.detail == {
        "client": "192.0.2.1",
        "failures": 3,
        "until": (NOW + 15 * minute).isoformat(),
    }
    assert locked_until(catalog_session, "192.0.2.1", POLICY, NOW + 15 * minute) is None
    assert verify_chain(catalog_session).ok


def test_old_refusals_are_forgotten_and_purged(catalog_session: Session) -> None:
    for _ in range(2):
        refuse(catalog_session, _bad(), credential="token", client="c", policy=POLICY, now=NOW)
    later = NOW + dt.timedelta(minutes=16)
    refuse(catalog_session, _bad(), credential="token", client="c", policy=POLICY, now=later)
    ensure_not_locked(catalog_session, "c", POLICY, later)
    assert catalog_session.scalar(select(func.count(AuthFailure.id))) == 1


@pytest.mark.parametrize(
    ("reason", "client", "policy"),
    [
        ("session.expired", "c", POLICY),  # a browser left open overnight is not a guess
        ("auth.unknown_token", "", POLICY),  # no address (the CLI): audited, never counted
        ("auth.unknown_token", "c", NEVER),  # lockout off
    ],
)
def test_refusals_that_are_not_counted(
    catalog_session: Session, reason: str, client: str, policy: LockoutPolicy
) -> None:
    for _ in range(5):
        error = _bad(reason)
        refuse(catalog_session, error, credential="session", client=client, policy=policy, now=NOW)
    assert catalog_session.scalar(select(func.count(AuthFailure.id))) == 0
    ensure_not_locked(catalog_session, client, POLICY, NOW)
    assert len(_events(catalog_session, "auth.refused")) == 5
