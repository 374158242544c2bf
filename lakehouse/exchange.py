"""The one path shared data takes out of the platform: authorise, read in SQL, audit.

``authorize`` asks ``catalog.policy.decide`` (the single access decision) and writes a refusal
event when it says no; a plan with a ``hash`` mask gets its grant's key (``catalog.keys.mask_key``)
from the server-side master key, loaded only then. ``deliver`` executes the plan in DuckDB, lets
the caller serialise the result, and writes a ``DataRead`` event with the row count, the byte
count and the SHA-256 of exactly the bytes that will be sent. Callers commit after each step, so a
refusal is recorded even though the request then fails.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
from sqlalchemy.orm import Session

from catalog import audit
from catalog.events import DataRead, ReadRefused
from catalog.grants import active_grant, consume_quota
from catalog.keys import mask_key
from catalog.models import AuditEvent, Dataset, Grant, utcnow
from catalog.policy import AccessPlan, GrantTerms, ReadRequest, Refusal, decide
from catalog.principals import Principal
from lakehouse.read import ReadResult, read
from schemas import DatasetContract, MaskKind


@dataclass(frozen=True, slots=True)
class Authorised:
    plan: AccessPlan
    grant: Grant | None


@dataclass(frozen=True, slots=True)
class Delivery:
    body: bytes
    content_sha256: str
    row_count: int
    event: AuditEvent


def authorize(
    session: Session,
    principal: Principal,
    dataset: Dataset,
    contract: DatasetContract,
    request: ReadRequest,
    *,
    now: dt.datetime | None = None,
    mask_master: Callable[[], bytes] | None = None,
) -> Authorised | Refusal:
    """Decide a read; a refusal is written to the audit log before it is returned.

    ``mask_master`` loads the mask master key (``catalog.keys.mask_master_key``); it is called
    only for a plan with a ``hash`` mask. Without it such a plan has no key, and compiling it
    fails: a keyed hash never degrades to a plain one.
    """
    now = now or utcnow()
    grant = active_grant(session, principal.department_id, dataset.id, now)
    terms = GrantTerms.of(grant, dataset.code) if grant is not None else None
    decision = decide(principal, contract, terms, request, now=now)
    if isinstance(decision, Refusal):
        audit.record(
            session,
            ReadRefused(
                dataset_id=dataset.id,
                grant_id=grant.id if grant is not None else None,
                code=decision.code,
                reason=decision.reason,
                requested_columns=tuple(request.fields or ()),
            ),
            actor=principal,
            now=now,
        )
        return decision
    hashed = any(c.mask.kind is MaskKind.HASH for c in decision.columns)
    if hashed and decision.grant_id is not None and mask_master is not None:
        key = mask_key(mask_master(), decision.grant_id)
        decision = dataclasses.replace(decision, hash_key=key)
    return Authorised(plan=decision, grant=grant)


def deliver(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    principal: Principal,
    dataset: Dataset,
    contract: DatasetContract,
    authorised: Authorised,
    serialize: Callable[[ReadResult], bytes],
    *,
    now: dt.datetime | None = None,
) -> Delivery:
    """Read what the plan allows, serialise it, and audit exactly what is about to be sent."""
    plan = authorised.plan
    result = read(con, plan, order_by=contract.primary_key, snapshot_id=dataset.current_snapshot_id)
    body = serialize(result)
    digest = hashlib.sha256(body).hexdigest()
    if authorised.grant is not None:
        consume_quota(session, authorised.grant, result.row_count)
    event = audit.record(
        session,
        DataRead(
            dataset_id=dataset.id,
            grant_id=plan.grant_id,
            purpose=plan.purpose,
            columns=tuple(c.name for c in plan.columns),
            masked_columns=plan.masked_columns,
            filters=tuple(c.to_json() for c in plan.conditions),
            row_count=result.row_count,
            bytes_sent=len(body),
            content_sha256=digest,
            snapshot_id=dataset.current_snapshot_id,
        ),
        actor=principal,
        now=now,
    )
    return Delivery(body=body, content_sha256=digest, row_count=result.row_count, event=event)
