"""The one path shared data takes out of the platform: authorise, read in SQL, audit.

``authorize`` asks ``catalog.policy.authorize`` (the single access decision) for ``data.read``,
over the dataset's terms as the catalog row holds them now and the grant the read goes through, and
writes a refusal event when it says no. A plan that needs a secret — a ``hash`` mask, or an ordering
that must not reveal a masked key — gets its grant's key (``catalog.keys.mask_key``) from the
server-side master key, loaded only then. ``deliver`` executes the plan in DuckDB, lets the caller
serialise the result, and writes a ``DataRead`` event with the row count, the byte count and the
SHA-256 of exactly the bytes that will be sent, and the rest of the plan as executed
(``catalog.replay_terms``), so that ``lakehouse.reproduce`` can replay it later. Callers commit
after each step, so a refusal is recorded even though the request then fails.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.events import DataRead, ReadRefused
from catalog.grants import consume_quota, grant_for_read
from catalog.keys import mask_key
from catalog.models import AuditEvent, Dataset, Grant, utcnow
from catalog.policy import AccessPlan, Allowed, ReadRequest, Refusal
from catalog.policy import authorize as decide
from catalog.principals import Principal
from catalog.replay_terms import ReadTerms
from catalog.resources import DatasetTerms, GrantTerms, ReadResource
from lakehouse.lineage_deliveries import record_delivery
from lakehouse.read import Keyset, ReadResult, read
from lakehouse.serving import Source
from schemas import MaskKind


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
    request: ReadRequest,
    *,
    grant_id: int | None = None,
    now: dt.datetime | None = None,
    mask_master: Callable[[], bytes] | None = None,
) -> Authorised | Refusal:
    """Decide a read; a refusal is written to the audit log before it is returned.

    ``grant_id`` names the grant the read goes through; without it the department's only live
    grant is used (``grant.ambiguous`` when it holds several). ``mask_master`` loads the mask
    master key (``catalog.keys.mask_master_key``); it is called only for a plan that needs the
    grant's key. Without it such a plan has no key, and compiling a ``hash`` mask then fails: a
    keyed hash never degrades to a plain one.
    """
    now = now or utcnow()
    grant = grant_for_read(session, principal, dataset.id, grant_id, now)
    dataset_terms = DatasetTerms.of(dataset)
    terms = GrantTerms.of(grant, dataset=dataset_terms) if grant is not None else None
    resource = ReadResource(dataset_terms, terms, request)
    decision = decide(principal, act.DATA_READ, resource, now=now)
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
    assert isinstance(decision, Allowed) and decision.plan is not None
    plan = decision.plan
    hashed = any(c.mask.kind is MaskKind.HASH for c in plan.columns)
    if (hashed or plan.order_hidden) and plan.grant_id is not None and mask_master is not None:
        plan = dataclasses.replace(plan, hash_key=mask_key(mask_master(), plan.grant_id))
    return Authorised(plan=plan, grant=grant)


def order_salt(plan: AccessPlan) -> int:
    """The secret that keys a hidden ordering: derived from the grant's key, never sent."""
    if plan.hash_key is None:
        return 0
    return int.from_bytes(hashlib.sha256(b"zhongtai/order/" + plan.hash_key).digest()[:8], "big")


def _position(keyset: Keyset | None) -> tuple[int, ...] | None:
    if keyset is None or keyset.after_rowid is None:
        return None
    return (keyset.after_rowid,)


def deliver(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    principal: Principal,
    dataset: Dataset,
    authorised: Authorised,
    serialize: Callable[[ReadResult], bytes],
    *,
    now: dt.datetime | None = None,
    snapshot_id: int | None = None,
    keyset: Keyset | None = None,
    source: Source | None = None,
) -> Delivery:
    """Read what the plan allows, serialise it, and audit exactly what is about to be sent.

    ``snapshot_id`` (default: the dataset's current one) pins the snapshot read, as a keyset
    cursor does; ``keyset`` pages by position (``lakehouse.read.Keyset``); ``source`` is that
    snapshot's serving index, when the worker has one (``lakehouse.serving``)."""
    plan = authorised.plan
    snapshot = dataset.current_snapshot_id if snapshot_id is None else snapshot_id
    result = read(
        con,
        plan,
        snapshot_id=snapshot,
        order_salt=order_salt(plan),
        keyset=keyset,
        source=source,
    )
    body = serialize(result)
    digest = hashlib.sha256(body).hexdigest()
    if authorised.grant is not None:
        # A probe of a masked match key costs a row even when nothing matched.
        charged = max(result.row_count, 1) if plan.probe else result.row_count
        consume_quota(session, authorised.grant, charged)
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
            snapshot_id=snapshot,
            plan=ReadTerms.of(plan, keyset=keyset is not None, after=_position(keyset)).to_json(),
        ),
        actor=principal,
        now=now,
    )
    record_delivery(session, event)
    return Delivery(body=body, content_sha256=digest, row_count=result.row_count, event=event)
