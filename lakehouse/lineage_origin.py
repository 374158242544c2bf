"""Where a delivered value came from: from a delivery (its audit event), a row key, back through
the lake snapshot the delivery read, the batch that published the row, the standardise step, to
the landed file's SHA-256 and the row of it.

The lineage graph (``catalog.lineage_edges``) says which table and snapshot a delivery read, and
which runs standardised and published each batch; the lake row itself keeps ``_batch_id`` and
``_row`` (the 1-based data row of the landed file), read at the delivery's snapshot by time
travel. The raw file is hashed again, so the answer says whether the bytes kept are the bytes
the SHA-256 names. Access is decided before (``catalog.lineage_access``: ``lineage.view`` of the
delivery's node); nothing of the row but its key, given by the asker, is returned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import InvalidInput, NotFound
from catalog.lineage_access import allow_lineage
from catalog.lineage_edges import LAKE_NAMESPACE
from catalog.models import AuditEvent, AuditOutcome, Batch, Department, LineageEdge
from catalog.principals import Principal
from catalog.settings import Settings
from lakehouse.connection import LAKE, connect, quote_ident
from lakehouse.land import raw_file
from lakehouse.lineage_deliveries import DELIVERY_MODES
from lakehouse.tables import SYSTEM_COLUMNS

__all__ = [
    "MAX_ROWS",
    "Origin",
    "SourceRow",
    "delivered_origin",
    "delivery_node",
    "origin",
    "parse_key",
]

MAX_ROWS = 20
_TABLE_PREFIX = f"dataset:{LAKE_NAMESPACE}/lake.main."


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One delivered row, traced: the batch that published it and the landed file's row."""

    batch_id: int
    row: int
    """The 1-based data row of the landed file (its header not counted)."""
    published_snapshot: int | None
    publish_run: str
    standardise_run: str
    sha256: str
    source_name: str
    raw_path: str
    file_intact: bool
    """The raw zone still holds the file, and its bytes hash to ``sha256``."""


@dataclass(frozen=True, slots=True)
class Origin:
    delivery: str
    audit_event_id: int
    department: str
    received_at: dt.datetime
    table: str
    snapshot_id: int
    key: tuple[tuple[str, str], ...]
    rows: tuple[SourceRow, ...]


def parse_key(pairs: list[str]) -> dict[str, str]:
    """``["field=value", …]`` as a key; a pair without ``=`` or a field twice is
    ``lineage.bad_key``."""
    key: dict[str, str] = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        field = field.strip()
        if not sep or not field or field in key:
            raise InvalidInput("a key is field=value, each field once", code="lineage.bad_key")
        key[field] = value
    return key


def delivery_node(session: Session, audit_event_id: int) -> str:
    """The lineage node of the delivery audit event ``audit_event_id`` records
    (``delivery:?/<id>`` when there is none: the access decision then finds no owner)."""
    event = session.get(AuditEvent, audit_event_id)
    if event is None or event.actor_department_id is None:
        return f"delivery:?/{audit_event_id}"
    department = session.get(Department, event.actor_department_id)
    code = department.code if department is not None else "?"
    return f"delivery:{code}/{audit_event_id}"


def _delivery(session: Session, audit_event_id: int) -> tuple[AuditEvent, LineageEdge]:
    event = session.get(AuditEvent, audit_event_id)
    gone = NotFound(f"no delivery {audit_event_id} with lineage", code="lineage.unknown_delivery")
    if event is None or event.action not in DELIVERY_MODES or event.outcome is not AuditOutcome.OK:
        raise gone
    edge = session.scalars(
        select(LineageEdge).where(
            LineageEdge.target == delivery_node(session, audit_event_id),
            LineageEdge.target_field == "",
        )
    ).first()
    if edge is None or edge.snapshot_id is None or not edge.source.startswith(_TABLE_PREFIX):
        raise gone
    return event, edge


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(session: Session, source: str, target: str) -> str:
    edge = session.scalars(
        select(LineageEdge).where(
            LineageEdge.source == source,
            LineageEdge.source_field == "",
            LineageEdge.target == target,
        )
    ).first()
    return edge.run_id if edge is not None else ""


def _traced(
    settings: Settings, session: Session, table_node: str, batch_id: int, row: int
) -> SourceRow:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFound(f"batch {batch_id} is not in the catalog", code="lineage.unknown_batch")
    path = raw_file(settings, batch)
    return SourceRow(
        batch_id=batch_id,
        row=row,
        published_snapshot=batch.snapshot_id,
        publish_run=_run(session, f"batch:{batch_id}", table_node),
        standardise_run=_run(session, f"file:{batch.source_sha256}", f"batch:{batch_id}"),
        sha256=batch.source_sha256,
        source_name=batch.source_name,
        raw_path=str(path),
        file_intact=path.is_file() and _sha256(path) == batch.source_sha256,
    )


def origin(
    settings: Settings, session: Session, audit_event_id: int, key: Mapping[str, str]
) -> Origin:
    """Trace the rows matching ``key`` (field → value, compared as text) that the delivery
    ``audit_event_id`` read, at its snapshot, to their batches and landed files.

    Raises ``lineage.unknown_delivery`` (404), ``lineage.bad_key`` (422)."""
    event, edge = _delivery(session, audit_event_id)
    table = edge.source.removeprefix(_TABLE_PREFIX)
    if not key:
        raise InvalidInput("give the row's key: field=value", code="lineage.bad_key")
    hidden = {name for name, _ in SYSTEM_COLUMNS}
    with connect(settings) as con:
        columns = {
            str(name)
            for (name,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
                "AND table_name = ?",
                [LAKE, table],
            ).fetchall()
        } - hidden
        unknown = sorted(set(key) - columns)
        if unknown:
            raise InvalidInput(
                f"not a field of {table}: {', '.join(unknown)}", code="lineage.bad_key"
            )
        where = " AND ".join(f"CAST({quote_ident(f)} AS VARCHAR) = ?" for f in sorted(key))
        found = con.execute(
            f"SELECT _batch_id, _row FROM {LAKE}.{quote_ident(table)} AT (VERSION => ?) "
            f"WHERE {where} ORDER BY _batch_id, _row LIMIT {MAX_ROWS}",
            [edge.snapshot_id, *(key[f] for f in sorted(key))],
        ).fetchall()
    return Origin(
        delivery=edge.target,
        audit_event_id=audit_event_id,
        department=edge.department or edge.target.split(":", 1)[1].split("/", 1)[0],
        received_at=event.occurred_at,
        table=edge.source,
        snapshot_id=int(edge.snapshot_id or 0),
        key=tuple(sorted(key.items())),
        rows=tuple(_traced(settings, session, edge.source, int(b), int(r)) for b, r in found),
    )


def delivered_origin(
    settings: Settings,
    session: Session,
    actor: Principal,
    audit_event_id: int,
    key: Mapping[str, str],
) -> Origin:
    """``lineage.view`` of the delivery's node (audited when refused), then :func:`origin`."""
    allow_lineage(session, actor, delivery_node(session, audit_event_id))
    return origin(settings, session, audit_event_id, key)
