"""Replay one audited read from its record: the same plan, the same snapshot, the same bytes.

:func:`replay` takes a :class:`RecordedRead` — an audit event's columns and detail, or a copy of
them — and rebuilds the access plan from the record alone (``catalog.replay_terms``): the columns
with the masks they had, the grant's row filter as it was (the event's ``filters``), the order,
the page's limit, offset and keyset position. Nothing comes from today's contract or grant, which
may have been re-masked, narrowed or revoked since. The only things taken from the platform now
are the server keys — the grant's ``hash``-mask key (``catalog.keys.mask_key``, from the mask
master key) and the cursor key — which were the same then, and the dataset's catalog row (for its
code). The plan runs against the recorded DuckLake snapshot (time travel, ``AT (VERSION => n)``:
always the lake, never a serving index, which keeps only recent snapshots) and is serialised by
the very functions the original read used:

==========================  ================================================================
event                       serialised by
==========================  ================================================================
``data.read``               ``lakehouse.pages.page_json`` (API pages with their ``next``
                            cursor, which seals to the same token: ``lakehouse.cursor``;
                            portal pages without one)
``data.bulk_delivered``     ``lakehouse.bulk_spool.write_spool`` in the recorded format and
                            encoding, into a scratch file that is removed unless kept
``data.changes_read``       ``lakehouse.pages.changes_json`` (with its ``next`` cursor)
``data.aggregated``         ``lakehouse.verify_exchange.aggregate_document``
==========================  ================================================================

The verdict is ``match`` when the replayed bytes have the recorded SHA-256, row count and size,
``mismatch`` when any of them differs. An unclipped CSV or Parquet extract was written in the
order DuckDB's threads produced its rows (``BulkDelivered.ordered`` false): when its replay has
the recorded row count (and, for CSV, whose lines a reordering only permutes, the recorded size)
but other bytes, the verdict is ``unordered`` — the rows were replayed, the byte order cannot be,
so the record's SHA-256 is neither confirmed nor refuted.

Not replayable (``audit.not_replayable``): ``data.verified``, whose submitted records are
deliberately never stored (only their SHA-256); subscription deliveries, whose signed manifest
already lists each file's SHA-256 (their multi-file layout is not rebuilt here); and reads
recorded before plans were kept. Other refusals: not a read (``audit.not_a_read``), the dataset's
catalog row is gone (``audit.dataset_gone``), the snapshot was expired from the lake
(``audit.snapshot_expired``), a record that does not parse (``audit.record_invalid``). All are 409
``Conflict``. A replay also needs the server keys it was sent under: after the mask master key or
``ZHONGTAI_SECRET_KEY`` is replaced, a ``hash``-masked or keyset page replays as ``mismatch``. An
aggregate that sums a ``DOUBLE`` field may differ in its last digits (parallel float addition);
the contracts' amounts are ``DECIMAL``, summed exactly.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy.orm import Session

from catalog.errors import Conflict
from catalog.keys import mask_key
from catalog.models import Dataset
from catalog.policy import AccessPlan
from catalog.replay_terms import AggregateTerms, ReadTerms, conditions_of, record_invalid
from lakehouse.aggregate import run_aggregate
from lakehouse.bulk import extract_plan, is_ordered
from lakehouse.bulk_spool import BulkEncoding, BulkFormat, write_spool
from lakehouse.changes import read_changes
from lakehouse.connection import LAKE
from lakehouse.exchange import order_salt
from lakehouse.pages import changes_json, changes_next, page_json, query_next, read_scope
from lakehouse.read import Keyset, compile_plan, read
from lakehouse.verify_exchange import aggregate_document, answer_json

__all__ = [
    "REPLAYABLE",
    "RecordedRead",
    "ReplayKeys",
    "Replayed",
    "check_replayable",
    "replay",
]

REPLAYABLE = ("data.read", "data.bulk_delivered", "data.changes_read", "data.aggregated")
_WITHOUT_RECORDS = {
    "data.verified": "a verification's submitted records are never stored",
    "subscription.delivered": "subscription deliveries are not replayed (their manifest lists "
    "each file's SHA-256: check the files against it)",
    "subscription.file_fetched": "subscription deliveries are not replayed (their manifest lists "
    "each file's SHA-256: check the files against it)",
}


@dataclass(frozen=True, slots=True)
class RecordedRead:
    """What a replay reads of an audit event (a copy may be handed in, edited, to test)."""

    event_id: int
    action: str
    dataset_id: int | None
    grant_id: int | None
    actor_department_id: int | None
    detail: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ReplayKeys:
    """The server keys a replay needs: the mask master key (loaded only when the plan was
    keyed) and the cursor key (``lakehouse.cursor.cursor_key``)."""

    mask_master: Callable[[], bytes]
    cursor_key: bytes


@dataclass(frozen=True, slots=True)
class Replayed:
    """A replay's outcome, beside what the record says was sent."""

    verdict: str
    dataset: str
    snapshot_id: int | None
    recorded_sha256: str
    replayed_sha256: str
    recorded_rows: int
    replayed_rows: int
    recorded_bytes: int
    replayed_bytes: int
    media_type: str
    body: bytes | None = None
    """The replayed JSON body (``None`` for an extract, which is a file)."""
    file: Path | None = None
    """The replayed extract, when the caller asked to keep it."""

    @property
    def match(self) -> bool:
        return self.verdict == "match"


@dataclass(frozen=True, slots=True)
class _Bytes:
    sha256: str
    rows: int
    size: int
    body: bytes | None = None
    file: Path | None = None
    ordered: bool = True


def _refuse(code: str, message: str) -> Conflict:
    return Conflict(message, code=code)


def _field(detail: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = detail.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise record_invalid(f"{key!r} is missing or malformed")
    return value


def _snapshot_exists(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> bool:
    row = con.execute(
        "SELECT count(*) FROM ducklake_snapshots(?) WHERE snapshot_id = ?", [LAKE, snapshot_id]
    ).fetchone()
    return row is not None and int(row[0]) > 0


def _pinned(con: duckdb.DuckDBPyConnection, *snapshots: int) -> None:
    for snapshot in snapshots:
        if not _snapshot_exists(con, snapshot):
            raise _refuse(
                "audit.snapshot_expired",
                f"snapshot {snapshot} has been expired from the lake; the read cannot be replayed",
            )


def _grant_key(event: RecordedRead, keyed: bool, keys: ReplayKeys) -> bytes | None:
    if not keyed:
        return None
    if event.grant_id is None:
        raise record_invalid("a keyed plan with no grant")
    return mask_key(keys.mask_master(), event.grant_id)


def _read_plan(
    event: RecordedRead, dataset: Dataset, keys: ReplayKeys
) -> tuple[ReadTerms, AccessPlan]:
    terms = ReadTerms.from_json(event.detail.get("plan"))
    if terms.table != dataset.code:
        raise record_invalid(f"the plan reads table {terms.table!r}, not the dataset's own")
    plan = terms.plan(
        dataset_code=dataset.code,
        conditions=conditions_of(event.detail.get("filters")),
        grant_id=event.grant_id,
        purpose=_field(event.detail, "purpose", str),
        hash_key=_grant_key(event, terms.keyed, keys),
    )
    return terms, plan


def _department(event: RecordedRead) -> int:
    return event.actor_department_id or 0


def _digest(body: bytes, rows: int) -> _Bytes:
    return _Bytes(hashlib.sha256(body).hexdigest(), rows, len(body), body=body)


def _page(
    con: duckdb.DuckDBPyConnection, event: RecordedRead, dataset: Dataset, keys: ReplayKeys
) -> _Bytes:
    terms, plan = _read_plan(event, dataset, keys)
    snapshot = _field(event.detail, "snapshot_id", int)
    _pinned(con, snapshot)
    keyset = None
    if terms.keyset:
        keyset = Keyset(terms.after[0] if terms.after else None)
    result = read(con, plan, snapshot_id=snapshot, order_salt=order_salt(plan), keyset=keyset)
    next_page = None
    if terms.keyset:
        scope = read_scope("query", dataset.code, plan, _department(event))

        def next_page(result: Any) -> str | None:
            return query_next(keys.cursor_key, scope, snapshot, plan, result)

    body = page_json(dataset, plan, next_page, snapshot)(result)
    return _digest(body, result.row_count)


def _bulk(
    con: duckdb.DuckDBPyConnection,
    event: RecordedRead,
    dataset: Dataset,
    keys: ReplayKeys,
    work: Path,
    keep: bool,
) -> _Bytes:
    _, plan = _read_plan(event, dataset, keys)
    snapshot = _field(event.detail, "snapshot_id", int)
    try:
        fmt = BulkFormat(str(event.detail.get("format")))
        encoding = BulkEncoding(str(event.detail.get("encoding")))
    except ValueError:
        raise record_invalid("the extract's format or encoding is unknown") from None
    _pinned(con, snapshot)
    sql, params = compile_plan(
        extract_plan(plan), snapshot_id=snapshot, order_salt=order_salt(plan)
    )
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"replay-{uuid.uuid4().hex}.{fmt.suffix}"
    written = write_spool(con, sql, params, path, fmt, encoding, ordered=plan.limit is not None)
    if not keep:
        path.unlink(missing_ok=True)
    ordered = event.detail.get("ordered")
    return _Bytes(
        written.content_sha256,
        written.row_count,
        written.byte_count,
        file=path if keep else None,
        ordered=ordered if isinstance(ordered, bool) else is_ordered(plan, fmt),
    )


def _changes(
    con: duckdb.DuckDBPyConnection, event: RecordedRead, dataset: Dataset, keys: ReplayKeys
) -> _Bytes:
    terms, plan = _read_plan(event, dataset, keys)
    span = (_field(event.detail, "from_snapshot", int), _field(event.detail, "to_snapshot", int))
    _pinned(con, *span)
    after = terms.after
    if after is not None and len(after) != 2:
        raise record_invalid("a changes position is a snapshot and a row id")
    position = (after[0], after[1]) if after is not None else None
    result = read_changes(
        con, plan, span[0] + 1, span[1], order_salt=order_salt(plan), after=position
    )
    scope = read_scope("changes", dataset.code, plan, _department(event))

    def next_page(result: Any) -> str | None:
        return changes_next(keys.cursor_key, scope, span, plan, result)

    body = changes_json(dataset, plan, span, next_page)(result)
    return _digest(body, result.row_count)


def _aggregate(
    con: duckdb.DuckDBPyConnection, event: RecordedRead, dataset: Dataset, keys: ReplayKeys
) -> _Bytes:
    terms = AggregateTerms.from_json(event.detail.get("plan"))
    if terms.table != dataset.code:
        raise record_invalid(f"the plan reads table {terms.table!r}, not the dataset's own")
    plan = terms.plan(
        dataset_code=dataset.code,
        conditions=conditions_of(event.detail.get("filters")),
        min_group_size=_field(event.detail, "min_group_size", int),
        grant_id=event.grant_id,
        purpose=_field(event.detail, "purpose", str),
        hash_key=_grant_key(event, terms.keyed, keys),
    )
    snapshot = _field(event.detail, "snapshot_id", int)
    _pinned(con, snapshot)
    result = run_aggregate(con, plan, snapshot_id=snapshot)
    body = answer_json(aggregate_document(dataset, snapshot, plan, result))
    return _digest(body, len(result.groups))


def _recorded(event: RecordedRead) -> tuple[str, int, int]:
    detail = event.detail
    rows_key = "group_count" if event.action == "data.aggregated" else "row_count"
    return (
        _field(detail, "content_sha256", str),
        _field(detail, rows_key, int),
        _field(detail, "bytes_sent", int),
    )


def _media_type(event: RecordedRead) -> str:
    if event.action != "data.bulk_delivered":
        return "application/json"
    fmt = str(event.detail.get("format"))
    if fmt == BulkFormat.CSV.value:
        return f"text/csv; charset={event.detail.get('encoding')}"
    return BulkFormat(fmt).media_type


def _reordering(event: RecordedRead, replayed: _Bytes, rows: int, size: int) -> bool:
    """Whether the replayed extract could be the sent one in another row order: the same rows,
    and for CSV (whose lines a reordering only permutes) the same size."""
    if replayed.rows != rows:
        return False
    return event.detail.get("format") != BulkFormat.CSV.value or replayed.size == size


def check_replayable(session: Session, event: RecordedRead) -> Dataset:
    """The dataset an event read, if the event is a read this module can replay."""
    if event.action in _WITHOUT_RECORDS:
        raise _refuse("audit.not_replayable", _WITHOUT_RECORDS[event.action])
    if event.action not in REPLAYABLE:
        raise _refuse("audit.not_a_read", f"event {event.event_id} is not a read of shared data")
    if event.detail.get("plan") is None:
        raise _refuse(
            "audit.not_replayable",
            f"event {event.event_id} was recorded before reads kept their plan",
        )
    dataset = session.get(Dataset, event.dataset_id) if event.dataset_id is not None else None
    if dataset is None:
        raise _refuse("audit.dataset_gone", "the dataset this read was of is no longer catalogued")
    return dataset


def replay(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    event: RecordedRead,
    keys: ReplayKeys,
    *,
    work: Path,
    keep: bool = False,
) -> Replayed:
    """Replay ``event`` (see the module docstring); ``work`` holds a replayed extract, removed
    unless ``keep``. Raises ``Conflict`` (a stable ``audit.…`` code) when it cannot replay."""
    dataset = check_replayable(session, event)
    recorded_sha256, recorded_rows, recorded_bytes = _recorded(event)
    if event.action == "data.read":
        replayed = _page(con, event, dataset, keys)
    elif event.action == "data.bulk_delivered":
        replayed = _bulk(con, event, dataset, keys, work, keep)
    elif event.action == "data.changes_read":
        replayed = _changes(con, event, dataset, keys)
    else:
        replayed = _aggregate(con, event, dataset, keys)
    same = (replayed.sha256, replayed.rows, replayed.size)
    if same == (recorded_sha256, recorded_rows, recorded_bytes):
        verdict = "match"
    elif not replayed.ordered and _reordering(event, replayed, recorded_rows, recorded_bytes):
        verdict = "unordered"
    else:
        verdict = "mismatch"
    snapshot = event.detail.get("snapshot_id", event.detail.get("to_snapshot"))
    return Replayed(
        verdict=verdict,
        dataset=dataset.code,
        snapshot_id=snapshot if isinstance(snapshot, int) else None,
        recorded_sha256=recorded_sha256,
        replayed_sha256=replayed.sha256,
        recorded_rows=recorded_rows,
        replayed_rows=replayed.rows,
        recorded_bytes=recorded_bytes,
        replayed_bytes=replayed.size,
        media_type=_media_type(event),
        body=replayed.body,
        file=replayed.file,
    )
