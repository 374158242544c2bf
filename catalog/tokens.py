"""Bearer tokens for accounts: issued once, stored only as their SHA-256.

A token is ``zt_`` followed by 32 random bytes in URL-safe base64. The catalog keeps its SHA-256
(for lookup) and its first 8 characters (so an admin can tell tokens apart in a listing); the
plaintext is returned exactly once, by :func:`issue_account`, and never logged or stored.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import InvalidInput, Unauthenticated
from catalog.models import Account, AccountKind, Department, Role

__all__ = ["TOKEN_PREFIX", "authenticate", "hash_token", "issue_account", "new_token"]

TOKEN_PREFIX = "zt_"
_SHOWN_CHARS = 8


def new_token() -> str:
    """A fresh random bearer token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_account(
    session: Session,
    department: Department,
    name: str,
    roles: Iterable[Role],
    kind: AccountKind = AccountKind.SERVICE,
) -> tuple[Account, str]:
    """Create an account and return it with its plaintext token (the only time it is visible)."""
    if not name.strip():
        raise InvalidInput("an account needs a name", code="account.name_required")
    role_values = sorted({Role(r).value for r in roles})
    token = new_token()
    account = Account(
        department=department,
        name=name,
        kind=kind,
        roles=role_values,
        token_hash=hash_token(token),
        token_prefix=token[:_SHOWN_CHARS],
        active=True,
    )
    session.add(account)
    session.flush()
    return account, token


def authenticate(session: Session, token: str) -> Account:
    """The active account holding ``token``; :class:`Unauthenticated` for any other token."""
    if not token:
        raise Unauthenticated("no bearer token given", code="auth.missing_token")
    account = session.scalars(
        select(Account).where(Account.token_hash == hash_token(token))
    ).one_or_none()
    if account is None or not account.active:
        # Deliberately the same answer for unknown and deactivated tokens, and never the token.
        raise Unauthenticated(
            "the bearer token matches no active account", code="auth.invalid_token"
        )
    return account
