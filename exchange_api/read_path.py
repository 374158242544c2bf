"""One read of shared data, for the API and the portal alike: decide, refuse (audited), read, audit.

``read_shared`` is the only way either reaches a dataset's rows: ``lakehouse.exchange.authorize``
asks the one access decision (a refusal is written to the audit chain and raised as an audited
refusal, which the caller's ``keeping_refusals`` or ``page_errors`` commits), the lake is opened
only after it said yes (``LazyLake``), the plan runs in DuckDB — columns, masks and row filter
compiled into SQL — and ``lakehouse.exchange.deliver`` audits the read with the SHA-256 of
:func:`lakehouse.pages.page_json`, the JSON page of exactly the rows read. The API sends those
bytes; a portal page shows the same rows in HTML, so its audit record hashes the data it showed,
not the markup around it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from catalog.datasets import get_dataset
from catalog.errors import Conflict
from catalog.guard import refusal_error
from catalog.keys import mask_master_key
from catalog.models import Dataset
from catalog.policy import AccessPlan, ReadRequest, Refusal
from catalog.principals import Principal
from catalog.settings import Settings
from exchange_api.deps import LazyLake
from exchange_api.paging import QueryPage, next_cursor, query_page
from lakehouse.exchange import Delivery, authorize, deliver
from lakehouse.pages import page_json
from lakehouse.read import ReadResult

__all__ = ["SharedRead", "read_shared"]


@dataclass(frozen=True, slots=True)
class SharedRead:
    """A read that was allowed, executed and audited: what was read, and its audit record."""

    dataset: Dataset
    plan: AccessPlan
    result: ReadResult
    delivery: Delivery


def read_shared(
    session: Session,
    lake: LazyLake,
    principal: Principal,
    settings: Settings,
    code: str,
    request: ReadRequest,
    *,
    grant_id: int | None = None,
    keyset: bool = False,
    cursor: str | None = None,
) -> SharedRead:
    """Read ``request`` of dataset ``code`` as ``principal`` (through ``grant_id`` when given);
    commits the read's audit record and quota use, or raises the audited refusal.

    With ``keyset`` the page carries a signed ``next`` cursor (``exchange_api.paging``), and
    ``cursor`` continues a read from one: its snapshot, after its position, without OFFSET."""
    dataset = get_dataset(session, code)
    decision = authorize(
        session,
        principal,
        dataset,
        request,
        grant_id=grant_id,
        mask_master=lambda: mask_master_key(settings),
    )
    if isinstance(decision, Refusal):
        raise refusal_error(decision)
    if dataset.current_snapshot_id is None:
        raise Conflict(
            f"Dataset {code} has no published snapshot yet.", code="dataset.not_published"
        )
    read: list[ReadResult] = []
    page: QueryPage | None = None
    to_json = page_json(dataset, decision.plan)
    if keyset or cursor is not None:
        page = query_page(
            settings, dataset, decision.plan, principal, dataset.current_snapshot_id, cursor
        )
        pinned = page

        def next_page(result: ReadResult) -> str | None:
            return next_cursor(settings, pinned, decision.plan, result)

        to_json = page_json(dataset, decision.plan, next_page, page.snapshot_id)

    def serialize(result: ReadResult) -> bytes:
        read.append(result)
        return to_json(result)

    snapshot = page.snapshot_id if page else dataset.current_snapshot_id
    delivery = deliver(
        session,
        lake(),
        principal,
        dataset,
        decision,
        serialize,
        snapshot_id=snapshot,
        keyset=page.keyset if page else None,
        source=lake.source(decision.plan.table, snapshot),
    )
    session.commit()
    return SharedRead(dataset=dataset, plan=decision.plan, result=read[0], delivery=delivery)
