"""Earlier states of a dataset: its catalog-bound snapshots listed, and one read by id or by time.

Only snapshots the catalog bound to a published batch of the dataset are ever named or read
(``catalog.snapshots.resolve_snapshot``): DuckLake's snapshot ids are shared by every table, and
a lake snapshot the catalog does not know (a publication a killed run left half-done, another
dataset's batch) is ``snapshot.unknown``. ``--at TIME`` picks the newest bound snapshot published
at or before the time.

A read asks the one access decision first (``lakehouse.exchange.authorize``: the owner's plan, or
a grant's, or an audited refusal — before the snapshot is even looked up, so a refused caller
learns nothing about which snapshots exist), then reads the plan at the snapshot and audits the
exact bytes sent (``lakehouse.exchange.deliver``, ``data.read`` with the snapshot id), as every
other read. The listing adds each snapshot's publish mode (the ``mode`` of the snapshot's
``commit_extra_info``; snapshots from before modes existed were appends) and, for a caller with no
row filter, the rows the table held at it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
from sqlalchemy.orm import Session

from catalog.guard import refusal_error
from catalog.models import Dataset
from catalog.policy import AccessPlan, ReadRequest, Refusal
from catalog.principals import Principal
from catalog.snapshots import PublishedSnapshot, resolve_snapshot
from lakehouse.connection import LAKE, quote_ident
from lakehouse.exchange import Delivery, authorize, deliver
from lakehouse.read import ReadResult

__all__ = ["SnapshotFacts", "page_csv", "read_snapshot", "snapshot_facts"]


@dataclass(frozen=True, slots=True)
class SnapshotFacts:
    snapshot_id: int
    batch_id: int
    published_at: dt.datetime | None
    rows: int | None
    """Rows in the table at the snapshot; None for a caller whose plan filters rows."""
    mode: str


def snapshot_facts(
    con: duckdb.DuckDBPyConnection,
    table: str,
    snapshots: list[PublishedSnapshot],
    *,
    totals: bool,
) -> list[SnapshotFacts]:
    """The lake's side of each bound snapshot: its publish mode and (``totals``) row count."""
    extra = dict(
        con.execute(f"SELECT snapshot_id, commit_extra_info FROM {LAKE}.snapshots()").fetchall()
    )
    facts = []
    for s in snapshots:
        info = extra.get(s.snapshot_id)
        mode = str(json.loads(info).get("mode", "append")) if info else "append"
        rows = None
        if totals:
            found = con.execute(
                f"SELECT count(*) FROM {LAKE}.{quote_ident(table)} AT (VERSION => ?)",
                [s.snapshot_id],
            ).fetchone()
            rows = int(found[0]) if found else 0
        facts.append(SnapshotFacts(s.snapshot_id, s.batch_id, s.published_at, rows, mode))
    return facts


def read_snapshot(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    principal: Principal,
    dataset: Dataset,
    request: ReadRequest,
    serializer: Callable[[AccessPlan, int], Callable[[ReadResult], bytes]],
    *,
    snapshot_id: int | None = None,
    at: dt.datetime | None = None,
    grant_id: int | None = None,
    mask_master: Callable[[], bytes] | None = None,
) -> tuple[PublishedSnapshot, Delivery]:
    """Read ``request`` of ``dataset`` at an earlier snapshot (by id, or the newest bound at or
    before ``at``), as the one access decision allows ``principal``; audited. ``serializer``
    gives the bytes to send for the plan and snapshot (``page_csv``, ``lakehouse.pages.page_json``).
    The caller commits (a refusal, raised audited, too: ``catalog.guard.keeping_refusals``)."""
    decision = authorize(
        session, principal, dataset, request, grant_id=grant_id, mask_master=mask_master
    )
    if isinstance(decision, Refusal):
        raise refusal_error(decision)
    snapshot = resolve_snapshot(session, dataset, snapshot_id=snapshot_id, at=at)
    delivery = deliver(
        session,
        con,
        principal,
        dataset,
        decision,
        serializer(decision.plan, snapshot.snapshot_id),
        snapshot_id=snapshot.snapshot_id,
    )
    return snapshot, delivery


def page_csv(result: ReadResult) -> bytes:
    """The rows as UTF-8 CSV with a header line (Decimals as exact text, NULL as empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.table.to_pylist():
        writer.writerow(["" if row[c] is None else str(row[c]) for c in result.columns])
    return out.getvalue().encode("utf-8")
