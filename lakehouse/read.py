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

``read`` runs the compiled statement and returns the rows as an Arrow table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa  # no stubs yet

from catalog.conditions import Condition, Op
from catalog.policy import AccessPlan
from lakehouse.connection import LAKE, quote_ident
from lakehouse.masks import mask_sql
from lakehouse.serving import ROWID, Source

__all__ = ["ReadResult", "compile_plan", "read"]

_ALIAS = "src"
_COMPARISONS = {Op.EQ: "=", Op.NE: "<>", Op.LT: "<", Op.LE: "<=", Op.GT: ">", Op.GE: ">="}


@dataclass(frozen=True, slots=True)
class ReadResult:
    """The rows one plan allowed, as sent: already masked and filtered by DuckDB."""

    table: pa.Table
    row_count: int
    columns: tuple[str, ...]
    masked_columns: tuple[str, ...]


def _column(name: str) -> str:
    return f"{_ALIAS}.{quote_ident(name)}"


def _condition_sql(condition: Condition, params: list[Any]) -> str:
    column = _column(condition.field)
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


def compile_plan(
    plan: AccessPlan,
    *,
    snapshot_id: int | None = None,
    order_salt: int = 0,
    source: Source | None = None,
) -> tuple[str, list[Any]]:
    """SQL text and bound parameters for ``plan``.

    ``snapshot_id`` reads that DuckLake snapshot (time travel) instead of the current one;
    ``order_salt`` keys the hidden ordering (see the module docstring). ``source`` is the
    snapshot's serving index (``lakehouse.serving``): the same rows, read without a lake scan.
    """
    if not plan.columns:
        raise ValueError("an access plan must select at least one column")
    params: list[Any] = []  # in the order of their ``?``: a point lookup's, then the SELECT's
    lookup = _point_lookup(plan, source)
    if source is not None and lookup is not None:
        params.append(lookup.value)
        relation = (
            f"(WITH {_KEYED} AS MATERIALIZED (SELECT * FROM {source.relation} "
            f"WHERE {quote_ident(lookup.field)} = ?) SELECT * FROM {_KEYED})"
        )
    elif source is not None:
        relation = source.relation
    else:
        relation = f"{LAKE}.{quote_ident(plan.table)}"
    rowid = f"{_ALIAS}.rowid" if source is None else f"{_ALIAS}.{ROWID}"
    select = ", ".join(
        f"{mask_sql(c.mask, _column(c.name), params, hash_key=plan.hash_key)}"
        f" AS {quote_ident(c.name)}"
        for c in plan.columns
    )
    sql = f"SELECT {select} FROM {relation} AS {_ALIAS}"
    if snapshot_id is not None and source is None:
        sql += " AT (VERSION => ?)"
        params.append(snapshot_id)
    if plan.conditions:
        where = " AND ".join(f"({_condition_sql(c, params)})" for c in plan.conditions)
        sql += f" WHERE {where}"
    if plan.order_hidden:
        sql += f" ORDER BY hash({rowid}, ?::UBIGINT), {rowid}"
        params.append(order_salt)
    elif plan.order_by and (source is None or lookup is not None):
        sql += " ORDER BY " + ", ".join(_column(k) for k in plan.order_by)
    # else: a serving index is stored in primary-key order, and DuckDB keeps a table's order
    # when no ORDER BY is given (preserve_insertion_order), so a page costs no sort.
    if plan.limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params.extend((plan.limit, plan.offset))
    elif plan.offset:
        sql += " OFFSET ?"
        params.append(plan.offset)
    return sql, params


_KEYED = "zt_keyed"


def _point_lookup(plan: AccessPlan, source: Source | None) -> Condition | None:
    """The exact match on the most selective indexed field, which a serving index answers by
    its ART index; None when the plan has none."""
    if source is None:
        return None
    exact = {
        c.field: c
        for c in reversed(plan.conditions)
        if c.op is Op.EQ and not isinstance(c.value, tuple)
    }
    return next((exact[name] for name in source.indexed if name in exact), None)


def read(
    con: duckdb.DuckDBPyConnection,
    plan: AccessPlan,
    *,
    snapshot_id: int | None = None,
    order_salt: int = 0,
    source: Source | None = None,
) -> ReadResult:
    """Run ``plan`` on ``con`` (a ``lakehouse.connection.connect`` connection or a
    ``lakehouse.serving.ServingLake`` cursor), from ``source`` when it holds the snapshot."""
    sql, params = compile_plan(plan, snapshot_id=snapshot_id, order_salt=order_salt, source=source)
    table = con.execute(sql, params).to_arrow_table()
    return ReadResult(
        table=table,
        row_count=table.num_rows,
        columns=plan.column_names,
        masked_columns=plan.masked_columns,
    )
