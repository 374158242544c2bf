"""Bearer tokens for accounts: issued once, stored only as their SHA-256, expiring, revocable.

A token is ``zt_`` followed by 32 random bytes in URL-safe base64. The catalog keeps its SHA-256
(for lookup) and its first 8 characters (so an admin can tell tokens apart in a listing); the
plaintext is returned exactly once, by :func:`issue_account` or :func:`replace_token`, and never
logged or stored.

Every token expires: service accounts after ``ZHONGTAI_SERVICE_TOKEN_DAYS`` (90), persons after
``ZHONGTAI_PERSON_TOKEN_DAYS`` (30) — a person signs in through the portal and can be re-issued a
token cheaply; a service's token is configured on another system and rotated on a schedule.

:func:`authenticate` refuses an unknown, a revoked and an expired token alike with
``auth.invalid_token``: a caller who is not authenticated learns nothing about which tokens exist
or existed. The precise cause (``auth.token_revoked``, ``auth.token_expired``) travels in the
error's ``reason`` to the audit record (``catalog.lockout.refuse``), where an admin sees it.

Roles are separated as GB/T 39477 asks (三员分立): the platform admin, the auditor and the
operators (publisher, requester, steward) are different accounts — :func:`check_roles`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import Conflict, InvalidInput, Unauthenticated
from catalog.models import Account, AccountKind, Department, Role, utcnow
from catalog.settings import Settings

__all__ = [
    "OPERATOR_ROLES",
    "TOKEN_PREFIX",
    "TokenLifetimes",
    "account_for_certificate",
    "authenticate",
    "check_roles",
    "hash_token",
    "is_live",
    "issue_account",
    "new_token",
    "normalise_fingerprint",
    "replace_token",
]

TOKEN_PREFIX = "zt_"
_SHOWN_CHARS = 8
OPERATOR_ROLES = frozenset({Role.PUBLISHER, Role.REQUESTER, Role.STEWARD})
_TOUCH_EVERY = dt.timedelta(minutes=1)
_REFUSED = "the credential matches no active account"
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class TokenLifetimes:
    """How long a new or rotated token lives, by account kind (the settings' defaults)."""

    service_days: int = 90
    person_days: int = 30

    def days(self, kind: AccountKind) -> int:
        return self.person_days if kind is AccountKind.PERSON else self.service_days

    @classmethod
    def of(cls, settings: Settings) -> TokenLifetimes:
        return cls(settings.service_token_days, settings.person_token_days)


def new_token() -> str:
    """A fresh random bearer token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_roles(roles: Iterable[Role | str]) -> frozenset[Role]:
    """The roles, if one account may hold them together (GB/T 39477: admin, auditor and operator
    are different accounts); ``account.roles_conflict`` otherwise."""
    try:
        chosen = frozenset(Role(r) for r in roles)
    except ValueError as exc:
        raise InvalidInput(str(exc), code="account.unknown_role") from None
    if not chosen:
        raise InvalidInput("an account needs at least one role", code="account.roles_required")
    duties = [
        name
        for name, held in (
            ("admin", Role.ADMIN in chosen),
            ("auditor", Role.AUDITOR in chosen),
            ("operator", bool(chosen & OPERATOR_ROLES)),
        )
        if held
    ]
    if len(duties) > 1:
        raise InvalidInput(
            f"one account may not be {' and '.join(duties)} at once (GB/T 39477: the admin, the "
            "auditor and the operators are different accounts)",
            code="account.roles_conflict",
            roles=sorted(r.value for r in chosen),
        )
    return chosen


def normalise_fingerprint(value: str) -> str:
    """A SHA-256 certificate fingerprint as 64 lowercase hex digits (colons and case ignored)."""
    hexed = value.replace(":", "").strip().lower()
    if not _HEX64.fullmatch(hexed):
        raise InvalidInput(
            "a certificate fingerprint is 64 hex digits (SHA-256 of the DER certificate)",
            code="account.invalid_cert_sha256",
        )
    return hexed


def _expiry(now: dt.datetime, days: int) -> dt.datetime:
    if days < 1:
        raise InvalidInput("a token lives at least one day", code="account.invalid_lifetime")
    return now + dt.timedelta(days=days)


def issue_account(
    session: Session,
    department: Department,
    name: str,
    roles: Iterable[Role | str],
    kind: AccountKind = AccountKind.SERVICE,
    *,
    days: int | None = None,
    cert_sha256: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[Account, str]:
    """Create an account and return it with its plaintext token (the only time it is visible).

    The token expires after ``days`` (default: :class:`TokenLifetimes` for ``kind``). This makes
    the row only: who may issue, and the audit record, are ``catalog.accounts.issue``'s.
    """
    now = now or utcnow()
    if not name.strip():
        raise InvalidInput("an account needs a name", code="account.name_required")
    role_values = sorted(r.value for r in check_roles(roles))
    expires_at = _expiry(now, days if days is not None else TokenLifetimes().days(kind))
    fingerprint = normalise_fingerprint(cert_sha256) if cert_sha256 else None
    if fingerprint is not None and session.scalar(
        select(Account.id).where(Account.cert_sha256 == fingerprint)
    ):
        raise Conflict(
            "that certificate is mapped to another account already", code="account.cert_taken"
        )
    token = new_token()
    account = Account(
        department=department,
        name=name.strip(),
        kind=kind,
        roles=role_values,
        token_hash=hash_token(token),
        token_prefix=token[:_SHOWN_CHARS],
        active=True,
        created_at=now,
        expires_at=expires_at,
        cert_sha256=fingerprint,
    )
    session.add(account)
    session.flush()
    return account, token


def replace_token(account: Account, *, days: int, now: dt.datetime) -> str:
    """Give ``account`` a new token living ``days`` from ``now``; the old one stops matching at
    once (only the new hash is stored). Returns the plaintext, the only time it is visible."""
    expires_at = _expiry(now, days)
    token = new_token()
    account.token_hash = hash_token(token)
    account.token_prefix = token[:_SHOWN_CHARS]
    account.expires_at = expires_at
    return token


def is_live(account: Account, now: dt.datetime) -> bool:
    """Neither revoked nor past its token's expiry."""
    if account.revoked_at is not None or not account.active:
        return False
    return account.expires_at is None or account.expires_at > now


def _refusal(reason: str, account: Account | None) -> Unauthenticated:
    return Unauthenticated(
        _REFUSED,
        code="auth.invalid_token",
        reason=reason,
        account_id=None if account is None else account.id,
    )


def _check_live(account: Account, now: dt.datetime, *, expiry_applies: bool = True) -> None:
    if account.revoked_at is not None or not account.active:
        raise _refusal("auth.token_revoked", account)
    if expiry_applies and account.expires_at is not None and account.expires_at <= now:
        raise _refusal("auth.token_expired", account)


def _touch(account: Account, now: dt.datetime) -> None:
    """Record use, at most once a minute (not a write on every request)."""
    if account.last_used_at is None or now - account.last_used_at >= _TOUCH_EVERY:
        account.last_used_at = now


def authenticate(session: Session, token: str, *, now: dt.datetime | None = None) -> Account:
    """The live account holding ``token``; :class:`Unauthenticated` for any other token.

    Unknown, revoked and expired tokens are all ``auth.invalid_token`` with the same message; the
    error's ``reason`` (``auth.unknown_token``, ``auth.token_revoked``, ``auth.token_expired``)
    and ``account_id`` are for the audit record, never for the caller. The token is never
    repeated in the error.
    """
    now = now or utcnow()
    if not token:
        raise Unauthenticated("no bearer token given", code="auth.missing_token")
    account = session.scalars(
        select(Account).where(Account.token_hash == hash_token(token))
    ).one_or_none()
    if account is None:
        raise _refusal("auth.unknown_token", None)
    _check_live(account, now)
    _touch(account, now)
    return account


def account_for_certificate(
    session: Session, cert_sha256: str, *, now: dt.datetime | None = None
) -> Account:
    """The account a verified TLS client certificate is mapped to (``cert_sha256``).

    A revoked account is refused; the token's expiry does not apply (the certificate's own
    validity is checked by the TLS proxy that verified it). Refusals are ``auth.invalid_token``
    with the precise ``reason`` (``auth.unknown_certificate``, ``auth.token_revoked``).
    """
    now = now or utcnow()
    account = session.scalars(
        select(Account).where(Account.cert_sha256 == normalise_fingerprint(cert_sha256))
    ).one_or_none()
    if account is None:
        raise _refusal("auth.unknown_certificate", None)
    _check_live(account, now, expiry_applies=False)
    _touch(account, now)
    return account
