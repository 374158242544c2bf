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
    plan: AccessPlan, *, snapshot_id: int | None = None, order_salt: int = 0
) -> tuple[str, list[Any]]:
    """SQL text and bound parameters for ``plan``.

    ``snapshot_id`` reads that DuckLake snapshot (time travel) instead of the current one;
    ``order_salt`` keys the hidden ordering (see the module docstring).
    """
    if not plan.columns:
        raise ValueError("an access plan must select at least one column")
    params: list[Any] = []  # in the order of their ``?``: the SELECT list's come first
    select = ", ".join(
        f"{mask_sql(c.mask, _column(c.name), params, hash_key=plan.hash_key)}"
        f" AS {quote_ident(c.name)}"
        for c in plan.columns
    )
    sql = f"SELECT {select} FROM {LAKE}.{quote_ident(plan.table)} AS {_ALIAS}"
    if snapshot_id is not None:
        sql += " AT (VERSION => ?)"
        params.append(snapshot_id)
    if plan.conditions:
        where = " AND ".join(f"({_condition_sql(c, params)})" for c in plan.conditions)
        sql += f" WHERE {where}"
    if plan.order_hidden:
        sql += f" ORDER BY hash({_ALIAS}.rowid, ?::UBIGINT), {_ALIAS}.rowid"
        params.append(order_salt)
    elif plan.order_by:
        sql += " ORDER BY " + ", ".join(_column(k) for k in plan.order_by)
    if plan.limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params.extend((plan.limit, plan.offset))
    elif plan.offset:
        sql += " OFFSET ?"
        params.append(plan.offset)
    return sql, params


def read(
    con: duckdb.DuckDBPyConnection,
    plan: AccessPlan,
    *,
    snapshot_id: int | None = None,
    order_salt: int = 0,
) -> ReadResult:
    """Run ``plan`` on ``con`` (a ``lakehouse.connection.connect`` connection)."""
    sql, params = compile_plan(plan, snapshot_id=snapshot_id, order_salt=order_salt)
    table = con.execute(sql, params).to_arrow_table()
    return ReadResult(
        table=table,
        row_count=table.num_rows,
        columns=plan.column_names,
        masked_columns=plan.masked_columns,
    )
