"""HTTP bodies: pydantic models, separate shapes for what comes in and what goes out.

What comes in is bounded so that no well-formed JSON can reach a store it would break:

- every integer fits the column or engine parameter it lands in (ids and offsets a signed 64-bit
  integer; a row quota at most 2^31-1 rows);
- every string of every body is text: a lone UTF-16 surrogate (``"\\ud800"``, which JSON allows
  but UTF-8 cannot encode) or a NUL (which PostgreSQL refuses) is a 422, not a crash later;
- a date or date-time written without a zone is China Standard Time (UTC+08:00, no daylight
  saving since 1991), and a bare date means the *end* of that day there: ``"2030-01-01"`` expires
  at 2030-01-02T00:00:00+08:00, the first instant no longer on that date.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from catalog.models import AccessMode, RequestStatus
from catalog.policy import Op
from catalog.workdays import CHINA
from schemas import Grade, OpenType, ShareType

BIGINT_MAX = 2**63 - 1
"""The largest id or offset: a signed 64-bit integer (SQLite INTEGER, DuckDB BIGINT)."""

QUOTA_MAX = 2**31 - 1
"""The largest row quota a request may ask for (the column is 64-bit; no share needs more)."""

CHINA_STANDARD_TIME = CHINA
"""The zone of a date or date-time written without one: the one the deadlines are counted in
(Asia/Shanghai has kept UTC+08:00 since 1991, so a fixed offset is exact for any date)."""

_NOT_TEXT = re.compile(r"[\x00\ud800-\udfff]")
_BARE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

PathId = Annotated[
    int, Path(ge=1, le=BIGINT_MAX, description="A catalog id: 1 to 2^63-1", examples=[1])
]


def _text_problem(value: Any) -> str | None:
    if isinstance(value, str):
        if _NOT_TEXT.search(value):
            return "must not contain NUL or unpaired UTF-16 surrogates"
        return None
    if isinstance(value, list | tuple):
        return next((p for v in value if (p := _text_problem(v)) is not None), None)
    return None


TEXT_PATTERN = "^[^\\u0000]*$"
"""What "plain text" means, as far as the OpenAPI document can say it (ECMA-262 regex): no NUL.
A lone surrogate is refused too (:func:`_text_problem`), but a character-class range over
surrogates is not portable across regex engines — fuzzers drop such a pattern — and JSON text
that is valid Unicode never carries one."""


def _declare_text(schema: dict[str, Any]) -> None:
    """Give every free-text string of a body schema the :data:`TEXT_PATTERN` it is checked by."""
    if schema.get("type") == "string" and not {"enum", "format", "pattern", "const"} & set(schema):
        schema["pattern"] = TEXT_PATTERN
    for key in ("properties", "$defs"):
        for child in (schema.get(key) or {}).values():
            _declare_text(child)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for child in schema.get(key) or ():
            _declare_text(child)
    if isinstance(schema.get("items"), dict):
        _declare_text(schema["items"])


class BodyIn(BaseModel):
    """Every request body: unknown keys refused, every string (nested ones too) plain text."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_declare_text)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        problem = _text_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


def end_of_day(value: Any) -> Any:
    """A bare ``YYYY-MM-DD`` becomes the start of the next day in China Standard Time (the end
    of that day there); anything else is left for pydantic to parse."""
    if isinstance(value, str) and _BARE_DATE.match(value):
        try:
            day = dt.date.fromisoformat(value) + dt.timedelta(days=1)
        except (ValueError, OverflowError):
            raise ValueError("not a calendar date within 0001-01-01..9999-12-30") from None
        return dt.datetime.combine(day, dt.time(), CHINA_STANDARD_TIME)
    return value


def in_utc(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC, a naive one read as China Standard Time; refused if UTC cannot hold it."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA_STANDARD_TIME)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("date-time out of range") from None


Quota = Annotated[
    int, Field(ge=1, le=QUOTA_MAX, description="Most rows the grant may deliver in all")
]
Expiry = Annotated[
    dt.datetime,
    BeforeValidator(end_of_day),
    AfterValidator(in_utc),
    Field(
        description="When access ends. Without a zone it is China Standard Time (UTC+08:00); "
        "a bare date means the end of that day there (access ends at the next midnight).",
        examples=["2030-12-31", "2030-12-31T18:00:00+08:00"],
    ),
]


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


class ConditionIn(BodyIn):
    field: str = Field(min_length=1, max_length=64)
    op: Op
    value: str | int | float | list[str | int | float]


class ShareRequestCreate(BodyIn):
    dataset: str = Field(min_length=1, max_length=64, description="Dataset code")
    fields: list[str] = Field(min_length=1, max_length=200)
    purpose: str = Field(min_length=1, max_length=2000, description="用途: why the data is needed")
    scenario: str = Field(default="", max_length=2000, description="应用场景")
    legal_basis: str = Field(default="", max_length=2000, description="依据")
    access_modes: list[AccessMode] = Field(default_factory=lambda: [AccessMode.QUERY], min_length=1)
    row_filter: list[ConditionIn] = Field(default_factory=list, max_length=20)
    quota_rows: Quota | None = None
    expires_at: Expiry | None = None
    match_fields: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Masked fields to match exactly (one value per call), as 核验 needs",
    )
    replaces_grant_id: int | None = Field(
        default=None,
        ge=1,
        le=BIGINT_MAX,
        description="An earlier grant of yours on this dataset that the new one replaces",
    )


class RefusalIn(BodyIn):
    """A refusal must say why (the requester is owed a reason): blank is not a reason."""

    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
    ] = Field(description="不予共享理由: why the request is refused (required, not blank)")


class ApprovalIn(BodyIn):
    """Approve as asked, or narrow: every term given must lie within what was requested."""

    reason: str = Field(default="", max_length=2000)
    fields: list[str] | None = Field(default=None, min_length=1, max_length=200)
    access_modes: list[AccessMode] | None = Field(default=None, min_length=1)
    row_filter: list[ConditionIn] = Field(
        default_factory=list, max_length=20, description="Conditions ANDed to the requested filter"
    )
    match_fields: list[str] | None = Field(default=None, max_length=20)
    quota_rows: Quota | None = None
    expires_at: Expiry | None = None


class WithdrawIn(BodyIn):
    reason: str = Field(default="", max_length=2000)


class RevokeIn(BodyIn):
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
    expiry_recorded_at: dt.datetime | None = Field(
        default=None,
        description="When the platform put the grant's expiry on the record (grant.expired) and "
        "stopped its subscriptions; absent until then",
    )


class ObjectionIn(BodyIn):
    """异议: why the refusal should be reconsidered."""

    reason: str = Field(min_length=1, max_length=2000)


class ObjectionAnswerIn(BodyIn):
    """The owner's answer: ``uphold`` reopens the request; otherwise the refusal stands."""

    uphold: bool
    answer: str = Field(min_length=1, max_length=2000)


class ObjectionPublic(_Out):
    id: int
    reason: str
    filed_at: dt.datetime
    due_at: dt.datetime
    due_provisional: bool
    overdue: bool
    status: str
    answer: str
    answered_at: dt.datetime | None


class RenewIn(BodyIn):
    """Ask for a held grant again, on the same terms, until a later expiry."""

    expires_at: Expiry | None = None
    purpose: str | None = Field(default=None, min_length=1, max_length=2000)


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
    reply_due_at: dt.datetime | None = Field(
        default=None, description="When the owner must answer (working days, official calendar)"
    )
    reply_due_provisional: bool = Field(
        default=False, description="The deadline reaches a year the official calendar lacks"
    )
    overdue: bool = False
    escalated_at: dt.datetime | None = Field(
        default=None,
        description="When the platform last escalated a reply (or objection answer) of this "
        "request as past its deadline; absent when it never was",
    )
    objections: list[ObjectionPublic] = []
    grant: GrantPublic | None = None


class QueryIn(BodyIn):
    fields: list[str] | None = Field(default=None, max_length=200)
    filters: list[ConditionIn] = Field(default_factory=list, max_length=20)
    limit: int = Field(default=1000, ge=1, le=10000)
    offset: int = Field(default=0, ge=0, le=BIGINT_MAX)
    grant_id: int | None = Field(
        default=None,
        ge=1,
        le=BIGINT_MAX,
        description="The grant to read through (needed when several are live)",
    )
    cursor: str | None = Field(
        default=None,
        max_length=1024,
        description="The 'next' cursor of the previous page: continue after it (keyset paging)",
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
    next: str | None = Field(
        default=None, description="Signed cursor of the following page; null on the last page"
    )


class SignOffIn(BodyIn):
    """A steward's sign-off of a quality report (bound to the report's snapshot)."""

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


CheckState = Literal["ok", "failed"]


class ProblemLocation(BaseModel):
    """Where a request failed its schema (422 ``request.invalid`` only)."""

    loc: list[str] = Field(description="Path to the failing part: body, query, path, then keys")
    msg: str
    type: str


class Problem(BaseModel):
    """Every error answer: an RFC 9457 problem, served as ``application/problem+json``."""

    type: str = Field(
        description="urn:zhongtai:problem:{code}", examples=["urn:zhongtai:problem:grant.missing"]
    )
    title: str = Field(description="The status in words", examples=["Access refused"])
    status: int = Field(description="The HTTP status, repeated", examples=[403])
    code: str = Field(description="Stable machine code to branch on", examples=["grant.missing"])
    detail: str = Field(description="For people; never quotes data values")
    instance: str | None = Field(default=None, description="The request path that failed")
    errors: list[ProblemLocation] | None = Field(
        default=None, description="For 422 request.invalid: each part that failed the schema"
    )
    checks: dict[str, CheckState] | None = Field(
        default=None, description="For 503 service.not_ready: each component, ok or failed"
    )


class ReadyPublic(BaseModel):
    """The platform can serve audited reads: catalog, audit store and lake all answer."""

    status: Literal["ready"]
    checks: dict[str, CheckState]
