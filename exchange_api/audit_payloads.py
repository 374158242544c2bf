"""HTTP shapes of the auditor's API (``exchange_api.routes.audit``): log pages, usage reports,
reconciliation. Built from the library's frozen values (``catalog.audit_log``, ``catalog.usage``,
``catalog.usage_reconcile``); times are UTC (ISO 8601), days are China Standard Time days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from catalog.audit_log import LogEntry, LogPage
from catalog.usage import Total, UsageReport, UsageRow
from catalog.usage_reconcile import GrantUse, Reconciliation
from catalog.usage_window import Scope

__all__ = [
    "AuditEventPublic",
    "AuditEventsPage",
    "ReconciliationPublic",
    "UsagePublic",
    "events_page",
    "reconciliation_public",
    "usage_public",
]


class ActorPublic(BaseModel):
    account_id: int | None
    name: str
    """Empty for the platform itself."""
    department_code: str
    department_name: str


class AuditEventPublic(BaseModel):
    """One event of the log: what was done, by whom, to what, and what left the platform
    (counts and a SHA-256 — never the data)."""

    id: int
    occurred_at: dt.datetime
    action: str
    outcome: str
    actor: ActorPublic
    object: str
    dataset: str
    grant_id: int | None
    purpose: str
    params_sha256: str
    rows_sent: int | None
    bytes_sent: int | None
    content_sha256: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class ScopePublic(BaseModel):
    department: str
    dataset: str
    grant_id: int | None


class AuditEventsPage(BaseModel):
    events: list[AuditEventPublic]
    next_before: int | None
    """Pass as ``before`` for the next (older) page; null on the last page."""
    limit: int
    scope: ScopePublic


class CountsPublic(BaseModel):
    key: str
    label: str
    reads: int
    rows: int
    bytes: int
    refused: int


class UsageRowPublic(BaseModel):
    period: str
    period_start: dt.date
    department: str
    department_name: str
    dataset: str
    dataset_title_zh: str
    dataset_title_en: str
    grant_id: int | None
    purposes: list[str]
    accounts: list[str]
    modes: dict[str, int]
    reads: int
    rows: int
    bytes: int
    refused: int


class UsageTotalsPublic(BaseModel):
    by_period: list[CountsPublic]
    by_department: list[CountsPublic]
    by_dataset: list[CountsPublic]
    total: CountsPublic


class UsagePublic(BaseModel):
    date_from: dt.date
    date_to: dt.date
    by: str
    scope: ScopePublic
    rows: list[UsageRowPublic]
    totals: UsageTotalsPublic
    generated_at: dt.datetime


class SpikePublic(BaseModel):
    day: dt.date
    rows: int
    typical: float


class GrantUsePublic(BaseModel):
    grant_id: int
    department: str
    department_name: str
    dataset: str
    dataset_title_zh: str
    dataset_title_en: str
    purpose: str
    state: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    fields: list[str]
    modes_granted: list[str]
    modes_used: list[str]
    reads: int
    rows: int
    bytes: int
    active_days: int
    last_read: dt.datetime | None
    columns_never_read: list[str]
    modes_never_used: list[str]
    quota_rows: int | None
    rows_used: int
    quota_share: float | None
    near_expiry_reads: int
    near_expiry_rows: int
    after_end_reads: int
    spikes: list[SpikePublic]
    findings: list[str]


class ReconciliationPublic(BaseModel):
    date_from: dt.date
    date_to: dt.date
    scope: ScopePublic
    grants: list[GrantUsePublic]
    finding_counts: dict[str, int]
    generated_at: dt.datetime


def _scope(scope: Scope) -> ScopePublic:
    return ScopePublic(
        department=scope.department_code, dataset=scope.dataset_code, grant_id=scope.grant_id
    )


def _event(e: LogEntry) -> AuditEventPublic:
    return AuditEventPublic(
        id=e.id,
        occurred_at=e.occurred_at,
        action=e.action,
        outcome=e.outcome,
        actor=ActorPublic(
            account_id=e.actor_account_id,
            name=e.actor_name,
            department_code=e.department_code,
            department_name=e.department_name,
        ),
        object=e.object,
        dataset=e.dataset_code,
        grant_id=e.grant_id,
        purpose=e.purpose,
        params_sha256=e.params_sha256,
        rows_sent=e.rows_sent,
        bytes_sent=e.bytes_sent,
        content_sha256=e.content_sha256,
        detail=e.detail,
        prev_hash=e.prev_hash,
        hash=e.hash,
    )


def events_page(page: LogPage) -> AuditEventsPage:
    return AuditEventsPage(
        events=[_event(e) for e in page.entries],
        next_before=page.next_before,
        limit=page.limit,
        scope=_scope(page.scope),
    )


def _counts(t: Total) -> CountsPublic:
    return CountsPublic(
        key=t.key, label=t.label, reads=t.reads, rows=t.rows, bytes=t.bytes, refused=t.refused
    )


def _usage_row(r: UsageRow) -> UsageRowPublic:
    return UsageRowPublic(
        period=r.period,
        period_start=r.period_start,
        department=r.department_code,
        department_name=r.department_name,
        dataset=r.dataset_code,
        dataset_title_zh=r.dataset_title_zh,
        dataset_title_en=r.dataset_title_en,
        grant_id=r.grant_id,
        purposes=list(r.purposes),
        accounts=list(r.accounts),
        modes=dict(r.modes),
        reads=r.reads,
        rows=r.rows,
        bytes=r.bytes,
        refused=r.refused,
    )


def usage_public(report: UsageReport) -> UsagePublic:
    return UsagePublic(
        date_from=report.window.first_day,
        date_to=report.window.last_day,
        by=report.period.value,
        scope=_scope(report.scope),
        rows=[_usage_row(r) for r in report.rows],
        totals=UsageTotalsPublic(
            by_period=[_counts(t) for t in report.by_period],
            by_department=[_counts(t) for t in report.by_department],
            by_dataset=[_counts(t) for t in report.by_dataset],
            total=_counts(report.total),
        ),
        generated_at=report.generated_at,
    )


def _grant_use(g: GrantUse) -> GrantUsePublic:
    return GrantUsePublic(
        grant_id=g.grant_id,
        department=g.department_code,
        department_name=g.department_name,
        dataset=g.dataset_code,
        dataset_title_zh=g.dataset_title_zh,
        dataset_title_en=g.dataset_title_en,
        purpose=g.purpose,
        state=g.state,
        created_at=g.created_at,
        expires_at=g.expires_at,
        revoked_at=g.revoked_at,
        fields=list(g.fields),
        modes_granted=list(g.modes_granted),
        modes_used=list(g.modes_used),
        reads=g.reads,
        rows=g.rows,
        bytes=g.bytes,
        active_days=g.active_days,
        last_read=g.last_read,
        columns_never_read=list(g.columns_never_read),
        modes_never_used=list(g.modes_never_used),
        quota_rows=g.quota_rows,
        rows_used=g.rows_used,
        quota_share=g.quota_share,
        near_expiry_reads=g.near_expiry_reads,
        near_expiry_rows=g.near_expiry_rows,
        after_end_reads=g.after_end_reads,
        spikes=[SpikePublic(day=s.day, rows=s.rows, typical=s.typical) for s in g.spikes],
        findings=list(g.findings),
    )


def reconciliation_public(recon: Reconciliation) -> ReconciliationPublic:
    return ReconciliationPublic(
        date_from=recon.window.first_day,
        date_to=recon.window.last_day,
        scope=_scope(recon.scope),
        grants=[_grant_use(g) for g in recon.grants],
        finding_counts=dict(recon.finding_counts),
        generated_at=recon.generated_at,
    )
