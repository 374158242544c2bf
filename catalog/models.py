"""The catalog's tables: SQLAlchemy 2 typed models, identical on SQLite and PostgreSQL.

Enumerations are stored as short strings (``native_enum=False``) so the same migration serves both
engines. Timestamps are stored in UTC and always come back timezone-aware. Lists (fields, access
modes, roles) are JSON. Audit events are append-only; the migration adds triggers that refuse
UPDATE and DELETE on them.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from catalog.catalog_entry import CatalogEntry
from catalog.element_definition import ElementDefinition
from schemas import Grade, MaskKind, OpenType, ShareType

if TYPE_CHECKING:
    from catalog.workflow_tables import RequestObjection


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC and returned timezone-aware, on every engine."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


def _enum(cls: type[StrEnum], length: int = 24) -> Enum:
    return Enum(
        cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Role(StrEnum):
    PUBLISHER = "publisher"  # 提供方
    REQUESTER = "requester"  # 使用方
    STEWARD = "steward"  # 数据管理员
    AUDITOR = "auditor"  # 审计
    ADMIN = "admin"  # 平台管理员


class AccountKind(StrEnum):
    SERVICE = "service"
    PERSON = "person"


class DatasetStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class ObjectionStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # the refusal was reconsidered: the request is pending again
    DISMISSED = "dismissed"  # the refusal stands


class AccessMode(StrEnum):
    QUERY = "query"
    BULK = "bulk"
    VERIFY = "verify"
    AGGREGATE = "aggregate"
    CHANGES = "changes"
    SUBSCRIBE = "subscribe"


class BatchStatus(StrEnum):
    LANDED = "landed"
    STANDARDIZED = "standardized"
    VALIDATED = "validated"
    PUBLISHED = "published"
    REJECTED = "rejected"
    FAILED = "failed"


class QualityDecision(StrEnum):
    PUBLISH = "publish"
    PUBLISH_WITH_QUARANTINE = "publish_with_quarantine"
    REJECT = "reject"


class AuditOutcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"
    ERROR = "error"


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Department(Base):
    """A member organisation. ``region_code`` is a GB/T 2260 six-digit code."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    accounts: Mapped[list[Account]] = relationship(back_populates="department")


class Account(Base):
    """A service account or a person; its bearer token is stored only as its SHA-256."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AccountKind] = mapped_column(_enum(AccountKind), default=AccountKind.SERVICE)
    roles: Mapped[list[Any]] = mapped_column(default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    revoke_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    last_used_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    cert_sha256: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    department: Mapped[Department] = relationship(back_populates="accounts")

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles


class DataElement(ElementDefinition, Base):
    """数据元, mirrored from ``schemas/elements/`` so fields can reference it."""

    __tablename__ = "data_elements"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    standard: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(32))
    check: Mapped[str] = mapped_column(String(64))
    personal: Mapped[bool] = mapped_column(Boolean, default=False)


class Dataset(CatalogEntry, Base):
    """信息资源: one dataset, its owner and its sharing terms (national catalog columns: mixin)."""

    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    steward: Mapped[str] = mapped_column(String(200), default="")
    share_type: Mapped[ShareType] = mapped_column(_enum(ShareType))
    share_basis: Mapped[str] = mapped_column(Text, default="")
    open_type: Mapped[OpenType] = mapped_column(_enum(OpenType))
    grade: Mapped[Grade] = mapped_column(_enum(Grade))
    update_cycle: Mapped[str] = mapped_column(String(16))
    status: Mapped[DatasetStatus] = mapped_column(_enum(DatasetStatus), default=DatasetStatus.DRAFT)
    contract_sha256: Mapped[str] = mapped_column(String(64), default="")
    primary_key: Mapped[list[Any]] = mapped_column(default=list, server_default=text("'[]'"))
    region_field: Mapped[str | None] = mapped_column(String(64), default=None)
    """数据回流: the GB/T 2260 field rows are returned to lower levels by (``catalog.regions``)."""
    handler_field: Mapped[str | None] = mapped_column(String(64), default=None)
    """The field holding the code of the department that handles a row: that department alone
    sees the row's personal fields unmasked (``catalog.read_plan``)."""
    current_snapshot_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[Department] = relationship()
    fields: Mapped[list[Field]] = relationship(
        back_populates="dataset", order_by="Field.position", cascade="all, delete-orphan"
    )


class Field(Base):
    """One column of a dataset, bound to a data element where one applies."""

    __tablename__ = "fields"
    __table_args__ = (UniqueConstraint("dataset_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    title_zh: Mapped[str] = mapped_column(String(200))
    data_element_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_elements.id"), default=None
    )
    duckdb_type: Mapped[str] = mapped_column(String(64))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    personal: Mapped[bool] = mapped_column(Boolean, default=False)
    mask: Mapped[str] = mapped_column(String(40), default=MaskKind.NONE.value)
    """The mask a grantee sees this field through, in its canonical text (``schemas.masks``)."""

    dataset: Mapped[Dataset] = relationship(back_populates="fields")
    data_element: Mapped[DataElement | None] = relationship(lazy="joined")  # few, read together


class ShareRequest(Base):
    """共享申请: a department asks for fields of a dataset, for a stated purpose."""

    __tablename__ = "share_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    requester_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    requested_by_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    fields: Mapped[list[Any]] = mapped_column()
    row_filter: Mapped[list[Any]] = mapped_column(default=list)
    purpose: Mapped[str] = mapped_column(Text)
    scenario: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    access_modes: Mapped[list[Any]] = mapped_column(default=list)
    quota_rows: Mapped[int | None] = mapped_column(BigInteger, default=None)
    expires_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    match_fields: Mapped[list[Any]] = mapped_column(default=list, server_default=text("'[]'"))
    """Masked fields asked for as match keys (exact match, one value per call)."""
    replaces_grant_id: Mapped[int | None] = mapped_column(Integer, default=None)
    """An earlier grant this request, once approved, supersedes (explicitly, on the record).
    No foreign key: grants already reference requests, and a cycle would break table ordering;
    ``catalog.requests`` checks the grant when the request is filed."""
    status: Mapped[RequestStatus] = mapped_column(
        _enum(RequestStatus), default=RequestStatus.PENDING
    )
    decided_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id"), default=None
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    reply_due_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    """When the owner must answer (working days on the official calendar); None once decided
    on filing (unconditional, not shared)."""
    reply_due_provisional: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    scenario_id: Mapped[int | None] = mapped_column(
        ForeignKey("scenario_requests.id", name="fk_share_requests_scenario_id"), default=None
    )
    """The scenario request (应用场景, ``catalog.scenarios``) this request is a member of."""

    dataset: Mapped[Dataset] = relationship()
    requester: Mapped[Department] = relationship()
    objections: Mapped[list[RequestObjection]] = relationship(
        back_populates="request", order_by="RequestObjection.id"
    )

    def overdue(self, now: dt.datetime) -> bool:
        """A pending request whose reply deadline has passed."""
        return (
            self.status is RequestStatus.PENDING
            and self.reply_due_at is not None
            and self.reply_due_at <= now
        )

    def awaits_an_overdue_answer(self, now: dt.datetime) -> bool:
        """Its reply, or the answer to one of its objections, is past its deadline."""
        return self.overdue(now) or any(o.overdue(now) for o in self.objections)


class Grant(Base):
    """授权: what an approved request lets the grantee read, until it expires or is revoked."""

    __tablename__ = "grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("share_requests.id"), unique=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    grantee_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    fields: Mapped[list[Any]] = mapped_column()
    row_filter: Mapped[list[Any]] = mapped_column(default=list)
    purpose: Mapped[str] = mapped_column(Text)
    access_modes: Mapped[list[Any]] = mapped_column(default=list)
    quota_rows: Mapped[int | None] = mapped_column(BigInteger, default=None)
    rows_used: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    revoke_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    match_fields: Mapped[list[Any]] = mapped_column(default=list, server_default=text("'[]'"))
    """Masked fields the grantee may match exactly, one value per call."""
    superseded_by_grant_id: Mapped[int | None] = mapped_column(
        ForeignKey("grants.id", name="fk_grants_superseded_by_grant_id"), default=None
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    dataset: Mapped[Dataset] = relationship()
    request: Mapped[ShareRequest] = relationship(foreign_keys=[request_id])


class Batch(Base):
    """One landing of source data.

    At most one *live* batch per (dataset, SHA-256 of the bytes): a rejected or failed batch
    frees its bytes, so delivering them again makes a new batch (``retry_of`` names the one it
    retries) while the old one stays on record. ``publish_started_at`` is the publish intent,
    written and committed before the lake commit: a batch that has it but is not published was
    interrupted between the two commits, and ``lakehouse.reconcile`` finishes or rolls it back.
    """

    __tablename__ = "batches"
    __table_args__ = (
        Index(
            "uq_batches_live_source",
            "dataset_id",
            "source_sha256",
            unique=True,
            sqlite_where=text("status NOT IN ('rejected', 'failed')"),
            postgresql_where=text("status NOT IN ('rejected', 'failed')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    source_name: Mapped[str] = mapped_column(String(500))
    source_sha256: Mapped[str] = mapped_column(String(64))
    raw_path: Mapped[str] = mapped_column(String(1000))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[BatchStatus] = mapped_column(_enum(BatchStatus), default=BatchStatus.LANDED)
    rows_in: Mapped[int | None] = mapped_column(Integer, default=None)
    rows_published: Mapped[int | None] = mapped_column(Integer, default=None)
    rows_quarantined: Mapped[int | None] = mapped_column(Integer, default=None)
    snapshot_id: Mapped[int | None] = mapped_column(Integer, default=None)
    staging_path: Mapped[str] = mapped_column(String(1000), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    landed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    """When the bytes were received."""
    published_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    source_kind: Mapped[str] = mapped_column(String(16), default="csv", server_default="csv")
    """What was delivered: csv, xlsx, json, ndjson, db … (``lakehouse.sources``)."""
    encoding: Mapped[str] = mapped_column(String(32), default="", server_default="")
    """The text encoding detected or declared for the source ('' where none applies)."""
    delivered_by_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", name="fk_batches_delivered_by_department_id"), default=None
    )
    """The department whose account delivered the file (None: the platform itself)."""
    retry_of: Mapped[int | None] = mapped_column(
        ForeignKey("batches.id", name="fk_batches_retry_of"), default=None
    )
    """The rejected or failed batch of the same bytes this batch runs again."""
    publish_started_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    """The publish intent: set and committed just before the lake commit."""

    dataset: Mapped[Dataset] = relationship()


class QualityReport(Base):
    """The outcome of validating one batch: counts per rule, score, decision, GE result."""

    __tablename__ = "quality_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), unique=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    rows_in: Mapped[int] = mapped_column(Integer)
    rows_passed: Mapped[int] = mapped_column(Integer)
    rows_quarantined: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    decision: Mapped[QualityDecision] = mapped_column(_enum(QualityDecision, 32))
    rule_counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ge_result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    batch_findings: Mapped[dict[str, Any]] = mapped_column(
        default=dict, server_default=text("'{}'")
    )
    """Batch-level checks (row-count change, freshness): code → {passed, observed, bound, …}."""
    snapshot_id: Mapped[int | None] = mapped_column(Integer, default=None)
    """The lake snapshot this report's batch became; a sign-off is bound to it."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    signed_off_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id"), default=None
    )
    signed_off_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    sign_off_note: Mapped[str] = mapped_column(Text, default="", server_default="")

    batch: Mapped[Batch] = relationship()


# Tables kept in their own modules register on Base.metadata here, for Alembic and the tests.
from catalog import contract_tables as _contract_tables  # noqa: E402, F401
from catalog import credential_tables as _credential_tables  # noqa: E402, F401
from catalog import element_tables as _element_tables  # noqa: E402, F401
from catalog import list_tables as _list_tables  # noqa: E402, F401
from catalog import negative_tables as _negative_tables  # noqa: E402, F401
from catalog import scenario_tables as _scenario_tables  # noqa: E402, F401
from catalog import search_tables as _search_tables  # noqa: E402, F401
from catalog import subscription_tables as _subscription_tables  # noqa: E402, F401
from catalog import workflow_tables as _workflow_tables  # noqa: E402, F401
from catalog.audit_tables import AuditCheckpoint as AuditCheckpoint  # noqa: E402
from catalog.audit_tables import AuditEvent as AuditEvent  # noqa: E402
from catalog.audit_tables import LineageEdge as LineageEdge  # noqa: E402
from catalog.audit_tables import LineageEvent as LineageEvent  # noqa: E402
