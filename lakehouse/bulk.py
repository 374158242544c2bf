"""The ``bulk`` access mode: a dataset's granted, masked rows as one file, audited before sending.

A caller first decides the read with ``lakehouse.exchange.authorize`` and
``ReadRequest(mode=AccessMode.BULK, limit=None, …)`` — the one access decision, which refuses
(and audits) a grant without the ``bulk`` mode, another department's, a revoked or expired grant,
a masked field used as a filter. :func:`export` then:

1. compiles the plan with ``lakehouse.read.compile_plan`` (columns, masks and row filter in SQL,
   values bound) over the dataset's current snapshot;
2. writes the rows to a spool file under ``var/spool/`` (``lakehouse.bulk_spool``: Parquet, CSV
   in UTF-8, GBK or GB18030, Arrow IPC stream), with bounded memory, and takes its row count,
   byte count and SHA-256;
3. charges the rows to the grant's quota and writes a ``BulkDelivered`` event — the manifest — in
   the caller's transaction. The caller commits, and only then sends the file, and removes it.

Row order. The plan's limit is ``None`` for a whole extract, or the rows the quota has left. When
the quota clips the extract, the plan's ordering (primary key, or the keyed hidden order when the
caller sees part of the key masked) decides which rows are sent, as for a page, and the manifest
says ``complete: false``. An unclipped extract is sent in the lake's storage order: ordering ten
million rows would mean a full sort (measured: gigabytes of server memory), and a whole extract
has no page boundaries to keep stable. That order is the publisher's landing order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy.orm import Session

from catalog import audit
from catalog.bulk_events import BulkDelivered
from catalog.errors import Conflict, InvalidInput
from catalog.grants import consume_quota
from catalog.models import AuditEvent, Dataset
from catalog.policy import AccessPlan
from catalog.principals import Principal
from catalog.replay_terms import ReadTerms
from catalog.settings import Settings
from lakehouse.bulk_spool import BulkEncoding, BulkFormat, SpoolFile, write_spool
from lakehouse.exchange import Authorised, order_salt
from lakehouse.lineage_deliveries import record_delivery
from lakehouse.read import compile_plan

__all__ = [
    "SPOOL_MAX_AGE_S",
    "BulkEncoding",
    "BulkExport",
    "BulkFormat",
    "bulk_options",
    "export",
    "extract_plan",
    "is_ordered",
    "spool_dir",
]

SPOOL_MAX_AGE_S = 6 * 3600
"""A spool file older than this was left by a send that never finished; the next export sweeps
it away."""
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class BulkExport:
    """An extract written and audited, waiting to be sent: its file, manifest and audit record."""

    spool: SpoolFile
    format: BulkFormat
    encoding: BulkEncoding
    complete: bool
    filename: str
    event: AuditEvent
    manifest: dict[str, Any]

    @property
    def media_type(self) -> str:
        if self.format is BulkFormat.CSV:
            return f"text/csv; charset={self.encoding.value}"
        return self.format.media_type

    def discard(self) -> None:
        """Remove the spool file (after sending, or when the send is abandoned)."""
        self.spool.path.unlink(missing_ok=True)


def spool_dir(settings: Settings) -> Path:
    return Path(settings.var_dir) / "spool"


def bulk_options(fmt: str, encoding: str) -> tuple[BulkFormat, BulkEncoding]:
    """The format and encoding asked for; an encoding other than UTF-8 is for CSV only."""
    try:
        chosen, charset = BulkFormat(fmt), BulkEncoding(encoding.lower())
    except ValueError:
        raise InvalidInput(
            f"format must be one of {[f.value for f in BulkFormat]} and encoding one of "
            f"{[e.value for e in BulkEncoding]}",
            code="bulk.invalid_format",
        ) from None
    if chosen is not BulkFormat.CSV and charset is not BulkEncoding.UTF8:
        raise InvalidInput(
            f"{chosen.value} is a binary format; an encoding applies to csv only",
            code="bulk.invalid_format",
        )
    return chosen, charset


def export(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    principal: Principal,
    dataset: Dataset,
    authorised: Authorised,
    *,
    fmt: BulkFormat,
    encoding: BulkEncoding = BulkEncoding.UTF8,
    spool: Path,
    now: dt.datetime | None = None,
) -> BulkExport:
    """Write the plan's rows to a spool file and audit them (see the module docstring).

    Nothing is committed here: the caller commits, then sends :attr:`BulkExport.spool`, then
    calls :meth:`BulkExport.discard`. On any failure the spool file is already gone.
    """
    snapshot = dataset.current_snapshot_id
    if snapshot is None:
        raise Conflict(
            f"Dataset {dataset.code} has no published snapshot yet.", code="dataset.not_published"
        )
    plan = authorised.plan
    spool.mkdir(parents=True, exist_ok=True)
    _sweep(spool)
    sql, params = compile_plan(
        extract_plan(plan), snapshot_id=snapshot, order_salt=order_salt(plan)
    )
    path = spool / f"{uuid.uuid4().hex}.{fmt.suffix}"
    written = write_spool(con, sql, params, path, fmt, encoding, ordered=plan.limit is not None)
    try:
        complete = _complete(con, plan, snapshot, written.row_count)
        if authorised.grant is not None:
            charged = max(written.row_count, 1) if plan.probe else written.row_count
            consume_quota(session, authorised.grant, charged)
        event = audit.record(
            session,
            BulkDelivered(
                dataset_id=dataset.id,
                grant_id=plan.grant_id,
                purpose=plan.purpose,
                columns=plan.column_names,
                masked_columns=plan.masked_columns,
                filters=tuple(c.to_json() for c in plan.conditions),
                format=fmt.value,
                encoding=encoding.value,
                row_count=written.row_count,
                bytes_sent=written.byte_count,
                content_sha256=written.content_sha256,
                snapshot_id=snapshot,
                complete=complete,
                plan=ReadTerms.of(plan).to_json(),
                ordered=is_ordered(plan, fmt),
            ),
            actor=principal,
            now=now,
        )
        record_delivery(session, event)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    manifest = {
        "dataset": dataset.code,
        "snapshot_id": snapshot,
        "grant_id": plan.grant_id,
        "format": fmt.value,
        "encoding": encoding.value,
        "columns": list(plan.column_names),
        "masked_columns": list(plan.masked_columns),
        "row_count": written.row_count,
        "bytes": written.byte_count,
        "sha256": written.content_sha256,
        "complete": complete,
        "audit_event": event.id,
    }
    return BulkExport(
        spool=written,
        format=fmt,
        encoding=encoding,
        complete=complete,
        filename=_filename(dataset.code, snapshot, plan.grant_id, fmt),
        event=event,
        manifest=manifest,
    )


def is_ordered(plan: AccessPlan, fmt: BulkFormat) -> bool:
    """Whether the extract's row order follows from its plan and snapshot alone: a clipped
    extract is sorted by the plan's order; an Arrow stream is read through DuckDB's
    order-preserving result; an unclipped CSV or Parquet ``COPY`` writes rows as its threads
    produce them (``PRESERVE_ORDER false``), so only its rows, not its bytes, can be replayed."""
    return plan.limit is not None or fmt is BulkFormat.ARROW


def extract_plan(plan: AccessPlan) -> AccessPlan:
    """The plan as the extract runs it: ordered only when a limit chooses the rows."""
    if plan.limit is not None:
        return plan
    return dataclasses.replace(plan, order_by=(), order_hidden=False)


def _complete(
    con: duckdb.DuckDBPyConnection, plan: AccessPlan, snapshot: int, written: int
) -> bool:
    """False when the quota clipped the extract: more rows match than were written."""
    if plan.limit is None or written < plan.limit:
        return True
    whole = dataclasses.replace(plan, limit=None, offset=0, order_by=(), order_hidden=False)
    sql, params = compile_plan(whole, snapshot_id=snapshot)
    row = con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()
    return row is None or int(row[0]) <= written


def _filename(code: str, snapshot: int, grant_id: int | None, fmt: BulkFormat) -> str:
    through = f"-grant{grant_id}" if grant_id is not None else ""
    stem = _SAFE.sub("_", f"{code}{through}-snapshot{snapshot}")[:120]
    return f"{stem}.{fmt.suffix}"


def _sweep(spool: Path) -> None:
    """Remove spool files a send left behind (a client that went away mid-download)."""
    cutoff = time.time() - SPOOL_MAX_AGE_S
    for leftover in spool.iterdir():
        try:
            if leftover.is_file() and leftover.stat().st_mtime < cutoff:
                leftover.unlink(missing_ok=True)
        except OSError:
            continue
