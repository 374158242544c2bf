"""What changed between two snapshots, as a grantee may see it: DuckLake's change feed in SQL.

``compile_changes`` turns an :class:`catalog.policy.AccessPlan` (the same plan a ``query`` gets:
columns, masks, the grant's row filter then the client's filters) into one parameterised statement
over ``ducklake_table_changes(lake, 'main', table, start, end)`` — DuckLake's data change feed,
which lists each ``insert``, ``delete``, ``update_preimage`` and ``update_postimage`` with its
``snapshot_id`` and ``rowid`` — instead of over the table. Identifiers come from the plan, every
value is bound, masks are ``lakehouse.masks`` expressions and conditions test the stored values
(``lakehouse.read.condition_sql``), exactly as ``lakehouse.read.compile_plan`` does.

**A change is a difference between what the caller could read at the two snapshots.** Each row of
the feed is an *image*; an image is *in view* when it passes every planned condition (the grant's
row filter first). Out-of-view images are never shown, in any form:

=======================  ===========================  ==========================================
feed                     in view                      shown as
=======================  ===========================  ==========================================
insert                   yes / no                     ``added`` (the new row) / nothing
delete                   yes / no                     ``removed`` (the row as it was) / nothing
update pre → post        both                         ``changed`` with the post image — unless the
                                                      caller's (masked, selected) columns are the
                                                      same in both, then nothing: a change to a
                                                      field it cannot see is not its to learn
update pre → post        pre only (row left the       ``removed`` with the pre image, which it
                         filtered region)             could read before; the post image is never
                                                      sent, only that the row left its view (as a
                                                      query at both snapshots would show)
update pre → post        post only (row entered)      ``added`` with the post image
update pre → post        neither                      nothing
=======================  ===========================  ==========================================

Each change carries the snapshot it happened in and a ``row_ref``: for a grantee, HMAC-SHA256 of
the DuckLake row id under its grant's key (``lakehouse.masks`` ``hash``), so it can follow one row
through ``added`` → ``changed`` → ``removed`` without learning the row id or the file order; the
owner sees the row id itself. Changes are ordered by snapshot, then — when the caller sees no key
to order by (``lakehouse.read.keyset_hidden``) — by a keyed hash of the row id, then by row id; a
keyset position is ``(snapshot, row id)``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa  # no stubs yet

from catalog.policy import AccessPlan
from lakehouse.connection import LAKE, quote_ident
from lakehouse.masks import mask_sql
from lakehouse.read import condition_sql, keyset_hidden, shown_sql
from schemas import MaskKind, MaskSpec

__all__ = ["CHANGE_KINDS", "ChangesResult", "compile_changes", "read_changes"]

CHANGE_KINDS = ("added", "changed", "removed")
_FEED = ("snapshot_id", "rowid", "change_type")
_META = ("__zt_change", "__zt_snapshot", "__zt_ref", "__zt_rowid")
_HASH = MaskSpec(MaskKind.HASH)


@dataclass(frozen=True, slots=True)
class ChangesResult:
    """The changes one plan allowed between two snapshots, masked and filtered by DuckDB."""

    changes: list[dict[str, Any]]
    """Each ``{"change", "snapshot_id", "row_ref", "row": {column: value}}``."""
    columns: tuple[str, ...]
    masked_columns: tuple[str, ...]
    last_position: tuple[int, int] | None
    """``(snapshot, row id)`` of the last change (``None`` for an empty page): a keyset cursor."""

    @property
    def row_count(self) -> int:
        return len(self.changes)

    def counts(self) -> dict[str, int]:
        counted = Counter(c["change"] for c in self.changes)
        return {kind: counted.get(kind, 0) for kind in CHANGE_KINDS}


def _q(name: str) -> str:
    return quote_ident(name)


def compile_changes(
    plan: AccessPlan,
    start: int,
    end: int,
    *,
    order_salt: int = 0,
    after: tuple[int, int] | None = None,
) -> tuple[str, list[Any]]:
    """SQL and bound parameters for the changes of snapshots ``start`` to ``end`` (both
    inclusive) that ``plan`` lets its caller see, after keyset position ``after``."""
    names = plan.column_names
    if not names:
        raise ValueError("an access plan must select at least one column")
    clash = set(names) & {*_FEED, *_META, "__zt_type", "__zt_in"}
    if clash:
        raise ValueError(f"field(s) {sorted(clash)} clash with the change feed's own columns")
    params: list[Any] = []
    in_view = " AND ".join(f"({condition_sql(c, params)})" for c in plan.conditions) or "true"
    images = ", ".join(
        f"{shown_sql(c, params, hash_key=plan.hash_key, alias='src')} AS {_q(c.name)}"
        for c in plan.columns
    )
    sql = (
        "WITH imgs AS (SELECT src.snapshot_id AS __zt_snapshot, src.rowid AS __zt_rowid,"
        f" src.change_type AS __zt_type, coalesce({in_view}, false) AS __zt_in, {images}"
        f" FROM ducklake_table_changes(?, 'main', ?, ?, ?) AS src)"
    )
    params.extend((LAKE, plan.table, start, end))
    plain = ", ".join(_q(n) for n in names)
    chosen = ", ".join(
        f"CASE WHEN post.__zt_in THEN post.{_q(n)} ELSE pre.{_q(n)} END AS {_q(n)}" for n in names
    )
    same = " AND ".join(f"pre.{_q(n)} IS NOT DISTINCT FROM post.{_q(n)}" for n in names)
    sql += (
        ", events AS ("
        "SELECT __zt_snapshot, __zt_rowid,"
        " CASE __zt_type WHEN 'insert' THEN 'added' ELSE 'removed' END AS __zt_change,"
        f" {plain} FROM imgs WHERE __zt_type IN ('insert', 'delete') AND __zt_in"
        " UNION ALL "
        "SELECT post.__zt_snapshot, post.__zt_rowid,"
        " CASE WHEN pre.__zt_in AND post.__zt_in THEN 'changed'"
        " WHEN post.__zt_in THEN 'added' ELSE 'removed' END,"
        f" {chosen} FROM imgs AS pre JOIN imgs AS post"
        " ON pre.__zt_snapshot = post.__zt_snapshot AND pre.__zt_rowid = post.__zt_rowid"
        " WHERE pre.__zt_type = 'update_preimage' AND post.__zt_type = 'update_postimage'"
        " AND (pre.__zt_in OR post.__zt_in)"
        f" AND NOT (pre.__zt_in AND post.__zt_in AND {same}))"
    )
    rowid = "CAST(e.__zt_rowid AS VARCHAR)"
    ref = mask_sql(_HASH, rowid, params, hash_key=plan.hash_key) if plan.hash_key else rowid
    shown = ", ".join(f"e.{_q(n)}" for n in names)
    sql += (
        f" SELECT e.__zt_change, e.__zt_snapshot, {ref} AS __zt_ref, e.__zt_rowid, {shown}"
        " FROM events AS e"
    )
    hidden = keyset_hidden(plan)
    ordered = "hash(e.__zt_rowid, ?::UBIGINT)"
    if after is not None:
        snapshot, last = after
        within = "e.__zt_rowid > ?"
        inner: list[Any] = [last]
        if hidden:
            at = "hash(CAST(? AS BIGINT), ?::UBIGINT)"
            within = f"({ordered} > {at} OR ({ordered} = {at} AND e.__zt_rowid > ?))"
            inner = [order_salt, last, order_salt, order_salt, last, order_salt, last]
        sql += f" WHERE (e.__zt_snapshot > ? OR (e.__zt_snapshot = ? AND {within}))"
        params.extend((snapshot, snapshot, *inner))
    sql += " ORDER BY e.__zt_snapshot, "
    if hidden:
        sql += f"{ordered}, "
        params.append(order_salt)
    sql += "e.__zt_rowid"
    if plan.limit is not None:
        sql += " LIMIT ?"
        params.append(plan.limit)
    if plan.offset:
        sql += " OFFSET ?"
        params.append(plan.offset)
    return sql, params


def read_changes(
    con: duckdb.DuckDBPyConnection,
    plan: AccessPlan,
    start: int,
    end: int,
    *,
    order_salt: int = 0,
    after: tuple[int, int] | None = None,
) -> ChangesResult:
    """Run :func:`compile_changes` on ``con`` (a connection with the lake attached)."""
    sql, params = compile_changes(plan, start, end, order_salt=order_salt, after=after)
    table: pa.Table = con.execute(sql, params).to_arrow_table()
    names = plan.column_names
    changes = [
        {
            "change": row["__zt_change"],
            "snapshot_id": int(row["__zt_snapshot"]),
            "row_ref": row["__zt_ref"],
            "row": {n: row[n] for n in names},
        }
        for row in table.to_pylist()
    ]
    last = None
    if table.num_rows:
        tail = table.slice(table.num_rows - 1).to_pylist()[0]
        last = (int(tail["__zt_snapshot"]), int(tail["__zt_rowid"]))
    return ChangesResult(
        changes=changes,
        columns=names,
        masked_columns=plan.masked_columns,
        last_position=last,
    )
