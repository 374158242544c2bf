"""A scenario's joined delivery (应用场景): decide, read every member in ONE query, audit, trace.

:func:`read_scenario` is the only way a scenario's rows leave the lake:

1. ``scenario.read`` is decided by ``catalog.policy.authorize`` (a requester of the filing
   department, the scenario live); a refusal is audited and raised.
2. Its members are the anchor (the requester's own dataset, read as its owner reads it) and every
   member request approved with a grant that includes the join field. A refused or withdrawn
   member — or one granted without the join field — contributes nothing, and is named in
   ``left_out``. Each remaining member's read is decided by ``lakehouse.exchange.authorize``
   exactly as an ordinary read through its grant is: expiry, revocation, quota, mode, region
   bound, negative list, masks, and the reader's filters (a filter on a field the member shows
   masked is refused with ``field.masked``, even on a match key: a scenario read is no probe).
   **Any member refused refuses the whole read** (audited as that member's
   ``data.read_refused`` and a ``scenario.read_refused``): a member that silently dropped out —
   the payments, say — would make everyone look unpaid.
3. ``lakehouse.scenario_sql`` joins the members' plans in one statement, on the HMAC of the join
   field under the scenario's key.
4. Each member grant is charged, and audited with a ``data.read``, for the rows of it that were
   sent; then one ``scenario.read`` names the scenario and every member, and one OpenLineage run
   has every member dataset as input and the delivery as output (``lakehouse.lineage_scenarios``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa  # no stubs yet
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.conditions import Condition
from catalog.errors import Conflict
from catalog.events import DataRead, ReadRefused
from catalog.grants import consume_quota
from catalog.guard import refusal_error
from catalog.keys import scenario_key
from catalog.models import AuditEvent, Dataset, Grant, RequestStatus, utcnow
from catalog.policy import MAX_LIMIT, ReadRequest, Refusal
from catalog.principals import Principal
from catalog.read_plan import grantee_mask
from catalog.requests import grant_of
from catalog.resources import DatasetTerms
from catalog.scenario_events import ScenarioRead, ScenarioReadRefused
from catalog.scenario_tables import ScenarioRequest
from catalog.scenarios import get_scenario
from lakehouse.exchange import Authorised, authorize
from lakehouse.lineage_scenarios import record_scenario_delivery
from lakehouse.scenario_sql import JoinedSql, JoinMember, compile_joined, rowid_column

__all__ = ["JoinedRead", "Member", "ScenarioDelivery", "read_scenario", "scenario_members"]


@dataclass(frozen=True, slots=True)
class Member:
    """One dataset of a scenario as it takes part in a read."""

    dataset: Dataset
    grant: Grant | None
    """The member request's grant (``None`` for the anchor, read as its owner)."""
    anchor: bool = False


@dataclass(frozen=True, slots=True)
class JoinedRead:
    """The rows a scenario read sent, already masked and filtered by DuckDB."""

    table: pa.Table
    row_count: int
    columns: tuple[str, ...]
    masked_columns: tuple[str, ...]
    left_out: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScenarioDelivery:
    body: bytes
    content_sha256: str
    result: JoinedRead
    event: AuditEvent
    member_events: tuple[AuditEvent, ...]


def scenario_members(session: Session, scenario: ScenarioRequest) -> tuple[list[Member], list[str]]:
    """The members that take part (the anchor first, else the first member with a grant), and
    the datasets left out, each as ``code (why)``."""
    members: list[Member] = []
    left_out: list[str] = []
    if scenario.anchor is not None:
        members.append(Member(scenario.anchor, None, anchor=True))
    for request in scenario.members:
        code = request.dataset.code
        grant = grant_of(session, request) if request.status is RequestStatus.APPROVED else None
        if grant is None:
            left_out.append(f"{code} ({request.status.value})")
            continue
        masked = grantee_mask(DatasetTerms.of(request.dataset).field(scenario.join_field)).masked
        if scenario.join_field not in grant.fields or (
            masked and scenario.join_field not in (grant.match_fields or ())
        ):
            left_out.append(f"{code} (granted without the join field)")
            continue
        members.append(Member(request.dataset, grant))
    return members, left_out


def _refuse(
    session: Session,
    principal: Principal,
    scenario: ScenarioRequest,
    dataset: Dataset,
    refusal: Refusal,
    now: dt.datetime,
) -> None:
    audit.record(
        session,
        ScenarioReadRefused(
            dataset_id=dataset.id,
            resource=f"scenario:{scenario.id}",
            member_dataset=dataset.code,
            code=refusal.code,
            reason=refusal.reason,
        ),
        actor=principal,
        now=now,
    )
    raise refusal_error(refusal)


def _decide(
    session: Session,
    principal: Principal,
    scenario: ScenarioRequest,
    member: Member,
    filters: Sequence[Condition],
    mask_master: Callable[[], bytes],
    now: dt.datetime,
) -> Authorised:
    wanted = (
        tuple(scenario.anchor_fields) if member.anchor else tuple(member.grant.fields)  # type: ignore[union-attr]
    )
    request = ReadRequest(fields=wanted, filters=tuple(filters), limit=MAX_LIMIT)
    grant_id = member.grant.id if member.grant is not None else None
    decision = authorize(
        session,
        principal,
        member.dataset,
        request,
        grant_id=grant_id,
        now=now,
        mask_master=mask_master,
    )
    if isinstance(decision, Refusal):
        _refuse(session, principal, scenario, member.dataset, decision, now)
    assert isinstance(decision, Authorised)
    if member.grant is None and decision.grant is not None:
        raise AssertionError("the anchor is read as its owner, never through a grant")
    hidden = [c for c in filters if c.field not in decision.plan.filterable]
    if hidden:  # a match key may be probed on its own, one value a call; never in a scenario
        refusal = Refusal(
            "field.masked",
            f"field {hidden[0].field!r} of {member.dataset.code} is masked for this scenario; "
            "it cannot be filtered on",
        )
        audit.record(
            session,
            ReadRefused(
                dataset_id=member.dataset.id,
                grant_id=grant_id,
                code=refusal.code,
                reason=refusal.reason,
                requested_columns=wanted,
            ),
            actor=principal,
            now=now,
        )
        _refuse(session, principal, scenario, member.dataset, refusal, now)
    return decision


def read_scenario(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    principal: Principal,
    scenario_id: int,
    serialize: Callable[[JoinedRead], bytes],
    *,
    mask_master: Callable[[], bytes],
    filters: Mapping[str, Sequence[Condition]] | None = None,
    limit: int = 1000,
    offset: int = 0,
    now: dt.datetime | None = None,
) -> ScenarioDelivery:
    """Decide, read, serialise and audit one page of scenario ``scenario_id``'s joined view.

    ``filters`` maps a member's dataset code to the reader's conditions on it (non-masked granted
    fields only). Refusals are audited in ``session`` and raised; the caller commits either way.
    """
    now = now or utcnow()
    filters = dict(filters or {})
    scenario = get_scenario(session, scenario_id, principal, action=act.SCENARIO_READ, now=now)
    members, left_out = scenario_members(session, scenario)
    codes = {m.dataset.code for m in members}
    stray = sorted(set(filters) - codes)
    if stray:
        raise Conflict(
            f"no member of scenario {scenario_id} to filter: {', '.join(stray)}",
            code="scenario.unknown_member",
        )
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise Conflict(f"limit is 1 to {MAX_LIMIT}, offset 0 or more", code="limit.invalid")
    decided = [
        _decide(session, principal, scenario, m, filters.get(m.dataset.code, ()), mask_master, now)
        for m in members
    ]
    for member in members:
        if member.dataset.current_snapshot_id is None:
            raise Conflict(
                f"Dataset {member.dataset.code} has no published snapshot yet.",
                code="dataset.not_published",
            )
    joined = compile_joined(
        [
            JoinMember(m.dataset.code, d.plan, m.dataset.current_snapshot_id or 0)
            for m, d in zip(members, decided, strict=True)
        ],
        scenario.join_field,
        scenario_key(mask_master(), scenario.id),
        limit=limit,
        offset=offset,
    )
    table = con.execute(joined.sql, joined.params).to_arrow_table()
    counts = [_distinct(table, rowid_column(i)) for i in range(len(members))]
    table = table.drop_columns([rowid_column(i) for i in range(len(members))])
    result = JoinedRead(
        table, table.num_rows, joined.columns, joined.masked_columns, tuple(left_out)
    )
    body = serialize(result)
    digest = hashlib.sha256(body).hexdigest()
    events = [
        _member_read(session, principal, m, d, joined, i, counts[i], body, digest, now)
        for i, (m, d) in enumerate(zip(members, decided, strict=True))
    ]
    event = audit.record(
        session,
        ScenarioRead(
            resource=f"scenario:{scenario.id}",
            purpose=scenario.purpose,
            datasets=tuple(m.dataset.code for m in members),
            grant_ids=tuple(m.grant.id for m in members if m.grant is not None),
            member_events=tuple(e.id for e in events),
            left_out=tuple(left_out),
            columns=joined.columns,
            masked_columns=joined.masked_columns,
            row_count=result.row_count,
            bytes_sent=len(body),
            content_sha256=digest,
        ),
        actor=principal,
        now=now,
    )
    record_scenario_delivery(session, scenario, event, [m.dataset for m in members])
    return ScenarioDelivery(body, digest, result, event, tuple(events))


def _distinct(table: pa.Table, column: str) -> int:
    """How many distinct rows of one member the page holds (its hidden row ids)."""
    ids = table.column(column)
    return int(pc.count_distinct(ids, mode="only_valid").as_py())


def _member_read(
    session: Session,
    principal: Principal,
    member: Member,
    decided: Authorised,
    joined: JoinedSql,
    index: int,
    rows: int,
    body: bytes,
    digest: str,
    now: dt.datetime,
) -> AuditEvent:
    """Charge the member's grant for its rows sent and audit them as an ordinary read is."""
    if member.grant is not None:
        consume_quota(session, member.grant, rows)
    shown = joined.member_columns[index]
    return audit.record(
        session,
        DataRead(
            dataset_id=member.dataset.id,
            grant_id=decided.plan.grant_id,
            purpose=decided.plan.purpose,
            columns=shown,
            masked_columns=tuple(c for c in shown if c in joined.masked_columns),
            filters=tuple(c.to_json() for c in decided.plan.conditions),
            row_count=rows,
            bytes_sent=len(body),
            content_sha256=digest,
            snapshot_id=member.dataset.current_snapshot_id,
        ),
        actor=principal,
        now=now,
    )
