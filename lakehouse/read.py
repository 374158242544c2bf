"""Execute an access plan in SQL: the only way shared rows leave the lake.

``compile_plan`` turns a :class:`catalog.policy.AccessPlan` into SQL text and bound parameters:

- identifiers (table, columns, ordering keys) come only from the plan, which ``catalog.policy``
  built from the dataset contract, and are quoted by ``lakehouse.connection.quote_ident``;
- every value (filter values, snapshot, limit, offset) is a ``?`` parameter, never pasted;
- masks are SQL expressions (``lakehouse.masks``) and keep the column's name; a ``hash`` mask's
  key (the plan's ``hash_key``) is bound too, so the SELECT list is compiled first and its
  parameters come first;
- every column reference in filters and ordering is qualified with the table alias, so a
  condition always tests the stored value, never a masked output column of the same name;
- ordering comes only from the plan: the primary key, or — when the caller sees part of the key
  masked (``AccessPlan.order_hidden``) — a keyed hash of the DuckLake row id, which gives a
  stable page order that reveals nothing about the hidden values, not even the source file's
  order (``order_salt`` is secret to the server).

Keyset paging (``keyset=Keyset(after_rowid)``, used with a signed cursor, ``lakehouse.cursor``)
reads a pinned snapshot and starts after the row with that DuckLake row id in the same order, with
no OFFSET: the last row's key is looked up by its row id inside SQL, so a position never carries a
value; the row id breaks ties between equal keys. The result reports its last row's id.

``read`` runs the compiled statement and returns the rows as an Arrow table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa  # no stubs yet

from catalog.conditions import Condition, Op
from catalog.policy import AccessPlan, PlannedColumn
from lakehouse.connection import LAKE, quote_ident
from lakehouse.masks import mask_sql
from lakehouse.serving import ROWID, Source

__all__ = [
    "ROWID_COLUMN",
    "Keyset",
    "ReadResult",
    "column_sql",
    "compile_plan",
    "condition_sql",
    "keyset_hidden",
    "read",
    "shown_sql",
]

_ALIAS = "src"
ROWID_COLUMN = ROWID  # the serving index keeps each row's DuckLake row id in a column of this name
"""The extra output column that carries each row's id in keyset mode (removed by ``read``)."""
_COMPARISONS = {Op.EQ: "=", Op.NE: "<>", Op.LT: "<", Op.LE: "<=", Op.GT: ">", Op.GE: ">="}


@dataclass(frozen=True, slots=True)
class ReadResult:
    """The rows one plan allowed, as sent: already masked and filtered by DuckDB."""

    table: pa.Table
    row_count: int
    columns: tuple[str, ...]
    masked_columns: tuple[str, ...]
    last_rowid: int | None = None
    """Keyset mode: the row id of the page's last row (``None`` for an empty page)."""


@dataclass(frozen=True, slots=True)
class Keyset:
    """Keyset paging: start after the row ``after_rowid`` (``None``: at the first row)."""

    after_rowid: int | None = None


def column_sql(name: str, alias: str = _ALIAS) -> str:
    """A qualified, quoted reference to stored column ``name``."""
    return f"{alias}.{quote_ident(name)}"


_column = column_sql


def condition_sql(condition: Condition, params: list[Any], alias: str = _ALIAS) -> str:
    """One condition over the stored columns of ``alias``; its values are appended to
    ``params``."""
    column = column_sql(condition.field, alias)
    value = condition.value
    if condition.op is Op.IN:
        values = value if isinstance(value, tuple) else (value,)
        params.extend(values)
        return f"{column} IN ({', '.join('?' for _ in values)})"
    if isinstance(value, tuple):
        raise ValueError(f"{condition.op.value} takes a single value")  # policy refuses this
    params.append(value)
    if condition.op is Op.PREFIX:
        return f"starts_with({column}, ?)"
    return f"{column} {_COMPARISONS[condition.op]} ?"


def shown_sql(
    column: PlannedColumn, params: list[Any], *, hash_key: bytes | None, alias: str = _ALIAS
) -> str:
    """``column`` as the caller sees it: through its mask, or — on the rows its ``clear_for``
    condition holds (the reader's own cases, ``catalog.read_plan``) — the stored value as text.
    The condition tests the stored columns of ``alias``; its values are bound."""
    ref = column_sql(column.name, alias)
    if column.clear_for is None:
        return mask_sql(column.mask, ref, params, hash_key=hash_key)
    clear = condition_sql(column.clear_for, params, alias)  # its ``?`` come first
    masked = mask_sql(column.mask, ref, params, hash_key=hash_key)
    return f"CASE WHEN coalesce({clear}, false) THEN CAST({ref} AS VARCHAR) ELSE {masked} END"


@dataclass(frozen=True, slots=True)
class _From:
    """Where a compiled plan reads: the lake at a snapshot, or the snapshot's serving index."""

    relation: str
    rowid: str
    """The row id's column in the relation (DuckLake's ``rowid``, or the index's copy of it)."""
    time_travel: bool
    in_key_order: bool
    """The relation is stored in the keyset order (key NULLS LAST, row id): no sort needed."""

    def position(self, table: str) -> str:
        """A FROM item for looking one row up by row id (keyset paging), aliased ``pos``."""
        if self.time_travel:
            return f"{table} AS pos AT (VERSION => ?)"
        return f"{table} AS pos"


def _source(
    plan: AccessPlan, source: Source | None, params: list[Any]
) -> tuple[_From, Condition | None, str]:
    """The relation to read, the point lookup it answers (if any), and the plain table for
    position look-ups. A point lookup's value is the first bound parameter."""
    if source is None:
        table = f"{LAKE}.{quote_ident(plan.table)}"
        return _From(table, "rowid", True, False), None, table
    lookup = _point_lookup(plan, source)
    if lookup is None:
        return _From(source.relation, ROWID_COLUMN, False, True), None, source.relation
    params.append(lookup.value)
    keyed = (
        f"(WITH {_KEYED} AS MATERIALIZED (SELECT * FROM {source.relation} "
        f"WHERE {quote_ident(lookup.field)} = ?) SELECT * FROM {_KEYED})"
    )
    return _From(keyed, ROWID_COLUMN, False, False), lookup, source.relation


_KEYED = "zt_keyed"


def _point_lookup(plan: AccessPlan, source: Source) -> Condition | None:
    """The exact match on the most selective indexed field, which a serving index answers by
    its ART index; None when the plan has none."""
    exact = {
        c.field: c
        for c in reversed(plan.conditions)
        if c.op is Op.EQ and not isinstance(c.value, tuple)
    }
    return next((exact[name] for name in source.indexed if name in exact), None)


def compile_plan(
    plan: AccessPlan,
    *,
    snapshot_id: int | None = None,
    order_salt: int = 0,
    keyset: Keyset | None = None,
    source: Source | None = None,
) -> tuple[str, list[Any]]:
    """SQL text and bound parameters for ``plan``.

    ``snapshot_id`` reads that DuckLake snapshot (time travel) instead of the current one;
    ``order_salt`` keys the hidden ordering (see the module docstring); ``keyset`` pages by
    position instead of OFFSET (it needs ``snapshot_id``: a position is only meaningful in the
    snapshot it was taken in). ``source`` is that snapshot's serving index
    (``lakehouse.serving``): the same rows in the same order, read without a lake scan.
    """
    if not plan.columns:
        raise ValueError("an access plan must select at least one column")
    if keyset is not None and snapshot_id is None:
        raise ValueError("keyset paging reads a pinned snapshot")
    params: list[Any] = []  # in the order of their ``?``: a point lookup's, then the SELECT's
    origin, lookup, table = _source(plan, source, params)
    rowid = f"{_ALIAS}.{origin.rowid}"
    select = ", ".join(
        f"{shown_sql(c, params, hash_key=plan.hash_key)} AS {quote_ident(c.name)}"
        for c in plan.columns
    )
    if keyset is not None:
        if ROWID_COLUMN in plan.column_names:
            raise ValueError(f"a field may not be named {ROWID_COLUMN}")
        select += f", {rowid} AS {quote_ident(ROWID_COLUMN)}"
    sql = f"SELECT {select} FROM {origin.relation} AS {_ALIAS}"
    if snapshot_id is not None and origin.time_travel:
        sql += " AT (VERSION => ?)"
        params.append(snapshot_id)
    if keyset is not None:
        return _keyset_sql(plan, sql, params, origin, table, snapshot_id, order_salt, keyset)
    where = [f"({condition_sql(c, params)})" for c in plan.conditions]
    if where:
        sql += f" WHERE {' AND '.join(where)}"
    if plan.order_hidden:
        sql += f" ORDER BY hash({rowid}, ?::UBIGINT), {rowid}"
        params.append(order_salt)
    elif plan.order_by and not origin.in_key_order:
        sql += " ORDER BY " + ", ".join(_column(k) for k in plan.order_by)
    # else: a serving index is stored in key order, and DuckDB keeps a table's order when no
    # ORDER BY is given (preserve_insertion_order), so a page costs no sort.
    if plan.limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params.extend((plan.limit, plan.offset))
    elif plan.offset:
        sql += " OFFSET ?"
        params.append(plan.offset)
    return sql, params


def keyset_hidden(plan: AccessPlan) -> bool:
    """Whether a keyset read orders by the keyed hash of the row id (no visible key to order by)."""
    return plan.order_hidden or not plan.order_by


def _after(parts: list[tuple[str, str]]) -> str:
    """Rows after a position in ascending, NULLS LAST order of ``(expression, position)`` pairs;
    the last pair must be unique and never NULL (the row id)."""
    *keys, (last, last_at) = parts
    sql = f"{last} > {last_at}"
    for column, at in reversed(keys):
        greater = f"({at} IS NOT NULL AND ({column} IS NULL OR {column} > {at}))"
        sql = f"({greater} OR ({column} IS NOT DISTINCT FROM {at} AND {sql}))"
    return sql


def _keyset_sql(
    plan: AccessPlan,
    sql: str,
    params: list[Any],
    origin: _From,
    table: str,
    snapshot_id: int | None,
    order_salt: int,
    keyset: Keyset,
) -> tuple[str, list[Any]]:
    rowid = f"{_ALIAS}.{origin.rowid}"
    where: list[str] = []
    if keyset_hidden(plan):
        ordered = f"hash({rowid}, ?::UBIGINT)"
        order = f" ORDER BY {ordered}, {rowid}"
        where.extend(f"({condition_sql(c, params)})" for c in plan.conditions)
        if keyset.after_rowid is not None:
            at = "hash(CAST(? AS BIGINT), ?::UBIGINT)"
            where.append(f"({ordered} > {at} OR ({ordered} = {at} AND {rowid} > ?))")
            after = keyset.after_rowid
            params.extend((order_salt, after, order_salt, order_salt, after, order_salt, after))
        params.append(order_salt)
    else:
        keys = [_column(k) for k in plan.order_by]
        order = " ORDER BY " + ", ".join(f"{k} NULLS LAST" for k in keys) + f", {rowid}"
        if origin.in_key_order:
            order = ""  # the serving index is stored in exactly this order
        if keyset.after_rowid is not None:
            # The position's key values, looked up by row id in the same snapshot.
            picked = ", ".join(f"{_column(k, 'pos')} AS k{i}" for i, k in enumerate(plan.order_by))
            sql += (
                f", (SELECT {picked}, pos.{origin.rowid} AS r FROM {origin.position(table)}"
                f" WHERE pos.{origin.rowid} = ?) AS cur"
            )
            if origin.time_travel:
                params.append(snapshot_id)
            params.append(keyset.after_rowid)
        where.extend(f"({condition_sql(c, params)})" for c in plan.conditions)
        if keyset.after_rowid is not None:
            parts = [(k, f"cur.k{i}") for i, k in enumerate(keys)] + [(rowid, "cur.r")]
            where.append(f"({_after(parts)})")
    if where:
        sql += f" WHERE {' AND '.join(where)}"
    sql += order
    if plan.limit is not None:
        sql += " LIMIT ?"
        params.append(plan.limit)
    if plan.offset:
        sql += " OFFSET ?"
        params.append(plan.offset)
    return sql, params


def read(
    con: duckdb.DuckDBPyConnection,
    plan: AccessPlan,
    *,
    snapshot_id: int | None = None,
    order_salt: int = 0,
    keyset: Keyset | None = None,
    source: Source | None = None,
) -> ReadResult:
    """Run ``plan`` on ``con`` (a ``lakehouse.connection.connect`` connection or a
    ``lakehouse.serving.ServingLake`` cursor), from ``source`` when it holds the snapshot."""
    sql, params = compile_plan(
        plan, snapshot_id=snapshot_id, order_salt=order_salt, keyset=keyset, source=source
    )
    table = con.execute(sql, params).to_arrow_table()
    last_rowid = None
    if keyset is not None:
        ids = table.column(ROWID_COLUMN)
        last_rowid = int(ids[len(ids) - 1].as_py()) if len(ids) else None
        table = table.drop_columns([ROWID_COLUMN])
    return ReadResult(
        table=table,
        row_count=table.num_rows,
        columns=plan.column_names,
        masked_columns=plan.masked_columns,
        last_rowid=last_rowid,
    )
