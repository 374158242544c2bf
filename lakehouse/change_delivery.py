"""A ``changes`` read, end to end: decide (audited refusal), read the feed in SQL, charge, audit.

``authorize_changes`` asks the one access decision through ``lakehouse.exchange.authorize`` with a
``ReadRequest`` of mode ``changes`` (so the grant must list that mode, and everything else a read
checks — department, revocation, expiry, quota, granted and masked fields — is checked the same
way) and gives every grantee plan its grant's key, which keys the row references and the hidden
order (``lakehouse.changes``). ``deliver_changes`` reads the changes of the checked snapshot range,
lets the caller serialise them, charges the grant's quota with the changes sent (a probe of a
masked match key costs at least one) and writes a ``ChangesRead`` event with the SHA-256 of exactly
the bytes about to be sent.
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
from catalog.change_events import ChangesRead
from catalog.grants import consume_quota
from catalog.keys import mask_key
from catalog.models import AccessMode, AuditEvent, Dataset
from catalog.policy import ReadRequest, Refusal
from catalog.principals import Principal
from catalog.replay_terms import ReadTerms
from lakehouse.changes import ChangesResult, read_changes
from lakehouse.exchange import Authorised, authorize, order_salt
from lakehouse.lineage_deliveries import record_delivery

__all__ = ["ChangesDelivery", "authorize_changes", "deliver_changes"]


@dataclass(frozen=True, slots=True)
class ChangesDelivery:
    body: bytes
    content_sha256: str
    result: ChangesResult
    event: AuditEvent


def authorize_changes(
    session: Session,
    principal: Principal,
    dataset: Dataset,
    request: ReadRequest,
    *,
    grant_id: int | None = None,
    mask_master: Callable[[], bytes],
    now: dt.datetime | None = None,
) -> Authorised | Refusal:
    """Decide a ``changes`` read (a refusal is audited before it is returned)."""
    if request.mode is not AccessMode.CHANGES:
        raise ValueError("authorize_changes() decides reads of mode 'changes' only")
    decision = authorize(
        session, principal, dataset, request, grant_id=grant_id, now=now, mask_master=mask_master
    )
    if isinstance(decision, Refusal):
        return decision
    plan = decision.plan
    if plan.grant_id is not None and plan.hash_key is None:
        plan = dataclasses.replace(plan, hash_key=mask_key(mask_master(), plan.grant_id))
    return Authorised(plan=plan, grant=decision.grant)


def deliver_changes(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    principal: Principal,
    dataset: Dataset,
    authorised: Authorised,
    span: tuple[int, int],
    serialize: Callable[[ChangesResult], bytes],
    *,
    after: tuple[int, int] | None = None,
    now: dt.datetime | None = None,
) -> ChangesDelivery:
    """Read the changes after snapshot ``span[0]`` up to ``span[1]`` (a range checked by
    ``catalog.snapshots.snapshot_range``), serialise them, and audit exactly what is sent."""
    plan = authorised.plan
    first, last = span
    result = read_changes(con, plan, first + 1, last, order_salt=order_salt(plan), after=after)
    body = serialize(result)
    digest = hashlib.sha256(body).hexdigest()
    if authorised.grant is not None:
        charged = max(result.row_count, 1) if plan.probe else result.row_count
        consume_quota(session, authorised.grant, charged)
    counts = result.counts()
    event = audit.record(
        session,
        ChangesRead(
            dataset_id=dataset.id,
            grant_id=plan.grant_id,
            purpose=plan.purpose,
            columns=plan.column_names,
            masked_columns=plan.masked_columns,
            filters=tuple(c.to_json() for c in plan.conditions),
            from_snapshot=first,
            to_snapshot=last,
            row_count=result.row_count,
            added=counts["added"],
            changed=counts["changed"],
            removed=counts["removed"],
            bytes_sent=len(body),
            content_sha256=digest,
            plan=ReadTerms.of(plan, keyset=True, after=after).to_json(),
        ),
        actor=principal,
        now=now,
    )
    record_delivery(session, event)
    return ChangesDelivery(body=body, content_sha256=digest, result=result, event=event)
