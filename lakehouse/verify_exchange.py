"""Verify (核验) and aggregate through a grant, end to end: decide, refuse (audited), run, audit.

The two answers that send no rows. Each function asks the one access decision
(``catalog.policy.authorize`` with ``data.verify`` or ``data.aggregate``) over the dataset's terms
as the catalog holds them now and the grant the call goes through; a refusal is written to the
audit chain (``access.refused``) and raised as an audited refusal, which the caller commits. Only
then is the lake opened (``lake`` is called), the plan run in one SQL statement, the answer
serialised to JSON — exactly the bytes the API sends — the quota charged and the act audited with
the SHA-256 of those bytes. The caller commits.

Quota: a verification costs one row per submitted record, whether it matched or not (the planner
refuses a batch larger than the quota left before anything runs); an aggregate costs one row per
group sent, and at least one per call, since even "every group suppressed" is an answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.aggregate_plan import AggregatePlan, AggregateRequest, AggregateResource, Measure
from catalog.errors import Conflict
from catalog.events import ActRefused
from catalog.grants import consume_quota, grant_for_read
from catalog.guard import refusal_error
from catalog.keys import mask_key
from catalog.models import AuditEvent, Dataset, Grant, utcnow
from catalog.policy import Allowed, Refusal, authorize
from catalog.principals import Principal
from catalog.replay_terms import AggregateTerms
from catalog.resources import DatasetTerms, GrantTerms
from catalog.verify_events import DataAggregated, DataVerified
from catalog.verify_plan import VerifyPlan, VerifyRequest, VerifyResource
from lakehouse.aggregate import AggregateResult, run_aggregate
from lakehouse.lineage_deliveries import record_delivery
from lakehouse.serving import LakeOpener
from lakehouse.verify import RecordResult, check_records, run_verify
from schemas import MaskKind

__all__ = [
    "Answer",
    "aggregate_document",
    "aggregate_shared",
    "answer_json",
    "request_sha256",
    "verify_shared",
]


@dataclass(frozen=True, slots=True)
class Answer:
    """What was sent (``body``, the JSON answer) and its audit record."""

    body: bytes
    content_sha256: str
    event: AuditEvent
    document: dict[str, Any]


def request_sha256(
    match_on: Sequence[str], compare: Sequence[str], records: Sequence[Mapping[str, Any]]
) -> str:
    """SHA-256 of the canonical verify request (sorted keys, UTF-8): what the audit keeps instead
    of the submitted values, so a request can later be proved without storing personal data."""
    canonical = json.dumps(
        {"match_on": list(match_on), "compare": list(compare), "records": list(records)},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verify_shared(
    session: Session,
    lake: LakeOpener,
    principal: Principal,
    dataset: Dataset,
    match_on: Sequence[str],
    compare: Sequence[str],
    records: Sequence[Mapping[str, Any]],
    *,
    grant_id: int | None = None,
    now: dt.datetime | None = None,
) -> Answer:
    """Verify ``records`` of ``dataset`` as ``principal``; the caller commits."""
    now = now or utcnow()
    grant = grant_for_read(session, principal, dataset.id, grant_id, now)
    terms = DatasetTerms.of(dataset)
    request = VerifyRequest(tuple(match_on), tuple(compare), len(records))
    resource = VerifyResource(terms, _grant_terms(grant, terms), request)
    decision = authorize(principal, act.DATA_VERIFY, resource, now=now)
    plan = _allowed(session, principal, dataset, grant, act.DATA_VERIFY, decision, now).verify_plan
    assert plan is not None
    check_records(plan, records)
    snapshot = _published(dataset)
    elements = {
        f.name: f.data_element.code if f.data_element is not None else None for f in dataset.fields
    }
    results = run_verify(
        lake(),
        plan,
        records,
        elements,
        snapshot_id=snapshot,
        source=lake.source(plan.table, snapshot),
    )
    document = _verify_document(dataset, plan, results)
    body = answer_json(document)
    digest = hashlib.sha256(body).hexdigest()
    if grant is not None:
        consume_quota(session, grant, plan.record_count)
    counts = document["counts"]
    event = audit.record(
        session,
        DataVerified(
            dataset_id=dataset.id,
            grant_id=plan.grant_id,
            purpose=plan.purpose,
            match_on=plan.match_on,
            compare=plan.compare,
            masked_fields=plan.masked_fields,
            record_count=plan.record_count,
            matched=counts["match"],
            not_found=counts["not_found"],
            differs=counts["differs"],
            request_sha256=request_sha256(match_on, compare, records),
            bytes_sent=len(body),
            content_sha256=digest,
            snapshot_id=snapshot,
        ),
        actor=principal,
        now=now,
    )
    return Answer(body=body, content_sha256=digest, event=event, document=document)


def aggregate_shared(
    session: Session,
    lake: LakeOpener,
    principal: Principal,
    dataset: Dataset,
    request: AggregateRequest,
    *,
    min_group_size: int,
    grant_id: int | None = None,
    mask_master: Callable[[], bytes] | None = None,
    now: dt.datetime | None = None,
) -> Answer:
    """Aggregate ``dataset`` as ``principal`` with small groups suppressed; the caller commits.

    ``mask_master`` loads the mask master key, for a group field the grantee sees ``hash``-masked
    (without it such a plan cannot compile: a keyed hash never degrades to a plain one)."""
    now = now or utcnow()
    grant = grant_for_read(session, principal, dataset.id, grant_id, now)
    terms = DatasetTerms.of(dataset)
    resource = AggregateResource(
        terms, _grant_terms(grant, terms), request, min_group_size=min_group_size
    )
    decision = authorize(principal, act.DATA_AGGREGATE, resource, now=now)
    allowed = _allowed(session, principal, dataset, grant, act.DATA_AGGREGATE, decision, now)
    plan = allowed.aggregate_plan
    assert plan is not None
    hashed = any(c.mask.kind is MaskKind.HASH for c in plan.group_by)
    if hashed and plan.grant_id is not None and mask_master is not None:
        plan = replace(plan, hash_key=mask_key(mask_master(), plan.grant_id))
    snapshot = _published(dataset)
    result = run_aggregate(lake(), plan, snapshot_id=snapshot)
    document = aggregate_document(dataset, snapshot, plan, result)
    body = answer_json(document)
    digest = hashlib.sha256(body).hexdigest()
    if grant is not None:
        consume_quota(session, grant, max(len(result.groups), 1))
    event = audit.record(
        session,
        DataAggregated(
            dataset_id=dataset.id,
            grant_id=plan.grant_id,
            purpose=plan.purpose,
            group_by=tuple(c.name for c in plan.group_by),
            masked_group_by=plan.masked_group_fields,
            measures=tuple(m.label for m in plan.measures),
            filters=tuple(c.to_json() for c in plan.conditions),
            min_group_size=plan.min_group_size,
            group_count=len(result.groups),
            suppressed_groups=result.suppressed_groups,
            bytes_sent=len(body),
            content_sha256=digest,
            snapshot_id=snapshot,
            plan=AggregateTerms.of(plan).to_json(),
        ),
        actor=principal,
        now=now,
    )
    record_delivery(session, event)
    return Answer(body=body, content_sha256=digest, event=event, document=document)


def _grant_terms(grant: Grant | None, dataset: DatasetTerms) -> GrantTerms | None:
    return GrantTerms.of(grant, dataset=dataset) if grant is not None else None


def _allowed(
    session: Session,
    principal: Principal,
    dataset: Dataset,
    grant: Grant | None,
    action: act.Action,
    decision: Allowed | Refusal,
    now: dt.datetime,
) -> Allowed:
    """The decision if it allows the act; otherwise audit the refusal and raise it."""
    if isinstance(decision, Allowed):
        return decision
    audit.record(
        session,
        ActRefused(
            dataset_id=dataset.id,
            grant_id=grant.id if grant is not None else None,
            act=action.name,
            code=decision.code,
            reason=decision.reason,
            resource=f"dataset:{dataset.id}",
        ),
        actor=principal,
        now=now,
    )
    raise refusal_error(decision)


def _published(dataset: Dataset) -> int:
    if dataset.current_snapshot_id is None:
        raise Conflict(
            f"Dataset {dataset.code} has no published snapshot yet.", code="dataset.not_published"
        )
    return dataset.current_snapshot_id


def _verify_document(
    dataset: Dataset, plan: VerifyPlan, results: Sequence[RecordResult]
) -> dict[str, Any]:
    counts = {"match": 0, "not_found": 0, "differs": 0}
    for result in results:
        counts[result.outcome] += 1
    return {
        "dataset": dataset.code,
        "snapshot_id": dataset.current_snapshot_id,
        "grant_id": plan.grant_id,
        "match_on": list(plan.match_on),
        "compare": list(plan.compare),
        "counts": counts,
        "results": [
            {"index": r.index, "result": r.outcome, "differs": list(r.differs)} for r in results
        ],
    }


def aggregate_document(
    dataset: Dataset, snapshot_id: int, plan: AggregatePlan, result: AggregateResult
) -> dict[str, Any]:
    """The aggregate answer as sent (``lakehouse.reproduce`` rebuilds it from the record)."""
    return {
        "dataset": dataset.code,
        "snapshot_id": snapshot_id,
        "grant_id": plan.grant_id,
        "group_by": [
            {"name": c.name, "masked": c.mask.masked, "mask": str(c.mask)} for c in plan.group_by
        ],
        "measures": [_measure_document(m) for m in plan.measures],
        "min_group_size": plan.min_group_size,
        "group_count": len(result.groups),
        "suppressed_groups": result.suppressed_groups,
        "groups": list(result.groups),
    }


def _measure_document(measure: Measure) -> dict[str, Any]:
    """A measure as sent; ``than`` only on a comparing measure (older answers never held it)."""
    document: dict[str, Any] = {"fn": measure.fn.value, "field": measure.field}
    if measure.than is not None:
        document["than"] = measure.than
    document["name"] = measure.label
    return document


def answer_json(document: dict[str, Any]) -> bytes:
    # default=str: Decimal sums are sent as exact strings, never as floats
    return json.dumps(document, ensure_ascii=False, default=str).encode("utf-8")
