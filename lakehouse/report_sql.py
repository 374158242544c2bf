"""One report field's value in ONE DuckDB statement (智能报表, ``lakehouse.report_fill``).

:func:`compile_field` turns a :class:`catalog.report_prefill.SourcePlan` into SQL whose only
output is ``(kept, value)``:

- the source is read at its snapshot through its aggregate plan's conditions (the grant's row
  filter first, then the template's ``where``), compiled by ``lakehouse.read.condition_sql``
  with bound values;
- a ``count_distinct`` counts the distinct HMAC of the field under the report's key
  (``catalog.keys.report_key``), never the stored value; a ``sum`` adds the (unmasked, granted)
  numeric field;
- a ``via`` field keeps the source rows whose HMAC of the join key is found among the joined
  dataset's rows (read at its snapshot through its own plan): the key is compared only as a keyed
  hash, inside the statement, and never selected out of it;
- small counts never leave DuckDB: when fewer than the plan's ``min_group_size`` rows were counted
  (or, for a distinct count, fewer distinct values) ``kept`` is false and ``value`` NULL. The
  owner's plans have a minimum of 1: nothing is suppressed, an empty count is 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from catalog.aggregate_plan import AggregatePlan
from catalog.report_prefill import SourcePlan
from lakehouse.connection import LAKE, quote_ident
from lakehouse.masks import mask_sql
from lakehouse.read import column_sql, condition_sql
from schemas import MaskKind, MaskSpec
from schemas.report_templates import Measure

__all__ = ["FieldValue", "compile_field", "run_field"]

_HASH = MaskSpec(MaskKind.HASH)
_ALIAS = "src"


@dataclass(frozen=True, slots=True)
class FieldValue:
    """What left DuckDB for one field: its value, or nothing when the count was too small."""

    kept: bool
    value: int | Decimal | None


def _hashed(name: str, key: bytes, params: list[Any]) -> str:
    return mask_sql(_HASH, column_sql(name, _ALIAS), params, hash_key=key)


def _rows(plan: AggregatePlan, snapshot_id: int, select: str, params: list[Any]) -> str:
    sql = f"SELECT {select} FROM {LAKE}.{quote_ident(plan.table)} AS {_ALIAS} AT (VERSION => ?)"
    params.append(snapshot_id)
    where = [f"({condition_sql(c, params)})" for c in plan.conditions]
    if where:
        sql += f" WHERE {' AND '.join(where)}"
    return sql


def compile_field(source: SourcePlan, key: bytes) -> tuple[str, list[Any]]:
    """SQL text and bound parameters for one field (see the module docstring)."""
    if not key:
        raise ValueError("a report field needs the report's key")
    params: list[Any] = []
    if source.measure is Measure.COUNT_DISTINCT:
        shown = [f"{_hashed(source.measured, key, params)} AS zt_id"]
    else:
        shown = [f"{column_sql(source.measured, _ALIAS)} AS zt_v"]
    if source.via_plan is not None:
        shown.append(f"{_hashed(source.via_key, key, params)} AS zt_key")
    ctes = [f"s AS ({_rows(source.plan, source.snapshot_id, ', '.join(shown), params)})"]
    rows = "s"
    if source.via_plan is not None:
        assert source.via_snapshot_id is not None
        joined = _rows(
            source.via_plan,
            source.via_snapshot_id,
            f"{_hashed(source.via_key, key, params)} AS zt_key",
            params,
        )
        ctes.append(f"j AS ({joined})")
        ctes.append("f AS (SELECT * FROM s WHERE s.zt_key IN (SELECT zt_key FROM j))")
        rows = "f"
    if source.measure is Measure.COUNT_DISTINCT:
        measure, size = "count(DISTINCT zt_id)", "count(DISTINCT zt_id)"
    else:
        measure, size = "coalesce(sum(zt_v), 0)", "count(*)"
    ctes.append(f"m AS (SELECT count(*) AS _n, {size} AS _d, {measure} AS _v FROM {rows})")
    least = source.min_group_size
    sql = (
        f"WITH {', '.join(ctes)} "
        "SELECT (? <= 1 OR (_n >= ? AND _d >= ?)) AS kept, "
        "CASE WHEN ? <= 1 OR (_n >= ? AND _d >= ?) THEN _v END AS value FROM m"
    )
    params.extend((least, least, least, least, least, least))
    return sql, params


def run_field(con: duckdb.DuckDBPyConnection, source: SourcePlan, key: bytes) -> FieldValue:
    sql, params = compile_field(source, key)
    row = con.execute(sql, params).fetchone()
    assert row is not None
    kept, value = bool(row[0]), row[1]
    if not kept:
        return FieldValue(False, None)
    if isinstance(value, Decimal):
        return FieldValue(True, value)
    return FieldValue(True, int(value) if value is not None else 0)
