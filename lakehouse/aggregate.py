"""Aggregates in SQL: counts and sums by granted fields, small groups suppressed inside DuckDB.

Measures: ``count(*)``, ``sum(field)``, ``count(field)`` (``count_present``) and
``count(*) FILTER (WHERE field <= than)`` (``count_not_after``), over stored columns the plan
names.

:func:`compile_aggregate` turns a :class:`catalog.aggregate_plan.AggregatePlan` into one
statement:

- group fields are grouped by the expression the grantee sees (``lakehouse.masks.mask_sql``),
  never the stored value: a ``year``-masked birth date groups by year, a ``hash``-masked ID by its
  keyed hash (every group of size one, so all suppressed);
- filters (the grant's row filter first) test stored columns, qualified and bound like
  ``lakehouse.read``'s;
- groups with fewer than ``min_group_size`` rows never leave DuckDB: the statement returns the
  kept groups (ordered by their keys, at most ``max_groups + 1`` so "too many" can be told) and,
  on every row, how many groups were kept and how many were suppressed. When no group is kept a
  single row carries only those counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from catalog.aggregate_plan import AggregatePlan, Measure, MeasureFn
from catalog.errors import InvalidInput
from lakehouse.connection import LAKE, quote_ident
from lakehouse.masks import mask_sql
from lakehouse.read import condition_sql

__all__ = ["AggregateResult", "compile_aggregate", "run_aggregate"]

_ALIAS = "src"  # lakehouse.read's alias: its condition compiler qualifies columns with it


@dataclass(frozen=True, slots=True)
class AggregateResult:
    """The groups that may be sent (keys and measures), and how many were suppressed."""

    columns: tuple[str, ...]
    groups: tuple[dict[str, Any], ...]
    suppressed_groups: int


def compile_aggregate(
    plan: AggregatePlan, *, snapshot_id: int | None = None
) -> tuple[str, list[Any]]:
    """SQL text and bound parameters for ``plan`` (see the module docstring)."""
    params: list[Any] = []
    keys = [
        f"{mask_sql(c.mask, f'{_ALIAS}.{quote_ident(c.name)}', params, hash_key=plan.hash_key)}"
        f" AS {quote_ident(c.name)}"
        for c in plan.group_by
    ]
    measures = [_measure_sql(m) for m in plan.measures]
    select = [*keys, "count(*) AS _n"] + [
        f"{expr} AS {quote_ident(m.label)}" for expr, m in zip(measures, plan.measures, strict=True)
    ]
    source = f"{LAKE}.{quote_ident(plan.table)} AS {_ALIAS}"
    if snapshot_id is not None:
        source += " AT (VERSION => ?)"
        params.append(snapshot_id)
    grouped = f"SELECT {', '.join(select)} FROM {source}"
    if plan.conditions:
        grouped += " WHERE " + " AND ".join(
            f"({condition_sql(c, params)})" for c in plan.conditions
        )
    if plan.group_by:
        grouped += " GROUP BY " + ", ".join(str(i + 1) for i in range(len(plan.group_by)))
    key_names = [quote_ident(c.name) for c in plan.group_by]
    order = (" ORDER BY " + ", ".join(f"{k} NULLS FIRST" for k in key_names)) if key_names else ""
    sql = (
        f"WITH g AS ({grouped}), "
        "stats AS (SELECT count(*) FILTER (WHERE _n >= ?) AS _kept, "
        "count(*) FILTER (WHERE _n < ?) AS _suppressed FROM g), "
        f"kept AS (SELECT * FROM g WHERE _n >= ?{order} LIMIT ?) "
        f"SELECT stats._kept, stats._suppressed, kept.* FROM stats LEFT JOIN kept ON true{order}"
    )
    params.extend((plan.min_group_size, plan.min_group_size, plan.min_group_size))
    params.append(plan.max_groups + 1)
    return sql, params


def _measure_sql(measure: Measure) -> str:
    """One measure over stored columns; its field names come from the plan, quoted."""
    if measure.fn is MeasureFn.COUNT:
        return "count(*)"
    field = f"{_ALIAS}.{quote_ident(measure.field or '')}"
    if measure.fn is MeasureFn.SUM:
        return f"sum({field})"
    if measure.fn is MeasureFn.COUNT_PRESENT:
        return f"count({field})"
    than = f"{_ALIAS}.{quote_ident(measure.than or '')}"
    return f"count(*) FILTER (WHERE {field} <= {than})"  # a null on either side never counts


def run_aggregate(
    con: duckdb.DuckDBPyConnection, plan: AggregatePlan, *, snapshot_id: int | None = None
) -> AggregateResult:
    """Run ``plan``; more than ``plan.max_groups`` kept groups is ``aggregate.too_many_groups``."""
    sql, params = compile_aggregate(plan, snapshot_id=snapshot_id)
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description or ()]
    rows = cursor.fetchall()
    kept, suppressed = int(rows[0][0]), int(rows[0][1])
    if kept > plan.max_groups:
        raise InvalidInput(
            f"the aggregate has {kept} groups; at most {plan.max_groups} may be returned: "
            "group by fewer or coarser fields, or filter",
            code="aggregate.too_many_groups",
        )
    columns = tuple(c.name for c in plan.group_by) + tuple(m.label for m in plan.measures)
    groups: list[dict[str, Any]] = []
    if kept:
        for row in rows:
            values = dict(zip(names, row, strict=True))
            groups.append({name: values[name] for name in columns})
    return AggregateResult(columns=columns, groups=tuple(groups), suppressed_groups=suppressed)
