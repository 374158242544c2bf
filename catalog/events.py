"""Every audited act, one small frozen dataclass each.

An event names its ``action`` and carries what an auditor needs to know about the act. It is
written only through ``catalog.audit.record``; ``detail()`` is what goes into the chained JSON.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from catalog.models import AuditOutcome


@dataclass(frozen=True, kw_only=True)
class AuditedEvent:
    action: ClassVar[str]
    rows_field: ClassVar[str] = "row_count"
    """The detail field that counts the rows sent (the envelope's ``rows_sent``); empty for an
    act that sends answers but no stored row (a 核验 verification)."""
    digest_field: ClassVar[str] = "content_sha256"
    """The detail field holding the SHA-256 of what was sent (the envelope's)."""
    outcome: AuditOutcome = AuditOutcome.OK
    dataset_id: int | None = None
    grant_id: int | None = None

    def detail(self) -> dict[str, Any]:
        return {name: _plain(getattr(self, name)) for name in _detail_fields(type(self))}

    # --- the envelope: the same few facts for every kind of act (``catalog.audit.record``) ---

    def object_ref(self) -> str:
        """What the act was done to, as ``kind:id``: the most specific object the event names
        (``resource`` when it says so itself), else ``platform``."""
        resource = getattr(self, "resource", None)
        if isinstance(resource, str) and resource:
            return resource
        for kind in _OBJECT_KINDS:
            value = getattr(self, f"{kind}_id", None)
            if isinstance(value, int) and not isinstance(value, bool):
                return f"{kind}:{value}"
        return "platform"

    def stated_purpose(self) -> str:
        """The purpose the act was done for (a read's, a request's), else empty."""
        value = getattr(self, "purpose", "")
        return value if isinstance(value, str) else ""

    def sent(self) -> tuple[int | None, int | None, str]:
        """(rows, bytes, SHA-256) of what left the platform, when the act sent anything."""
        rows = getattr(self, self.rows_field, None) if self.rows_field else None
        size = getattr(self, "bytes_sent", None)
        digest = getattr(self, self.digest_field, "")
        return (
            rows if isinstance(rows, int) else None,
            size if isinstance(size, int) else None,
            digest if isinstance(digest, str) else "",
        )

    def params(self, detail: dict[str, Any] | None = None) -> dict[str, Any]:
        """The act's parameters: its detail (``detail``, when already at hand) without what was
        sent; hashed into the envelope."""
        detail = self.detail() if detail is None else detail
        return {k: v for k, v in detail.items() if k not in _RESULT_FIELDS}


#: Objects an event may name, most specific first (``object_ref``).
_OBJECT_KINDS: tuple[str, ...] = (
    "objection",
    "request",
    "subscription",
    "report",
    "batch",
    "account",
    "grant",
    "dataset",
)
#: Detail fields that say what was sent rather than what was asked.
_RESULT_FIELDS = frozenset({"row_count", "bytes_sent", "content_sha256", "complete"})


_FIELDS: dict[type, tuple[str, ...]] = {}


def _detail_fields(cls: type) -> tuple[str, ...]:
    """The fields of an event class that go into its detail (all but the envelope's)."""
    names = _FIELDS.get(cls)
    if names is None:
        skip = {"outcome", "dataset_id", "grant_id"}
        names = tuple(f.name for f in dataclasses.fields(cls) if f.name not in skip)
        _FIELDS[cls] = names
    return names


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list | frozenset | set):
        items = [_plain(v) for v in value]
        return sorted(items) if isinstance(value, frozenset | set) else items
    return value


@dataclass(frozen=True, kw_only=True)
class DatasetRegistered(AuditedEvent):
    """A dataset contract was loaded into the catalog (new or changed)."""

    action: ClassVar[str] = "dataset.registered"
    code: str
    contract_sha256: str


@dataclass(frozen=True, kw_only=True)
class RequestFiled(AuditedEvent):
    """A department asked for fields of a dataset."""

    action: ClassVar[str] = "request.filed"
    request_id: int
    fields: tuple[str, ...]
    purpose: str


@dataclass(frozen=True, kw_only=True)
class RequestDecided(AuditedEvent):
    """The owner (or the platform, for unconditional and not-shared data) decided a request."""

    action: ClassVar[str] = "request.decided"
    request_id: int
    status: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class GrantRevoked(AuditedEvent):
    """A publisher of the owner department revoked a grant: it stops at once."""

    action: ClassVar[str] = "grant.revoked"
    reason: str


@dataclass(frozen=True, kw_only=True)
class ActRefused(AuditedEvent):
    """The access decision refused an act (other than a read): who tried what, on what, and why."""

    action: ClassVar[str] = "access.refused"
    outcome: AuditOutcome = AuditOutcome.REFUSED
    act: str
    code: str
    reason: str
    resource: str
    """What the act was aimed at, as ``kind:id`` (``request:12``, ``grant:3``, ``platform``)."""


@dataclass(frozen=True, kw_only=True)
class GrantIssued(AuditedEvent):
    """A grant was issued on an approved request, with the terms it carries."""

    action: ClassVar[str] = "grant.issued"
    request_id: int
    fields: tuple[str, ...]
    match_fields: tuple[str, ...]
    access_modes: tuple[str, ...]
    row_filter: tuple[Any, ...]
    quota_rows: int | None
    expires_at: str
    narrowed: tuple[str, ...]
    """Which terms the owner narrowed from what was asked (fields, modes, rows, quota, expiry)."""


@dataclass(frozen=True, kw_only=True)
class GrantSuperseded(AuditedEvent):
    """An earlier grant ended because a request that named it was approved."""

    action: ClassVar[str] = "grant.superseded"
    superseded_by_grant_id: int
    request_id: int


@dataclass(frozen=True, kw_only=True)
class RequestWithdrawn(AuditedEvent):
    """The requesting department withdrew its pending request."""

    action: ClassVar[str] = "request.withdrawn"
    request_id: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class ObjectionFiled(AuditedEvent):
    """The requesting department objected (异议) to a refusal; the owner's answer is due."""

    action: ClassVar[str] = "objection.filed"
    request_id: int
    objection_id: int
    reason: str
    due_at: str
    due_provisional: bool


@dataclass(frozen=True, kw_only=True)
class ObjectionAnswered(AuditedEvent):
    """The owner upheld (the request is open again) or dismissed an objection."""

    action: ClassVar[str] = "objection.answered"
    request_id: int
    objection_id: int
    status: str
    answer: str
    late: bool
    """Answered after its deadline."""


@dataclass(frozen=True, kw_only=True)
class DataRead(AuditedEvent):
    """Shared data left the platform: what, for which purpose, how much, and a hash of it."""

    action: ClassVar[str] = "data.read"
    purpose: str
    columns: tuple[str, ...]
    masked_columns: tuple[str, ...]
    filters: tuple[Any, ...]
    row_count: int
    bytes_sent: int
    content_sha256: str
    snapshot_id: int | None
    plan: dict[str, Any] | None = None
    """The rest of the access plan as executed (``catalog.replay_terms``): what a replay of this
    read needs (``lakehouse.reproduce``). Empty on reads recorded before replays were kept."""


@dataclass(frozen=True, kw_only=True)
class ReadRefused(AuditedEvent):
    """A read was refused; nothing was sent."""

    action: ClassVar[str] = "data.read_refused"
    outcome: AuditOutcome = AuditOutcome.REFUSED
    code: str
    reason: str
    requested_columns: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class BatchLanded(AuditedEvent):
    """A department's extract was copied, unchanged, into the raw zone (by its SHA-256)."""

    action: ClassVar[str] = "batch.landed"
    batch_id: int
    source_sha256: str
    size_bytes: int


@dataclass(frozen=True, kw_only=True)
class BatchPublished(AuditedEvent):
    """A checked batch became a lake snapshot; its quarantined rows did not."""

    action: ClassVar[str] = "batch.published"
    batch_id: int
    snapshot_id: int
    rows_published: int
    rows_quarantined: int
    rows_superseded: int = 0
    """Duplicate-key copies set aside by the contract's keep_first/keep_last (not failures)."""
    mode: str = "append"
    """The contract's publish mode: append, merge or replace."""


@dataclass(frozen=True, kw_only=True)
class BatchRejected(AuditedEvent):
    """A batch was refused as a whole (malformed, or below its quality threshold)."""

    action: ClassVar[str] = "batch.rejected"
    outcome: AuditOutcome = AuditOutcome.REFUSED
    batch_id: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class IngestFailed(AuditedEvent):
    """An ingestion run of the dataset failed (a task's last attempt raised): an alert for the
    dataset's steward, on the dataset's record. ``batch_id`` is absent when the run failed
    before landing; a batch rejected for its quality or as malformed is ``batch.rejected``."""

    action: ClassVar[str] = "batch.ingest_failed"
    outcome: AuditOutcome = AuditOutcome.ERROR
    batch_id: int | None = None
    task: str
    run: str
    error: str


@dataclass(frozen=True, kw_only=True)
class BatchRolledBack(AuditedEvent):
    """Rows of a batch that reached the lake without the catalog's publication (a failed or
    refused batch, or one the catalog never knew) were deleted from the lake by reconciliation,
    in snapshot ``snapshot_id``; no reader was ever served them."""

    action: ClassVar[str] = "batch.rolled_back"
    batch_id: int
    snapshot_id: int
    rows_removed: int


@dataclass(frozen=True, kw_only=True)
class CheckpointSigned(AuditedEvent):
    """The chain's head was signed (Ed25519) at ``last_event_id``; the signature is in
    ``audit_checkpoints``, which is append-only too."""

    action: ClassVar[str] = "audit.checkpoint_signed"
    last_event_id: int
    last_hash: str


@dataclass(frozen=True, kw_only=True)
class ReportSignedOff(AuditedEvent):
    """A steward of the owner department signed off a batch's quality report.

    Bound to the lake snapshot the batch became and to ``report_sha256``, the SHA-256 of the
    canonical report JSON as signed (``quality.reports.report_sha256``: ``sign_off`` null).
    """

    action: ClassVar[str] = "quality.report_signed_off"
    report_id: int
    batch_id: int
    snapshot_id: int
    report_sha256: str
    note: str


@dataclass(frozen=True, kw_only=True)
class QuarantineSampleRead(AuditedEvent):
    """Masked quarantined rows of a batch were shown with its quality report."""

    action: ClassVar[str] = "quality.quarantine_sample_read"
    report_id: int
    batch_id: int
    row_count: int
    content_sha256: str


# --- identity: accounts, tokens, sign-in ---------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AccountIssued(AuditedEvent):
    """An account was issued; its token was shown once (only its first characters are here)."""

    action: ClassVar[str] = "account.issued"
    account_id: int
    department: str
    name: str
    kind: str
    roles: tuple[str, ...]
    token_prefix: str
    expires_at: str
    cert_sha256: str
    bootstrap: bool
    """True for a catalog's first admin, made by the platform itself without a token."""


@dataclass(frozen=True, kw_only=True)
class AccountRevoked(AuditedEvent):
    """An account was revoked: its token, its certificate mapping and its portal sessions end."""

    action: ClassVar[str] = "account.revoked"
    account_id: int
    reason: str
    sessions_ended: int


@dataclass(frozen=True, kw_only=True)
class TokenRotated(AuditedEvent):
    """An account got a new token; the old one stopped at once, and so did its portal sessions."""

    action: ClassVar[str] = "account.token_rotated"
    account_id: int
    token_prefix: str
    expires_at: str
    sessions_ended: int


@dataclass(frozen=True, kw_only=True)
class CredentialRefused(AuditedEvent):
    """A token, portal session or client certificate was refused. ``code`` is what the caller
    was told; ``reason`` is the precise cause, for the auditor only (``auth.token_revoked``…)."""

    action: ClassVar[str] = "auth.refused"
    outcome: AuditOutcome = AuditOutcome.REFUSED
    credential: str
    code: str
    reason: str
    account_id: int | None
    """The account a known credential belongs to (expired, revoked); empty for unknown ones."""
    client: str


@dataclass(frozen=True, kw_only=True)
class LockoutStarted(AuditedEvent):
    """A client address reached the limit of refused credentials and is locked out until
    ``until`` (every attempt from it answers 429 ``auth.locked`` meanwhile)."""

    action: ClassVar[str] = "auth.lockout_started"
    outcome: AuditOutcome = AuditOutcome.REFUSED
    client: str
    failures: int
    until: str


@dataclass(frozen=True, kw_only=True)
class PortalSignedIn(AuditedEvent):
    """A browser signed in to the portal; ``session_id`` is the row, never the cookie."""

    action: ClassVar[str] = "portal.signed_in"
    account_id: int
    session_id: int
    client: str
    expires_at: str


@dataclass(frozen=True, kw_only=True)
class PortalSignedOut(AuditedEvent):
    """A portal session was ended by signing out."""

    action: ClassVar[str] = "portal.signed_out"
    account_id: int
    session_id: int


@dataclass(frozen=True, kw_only=True)
class PortalFormRefused(AuditedEvent):
    """A portal form was refused before anything else was looked at: no session cookie, a
    missing or wrong CSRF token, or another site's ``Origin``. ``code`` is what the browser was
    told (``csrf.invalid``); ``reason`` the precise cause, for the auditor."""

    action: ClassVar[str] = "portal.form_refused"
    outcome: AuditOutcome = AuditOutcome.REFUSED
    code: str
    reason: str
    path: str
    client: str
