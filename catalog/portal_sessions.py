"""Portal sessions: a random id in a signed cookie, checked against the catalog on every page.

Signing in (``exchange_api.portal.login``) checks the account's token once and opens a session:
32 random bytes, of which the catalog stores only the SHA-256 (``portal_sessions.session_hash``).
The cookie is ``<id>.<signature>``, both URL-safe base64 without padding, the signature being
HMAC-SHA256 under ``ZHONGTAI_SECRET_KEY`` of the id. The bearer token itself never goes into a
cookie.

A cookie is refused (``auth.invalid_session``; the precise ``reason`` goes to the audit record)
when its signature does not verify (``session.forged``), when no session has its id
(``session.unknown``), or when that session was signed out or ended (``session.revoked``), has
expired (``session.expired``), or belongs to an account that has since been revoked
(``session.account_revoked``) or whose token has expired (``session.token_expired``). A session
lasts ``ZHONGTAI_PORTAL_SESSION_HOURS`` (8), never past its account's token. Revoking an account
or rotating its token ends its sessions (:func:`end_account_sessions`).

:func:`csrf_token` derives a per-session token for state-changing portal forms: HMAC-SHA256 of
the session id under the same key with another label, so it can be checked
(:func:`csrf_matches`) without storing anything, and is worthless once the session ends.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog import audit
from catalog.credential_tables import PortalSession
from catalog.errors import Unauthenticated
from catalog.events import PortalSignedIn, PortalSignedOut
from catalog.models import Account
from catalog.principals import Principal
from catalog.tokens import is_live

__all__ = [
    "SESSION_ID_BYTES",
    "close_session",
    "csrf_matches",
    "csrf_token",
    "end_account_sessions",
    "open_session",
    "resolve_session",
]

SESSION_ID_BYTES = 32
_SESSION_LABEL = b"zhongtai portal session\x00"
_CSRF_LABEL = b"zhongtai portal csrf\x00"
_TOUCH_EVERY = dt.timedelta(minutes=1)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, label: bytes, session_id: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), label + session_id, hashlib.sha256).digest()


def _hash(session_id: bytes) -> str:
    return hashlib.sha256(session_id).hexdigest()


def _refusal(reason: str, account_id: int | None = None) -> Unauthenticated:
    return Unauthenticated(
        "the portal session is not valid; sign in again",
        code="auth.invalid_session",
        reason=reason,
        account_id=account_id,
    )


def cookie_value(session_id: bytes, secret: str) -> str:
    """``<id>.<HMAC-SHA256(secret, id)>``, URL-safe base64 without padding."""
    return f"{_b64(session_id)}.{_b64(_mac(secret, _SESSION_LABEL, session_id))}"


def session_id_of(cookie: str, secret: str) -> bytes:
    """The session id in a cookie whose signature verifies; ``session.forged`` otherwise."""
    encoded_id, _, encoded_mac = cookie.partition(".")
    try:
        session_id, mac = _unb64(encoded_id), _unb64(encoded_mac)
    except (binascii.Error, ValueError):
        raise _refusal("session.forged") from None
    canonical = _b64(session_id) == encoded_id and _b64(mac) == encoded_mac
    if (
        not canonical
        or len(session_id) != SESSION_ID_BYTES
        or not hmac.compare_digest(mac, _mac(secret, _SESSION_LABEL, session_id))
    ):
        raise _refusal("session.forged")
    return session_id


def open_session(
    session: Session,
    account: Account,
    *,
    secret: str,
    hours: int,
    now: dt.datetime,
    client: str = "",
    user_agent: str = "",
) -> tuple[PortalSession, str]:
    """A new session for ``account`` (already authenticated by its token), audited; returns the
    row and the cookie value — the only time the session id exists outside the browser."""
    session_id = secrets.token_bytes(SESSION_ID_BYTES)
    expires_at = now + dt.timedelta(hours=hours)
    if account.expires_at is not None:
        expires_at = min(expires_at, account.expires_at)
    row = PortalSession(
        session_hash=_hash(session_id),
        account_id=account.id,
        created_at=now,
        expires_at=expires_at,
        last_seen_at=now,
        client=client[:64],
        user_agent_sha256=hashlib.sha256(user_agent.encode()).hexdigest() if user_agent else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        PortalSignedIn(
            account_id=account.id,
            session_id=row.id,
            client=client[:64],
            expires_at=expires_at.astimezone(dt.UTC).isoformat(),
        ),
        actor=Principal.of(account),
        now=now,
    )
    return row, cookie_value(session_id, secret)


def _find(session: Session, session_id: bytes) -> PortalSession | None:
    return session.scalars(
        select(PortalSession).where(PortalSession.session_hash == _hash(session_id))
    ).one_or_none()


def resolve_session(
    session: Session, cookie: str, *, secret: str, now: dt.datetime
) -> tuple[PortalSession, Account]:
    """The live session a cookie names, and its account; ``auth.invalid_session`` otherwise."""
    row = _find(session, session_id_of(cookie, secret))
    if row is None:
        raise _refusal("session.unknown")
    if row.revoked_at is not None:
        raise _refusal("session.revoked", row.account_id)
    if row.expires_at <= now:
        raise _refusal("session.expired", row.account_id)
    account = row.account
    if account.revoked_at is not None or not account.active:
        raise _refusal("session.account_revoked", account.id)
    if not is_live(account, now):
        raise _refusal("session.token_expired", account.id)
    if now - row.last_seen_at >= _TOUCH_EVERY:
        row.last_seen_at = now
    return row, account


def close_session(
    session: Session, cookie: str, *, secret: str, now: dt.datetime
) -> PortalSession | None:
    """Sign out: end the session the cookie names, server-side, so a copy of the cookie is
    refused from now on. A cookie naming no live session changes nothing (and says nothing)."""
    try:
        row, account = resolve_session(session, cookie, secret=secret, now=now)
    except Unauthenticated:
        return None
    row.revoked_at = now
    session.flush()
    audit.record(
        session,
        PortalSignedOut(account_id=account.id, session_id=row.id),
        actor=Principal.of(account),
        now=now,
    )
    return row


def end_account_sessions(session: Session, account_id: int, now: dt.datetime) -> int:
    """End every live session of an account (revoked, or its token rotated); how many ended."""
    result = session.execute(
        update(PortalSession)
        .where(
            PortalSession.account_id == account_id,
            PortalSession.revoked_at.is_(None),
            PortalSession.expires_at > now,
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def csrf_token(cookie: str, *, secret: str) -> str:
    """The CSRF token of the session a (signed) cookie names, for a hidden form field."""
    return _b64(_mac(secret, _CSRF_LABEL, session_id_of(cookie, secret)))


def csrf_matches(cookie: str, token: str, *, secret: str) -> bool:
    """True when ``token`` is the CSRF token of the session ``cookie`` names."""
    try:
        expected = csrf_token(cookie, secret=secret)
    except Unauthenticated:
        return False
    return hmac.compare_digest(expected.encode(), token.encode("utf-8", "replace"))
