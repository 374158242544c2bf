"""Refused credentials: every one audited; repeated ones lock the client address out.

:func:`refuse` writes a :class:`catalog.events.CredentialRefused` (what the caller was told and,
for the auditor, the precise reason) and counts the refusal against the client address in
``auth_failures``. When an address reaches ``ZHONGTAI_LOCKOUT_MAX_FAILURES`` (10) refusals within
``ZHONGTAI_LOCKOUT_WINDOW_MINUTES`` (15), the lockout starts (audited once, as
:class:`catalog.events.LockoutStarted`) and :func:`ensure_not_locked` answers every credential
from that address with ``auth.locked`` (429, ``Retry-After``) — a valid token included — until
enough of those refusals have left the window. Attempts made while locked out are not counted, so
the lockout ends on its own.

The counts live in the catalog, not in a process, so every API worker sees the same lockout. An
expired portal session is audited but not counted: a browser left open overnight is not a guess.
The address is whatever the edge resolved (``exchange_api.peers``: ``X-Forwarded-For`` only from
a trusted proxy); a refusal with no address (the CLI) is audited and never counted.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.credential_tables import AuthFailure
from catalog.errors import Throttled, Unauthenticated
from catalog.events import CredentialRefused, LockoutStarted
from catalog.settings import Settings

__all__ = ["Credential", "LockoutPolicy", "ensure_not_locked", "locked_until", "refuse"]

Credential = Literal["token", "session", "certificate"]
_NOT_COUNTED = frozenset({"session.expired", "auth.missing_token"})


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """How many refusals within which window lock an address out (``max_failures=0``: never)."""

    max_failures: int = 10
    window: dt.timedelta = dt.timedelta(minutes=15)

    @classmethod
    def of(cls, settings: Settings) -> LockoutPolicy:
        return cls(
            settings.lockout_max_failures, dt.timedelta(minutes=settings.lockout_window_minutes)
        )

    @property
    def enabled(self) -> bool:
        return self.max_failures > 0


NEVER = LockoutPolicy(max_failures=0)


def _recent(
    session: Session, client: str, policy: LockoutPolicy, now: dt.datetime
) -> list[dt.datetime]:
    return list(
        session.scalars(
            select(AuthFailure.occurred_at)
            .where(AuthFailure.client == client[:64], AuthFailure.occurred_at > now - policy.window)
            .order_by(AuthFailure.occurred_at)
        )
    )


def locked_until(
    session: Session, client: str, policy: LockoutPolicy, now: dt.datetime
) -> dt.datetime | None:
    """When ``client`` may try again, if it is locked out now; ``None`` if it is not."""
    if not policy.enabled or not client:
        return None
    recent = _recent(session, client, policy, now)
    if len(recent) < policy.max_failures:
        return None
    # Locked until so many refusals have left the window that fewer than the limit remain.
    return recent[len(recent) - policy.max_failures] + policy.window


def ensure_not_locked(
    session: Session, client: str, policy: LockoutPolicy, now: dt.datetime
) -> None:
    """Raise ``auth.locked`` (with the seconds to wait) if ``client`` is locked out."""
    until = locked_until(session, client, policy, now)
    if until is not None:
        raise Throttled(
            "too many refused credentials from this address; try again later",
            code="auth.locked",
            retry_after=math.ceil((until - now).total_seconds()),
        )


def refuse(
    session: Session,
    error: Unauthenticated,
    *,
    credential: Credential,
    client: str,
    policy: LockoutPolicy,
    now: dt.datetime,
) -> Unauthenticated:
    """Audit the refusal ``error`` describes, count it against ``client``, start a lockout if
    this refusal reaches the limit; return the error to raise, marked ``audited`` so the
    caller's transaction owner commits it (``catalog.guard.keeping_refusals``)."""
    reason = str(error.context.get("reason") or error.code)
    account_id = error.context.get("account_id")
    audit.record(
        session,
        CredentialRefused(
            credential=credential,
            code=error.code,
            reason=reason,
            account_id=account_id if isinstance(account_id, int) else None,
            client=client[:64],
        ),
        now=now,
    )
    if policy.enabled and client and reason not in _NOT_COUNTED:
        session.execute(delete(AuthFailure).where(AuthFailure.occurred_at <= now - policy.window))
        session.add(
            AuthFailure(
                client=client[:64],
                occurred_at=now,
                credential=credential,
                reason=reason[:40],
                account_id=account_id if isinstance(account_id, int) else None,
            )
        )
        session.flush()
        failures = len(_recent(session, client, policy, now))
        if failures == policy.max_failures:
            until = locked_until(session, client, policy, now)
            assert until is not None
            audit.record(
                session,
                LockoutStarted(
                    client=client[:64],
                    failures=failures,
                    until=until.astimezone(dt.UTC).isoformat(),
                ),
                now=now,
            )
    return Unauthenticated(error.message, code=error.code, **{**error.context, "audited": True})
