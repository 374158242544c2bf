"""智能报表: pre-fill a report template from the reader's granted data, audit it, trace it.

:func:`prefill` is the only way a report's platform values leave the lake:

1. ``report.prefill`` is decided by ``catalog.policy.authorize`` (any requester; a refusal is
   audited and raised).
2. Every source dataset's terms, the reader's live grant on it and its current snapshot are
   gathered; each platform field is decided by ``catalog.report_prefill.decide_field`` — the
   ``data.aggregate`` decision for every dataset it reads — into a plan or a ``to_collect``
   reason naming what to request.
3. Each planned field runs as one DuckDB statement (``lakehouse.report_sql``): joined on a keyed
   hash under a per-report key, small counts suppressed inside DuckDB.
4. Each grant used is charged one row per value sent (as an aggregate is per group); one
   ``report.prefilled`` event names the template, month and every source (dataset, snapshot,
   grant) with a hash of the report document; one OpenLineage run has the sources as inputs and
   the report as output (``lakehouse.lineage_reports``). The caller commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.errors import Conflict
from catalog.grants import consume_quota, grant_for_read
from catalog.guard import ensure
from catalog.keys import report_key
from catalog.models import Dataset, Grant, utcnow
from catalog.principals import Principal
from catalog.read_plan import Refusal
from catalog.report_events import ReportPrefilled
from catalog.report_prefill import (
    SourcePlan,
    SourceTerms,
    ToCollect,
    decide_field,
    placeholders,
    repeated_collection,
)
from catalog.resources import PLATFORM, DatasetTerms, GrantTerms
from lakehouse.lineage_reports import record_report_lineage
from lakehouse.report_sql import run_field
from schemas.report_templates import Fill, ReportField, ReportTemplate

__all__ = ["FilledField", "PrefilledReport", "SourceUse", "prefill", "report_json"]

REUSED, TO_COLLECT = "reused", "to_collect"


@dataclass(frozen=True, slots=True)
class FilledField:
    """One field of the pre-filled report: its status (``reused``, ``to_collect``, ``period``,
    ``scope``), value, where it came from, or why the office must still collect it."""

    name: str
    title_zh: str
    fill: str
    status: str
    value: str | None = None
    dataset: str = ""
    snapshot_id: int | None = None
    grant_id: int | None = None
    measure: str = ""
    via_dataset: str = ""
    via_snapshot_id: int | None = None
    via_grant_id: int | None = None
    reason_code: str = ""
    reason: str = ""
    missing: tuple[str, ...] = ()
    collected_today: bool = False
    repeated_collection: bool = False


@dataclass(frozen=True, slots=True)
class SourceUse:
    """A dataset the pre-fill read: at which snapshot, through which grant, for which fields."""

    dataset: str
    snapshot_id: int
    grant_id: int | None
    fields: tuple[str, ...]

    @property
    def label(self) -> str:
        through = f"#{self.grant_id}" if self.grant_id is not None else "#owner"
        return f"{self.dataset}@{self.snapshot_id}{through}"


@dataclass(frozen=True, slots=True)
class PrefilledReport:
    template: str
    title_zh: str
    month: str
    department: str
    fields: tuple[FilledField, ...]
    sources: tuple[SourceUse, ...]
    min_group_size: int
    event_id: int | None = None
    content_sha256: str = ""

    def field(self, name: str) -> FilledField:
        return next(f for f in self.fields if f.name == name)

    @property
    def reused(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.status == REUSED)

    @property
    def to_collect(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.status == TO_COLLECT)

    @property
    def repeated(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.repeated_collection)


def report_json(report: PrefilledReport) -> dict[str, Any]:
    """The report as the API sends it (and the audit record hashes, without ``event_id``)."""
    return {
        "template": report.template,
        "title_zh": report.title_zh,
        "month": report.month,
        "department": report.department,
        "min_group_size": report.min_group_size,
        "counts": {
            "reused": len(report.reused),
            "to_collect": len(report.to_collect),
            "repeated_collection": len(report.repeated),
        },
        "fields": [
            {
                "name": f.name,
                "title_zh": f.title_zh,
                "fill": f.fill,
                "status": f.status,
                "value": f.value,
                "source": None
                if not f.dataset
                else {
                    "dataset": f.dataset,
                    "snapshot_id": f.snapshot_id,
                    "grant_id": f.grant_id,
                    "measure": f.measure,
                    "via": None
                    if not f.via_dataset
                    else {
                        "dataset": f.via_dataset,
                        "snapshot_id": f.via_snapshot_id,
                        "grant_id": f.via_grant_id,
                    },
                },
                "reason": None
                if not f.reason_code
                else {"code": f.reason_code, "text": f.reason, "missing": list(f.missing)},
                "collected_today": f.collected_today,
                "repeated_collection": f.repeated_collection,
            }
            for f in report.fields
        ],
        "sources": [
            {
                "dataset": s.dataset,
                "snapshot_id": s.snapshot_id,
                "grant_id": s.grant_id,
                "fields": list(s.fields),
            }
            for s in report.sources
        ],
    }


def _text(value: int | Decimal | None) -> str | None:
    if value is None:
        return None
    return f"{value:.2f}" if isinstance(value, Decimal) else str(value)


def _gather(
    session: Session, principal: Principal, template: ReportTemplate, now: dt.datetime
) -> tuple[dict[str, SourceTerms | None], dict[int, Grant]]:
    codes: list[str] = []
    for f in template.fields:
        if f.source is not None:
            codes.append(f.source.dataset)
            if f.source.via is not None:
                codes.append(f.source.via.dataset)
    sources: dict[str, SourceTerms | None] = {}
    grants: dict[int, Grant] = {}
    for code in dict.fromkeys(codes):
        dataset = session.scalars(select(Dataset).where(Dataset.code == code)).one_or_none()
        if dataset is None:
            sources[code] = None
            continue
        terms = DatasetTerms.of(dataset)
        problem: Refusal | None = None
        try:
            grant = grant_for_read(session, principal, dataset.id, None, now)
        except Conflict as exc:  # several live grants: none is chosen for the office
            grant, problem = None, Refusal(exc.code, str(exc))
        if grant is not None:
            grants[grant.id] = grant
        sources[code] = SourceTerms(
            terms,
            GrantTerms.of(grant, dataset=terms) if grant is not None else None,
            dataset.current_snapshot_id,
            problem,
        )
    return sources, grants


def _scope_value(template: ReportTemplate, field: ReportField) -> str:
    if field.name in template.scope:
        return template.scope[field.name]
    key = "region" if field.element == "admin_division" else "street"
    return template.scope.get(key, "")


def _filled(
    field: ReportField,
    decided: SourcePlan | ToCollect,
    value: int | Decimal | None,
    kept: bool,
    repeated: bool,
) -> FilledField:
    base = FilledField(
        field.name,
        field.title_zh,
        field.fill.value,
        TO_COLLECT,
        collected_today=field.collected_today,
        repeated_collection=repeated,
    )
    if isinstance(decided, ToCollect):
        return replace(
            base, reason_code=decided.code, reason=decided.reason, missing=decided.missing
        )
    common: dict[str, Any] = {
        "dataset": decided.dataset,
        "snapshot_id": decided.snapshot_id,
        "grant_id": decided.plan.grant_id,
        "measure": decided.measure.value,
        "via_dataset": decided.via_dataset,
        "via_snapshot_id": decided.via_snapshot_id,
        "via_grant_id": decided.via_plan.grant_id if decided.via_plan is not None else None,
    }
    if not kept:
        return replace(
            base,
            **common,
            reason_code="report.suppressed",
            reason=f"fewer than {decided.min_group_size} people or rows: a count this small is "
            "not sent (the platform's minimum group size)",
        )
    return replace(base, **common, status=REUSED, value=_text(value))


def prefill(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    principal: Principal,
    template: ReportTemplate,
    month: str,
    *,
    mask_master: Callable[[], bytes],
    min_group_size: int,
    now: dt.datetime | None = None,
) -> PrefilledReport:
    """Pre-fill ``template`` for ``month`` (``YYYY-MM``, checked by the caller) as ``principal``;
    the caller commits (a refusal is audited in ``session`` and raised)."""
    now = now or utcnow()
    ensure(session, principal, act.REPORT_PREFILL, PLATFORM, now=now)
    sources, grants = _gather(session, principal, template, now)
    values = placeholders(template, month)
    key: bytes | None = None
    filled: list[FilledField] = []
    used: dict[tuple[str, int, int | None], list[str]] = {}
    sent: Counter[int] = Counter()
    for field in template.fields:
        repeated = repeated_collection(principal, field, sources)
        if field.fill is Fill.PERIOD:
            filled.append(FilledField(field.name, field.title_zh, "period", "period", month))
            continue
        if field.fill is Fill.SCOPE:
            scope = _scope_value(template, field)
            filled.append(FilledField(field.name, field.title_zh, "scope", "scope", scope))
            continue
        if field.fill is Fill.COLLECT:
            decided: SourcePlan | ToCollect = ToCollect(
                "collect", "only the office knows it: the template says collect"
            )
            filled.append(_filled(field, decided, None, False, repeated))
            continue
        decided = decide_field(
            principal, field, sources, values, min_group_size=min_group_size, now=now
        )
        if isinstance(decided, ToCollect):
            filled.append(_filled(field, decided, None, False, repeated))
            continue
        if key is None:
            key = report_key(mask_master(), f"{template.code}/{month}/{principal.department_code}")
        result = run_field(con, decided, key)
        filled.append(_filled(field, decided, result.value, result.kept, repeated))
        reads = [(decided.dataset, decided.snapshot_id, decided.plan.grant_id)]
        if decided.via_plan is not None and decided.via_snapshot_id is not None:
            reads.append((decided.via_dataset, decided.via_snapshot_id, decided.via_plan.grant_id))
        for read in reads:
            used.setdefault(read, []).append(field.name)
            if result.kept and read[2] is not None:
                sent[read[2]] += 1
    report = PrefilledReport(
        template=template.code,
        title_zh=template.title_zh,
        month=month,
        department=principal.department_code,
        fields=tuple(filled),
        sources=tuple(SourceUse(d, s, g, tuple(f)) for (d, s, g), f in used.items()),
        min_group_size=min_group_size,
    )
    body = json.dumps(report_json(report), ensure_ascii=False, sort_keys=True).encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()
    for grant_id in sorted({s.grant_id for s in report.sources if s.grant_id is not None}):
        consume_quota(session, grants[grant_id], max(sent[grant_id], 1))
    event = audit.record(
        session,
        ReportPrefilled(
            resource=f"report_template:{template.code}",
            template=template.code,
            month=month,
            sources=tuple(s.label for s in report.sources),
            grant_ids=tuple(sorted({s.grant_id for s in report.sources if s.grant_id})),
            reused=report.reused,
            to_collect=tuple(f"{f.name}:{f.reason_code}" for f in filled if f.status == TO_COLLECT),
            repeated_collection=report.repeated,
            min_group_size=min_group_size,
            bytes_sent=len(body),
            content_sha256=digest,
        ),
        actor=principal,
        now=now,
    )
    record_report_lineage(session, event, principal.department_code)
    return replace(report, event_id=event.id, content_sha256=digest)
