"""HTTP bodies of the accounts API (``exchange_api.routes.accounts``): issue, revoke, rotate, list.

Kept beside ``exchange_api.payloads`` (whose ``BodyIn`` base they share: unknown keys refused, every
string plain text) so that module stays one screenful of the exchange's own shapes.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from catalog.models import AccountKind, Role
from exchange_api.payloads import BodyIn

__all__ = [
    "AccountCreate",
    "AccountIssuedPublic",
    "AccountPublic",
    "AccountRevokeIn",
    "AccountRotateIn",
]


class AccountCreate(BodyIn):
    """A new account. Roles are separated (GB/T 39477): admin, auditor and the operator roles
    (publisher, requester, steward) may not be combined in one account."""

    department: str = Field(min_length=1, max_length=32, description="Department code")
    name: str = Field(
        min_length=1, max_length=200, description="The service's name, or the person's name"
    )
    roles: list[Role] = Field(min_length=1, max_length=5)
    kind: AccountKind = AccountKind.SERVICE
    days: int | None = Field(
        default=None, ge=1, le=3650, description="Token lifetime; default by kind (90 / 30 days)"
    )
    cert_sha256: str | None = Field(
        default=None,
        max_length=95,
        description="SHA-256 of a TLS client certificate (DER) to map to this account",
    )


class AccountRevokeIn(BodyIn):
    reason: str = Field(min_length=1, max_length=2000, description="Why the account ends now")


class AccountRotateIn(BodyIn):
    days: int | None = Field(default=None, ge=1, le=3650, description="The new token's lifetime")


class AccountPublic(BaseModel):
    """An account as listed: never its token or the token's hash (the first 8 characters are
    enough to tell tokens apart)."""

    id: int
    department: str
    name: str
    kind: AccountKind
    roles: list[str]
    token_prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revoke_reason: str
    last_used_at: dt.datetime | None
    cert_sha256: str | None


class AccountIssuedPublic(BaseModel):
    """An issued or rotated account with its token — the only response that ever carries it."""

    account: AccountPublic
    token: str = Field(description="The bearer token, shown this once; only its SHA-256 is kept")
