"""HTTP bodies: pydantic models, separate shapes for what comes in and what goes out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from catalog.models import AccessMode, AccountKind, RequestStatus, Role
from catalog.policy import Op
from schemas import Grade, OpenType, ShareType


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FieldPublic(_Out):
    name: str
    title_zh: str
    duckdb_type: str
    personal: bool
    required: bool


class DatasetPublic(_Out):
    code: str
    title_zh: str
    title_en: str
    description: str
    owner_department: str
    share_type: ShareType
    share_type_zh: str
    share_basis: str
    open_type: OpenType
    grade: Grade
    update_cycle: str
    status: str
    current_snapshot_id: int | None
    fields: list[FieldPublic]


class ConditionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(min_length=1, max_length=64)
    op: Op
    value: str | int | float | list[str | int | float]


class ShareRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: str = Field(min_length=1, max_length=64, description="Dataset code")
    fields: list[str] = Field(min_length=1, max_length=200)
    purpose: str = Field(min_length=1, max_length=2000, description="用途: why the data is needed")
    scenario: str = Field(default="", max_length=2000, description="应用场景")
    legal_basis: str = Field(default="", max_length=2000, description="依据")
    access_modes: list[AccessMode] = Field(default_factory=lambda: [AccessMode.QUERY], min_length=1)
    row_filter: list[ConditionIn] = Field(default_factory=list, max_length=20)
    quota_rows: int | None = Field(default=None, ge=1)
    expires_at: dt.datetime | None = None
    match_fields: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Masked fields to match exactly (one value per call), as 核验 needs",
    )
    replaces_grant_id: int | None = Field(
        default=None,
        ge=1,
        description="An earlier grant of yours on this dataset that the new one replaces",
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=2000)


class ApprovalIn(BaseModel):
    """Approve as asked, or narrow: every term given must lie within what was requested."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=2000)
    fields: list[str] | None = Field(default=None, min_length=1, max_length=200)
    access_modes: list[AccessMode] | None = Field(default=None, min_length=1)
    row_filter: list[ConditionIn] = Field(
        default_factory=list, max_length=20, description="Conditions ANDed to the requested filter"
    )
    match_fields: list[str] | None = Field(default=None, max_length=20)
    quota_rows: int | None = Field(default=None, ge=1)
    expires_at: dt.datetime | None = None


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=2000)


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, description="Why the grant ends now")


class GrantPublic(_Out):
    id: int
    request_id: int
    dataset: str
    grantee_department: str
    fields: list[str]
    row_filter: list[dict[str, Any]]
    purpose: str
    access_modes: list[str]
    quota_rows: int | None
    rows_used: int
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    match_fields: list[str] = []
    revoke_reason: str = ""
    superseded_by_grant_id: int | None = None


class ShareRequestPublic(_Out):
    id: int
    dataset: str
    requester_department: str
    fields: list[str]
    row_filter: list[dict[str, Any]]
    purpose: str
    scenario: str
    legal_basis: str
    access_modes: list[str]
    match_fields: list[str] = []
    replaces_grant_id: int | None = None
    status: RequestStatus
    decision_reason: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    grant: GrantPublic | None = None


class QueryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fields: list[str] | None = Field(default=None, max_length=200)
    filters: list[ConditionIn] = Field(default_factory=list, max_length=20)
    limit: int = Field(default=1000, ge=1, le=10000)
    offset: int = Field(default=0, ge=0)
    grant_id: int | None = Field(
        default=None, ge=1, description="The grant to read through (needed when several are live)"
    )


class ColumnOut(BaseModel):
    name: str
    masked: bool


class DataPage(BaseModel):
    dataset: str
    snapshot_id: int | None
    grant_id: int | None
    columns: list[ColumnOut]
    row_count: int
    rows: list[dict[str, Any]]


class SignOffIn(BaseModel):
    """A steward's sign-off of a quality report (bound to the report's snapshot)."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000, description="签核意见: what the steward checked")


class TrendPointPublic(BaseModel):
    report_id: int
    batch_id: int
    landed_at: dt.datetime
    published_at: dt.datetime | None
    rows_in: int
    rows_quarantined: int
    score: float
    decision: str


class DatasetQualityPublic(BaseModel):
    """A dataset's latest quality report (the report JSON, see its published schema) and trend."""

    dataset: str
    latest: dict[str, Any] | None
    trend: list[TrendPointPublic]


class AccountCreate(BaseModel):
    """A new account. Roles are separated (GB/T 39477): admin, auditor and the operator roles
    (publisher, requester, steward) may not be combined in one account."""

    model_config = ConfigDict(extra="forbid")

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


class AccountRevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, description="Why the account ends now")


class AccountRotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

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
