"""Verify (核验) in SQL: submitted records joined to the stored rows, one statement per call.

:func:`run_verify` executes a :class:`catalog.verify_plan.VerifyPlan` over the records a caller
submitted and returns, per record, ``match``, ``not_found`` or ``differs`` with the names of the
compared fields that differ — never a stored value.

How:

- the records go to DuckDB as an Arrow table of text, registered on a *cursor* of the caller's
  connection (its own client context) under :data:`SUBMITTED`, and unregistered before the cursor
  closes: nothing is left on the shared connection, no temporary table, no setting changed;
- each submitted value is normalised by the very SQL ingest uses (``lakehouse.normalise``:
  full-width characters, surrounding spaces, ``x`` → ``X`` in an ID number, ``2026年10月`` →
  ``2026-10``…) and cast to the field's type, so ``11010519491231002x`` matches the stored
  ``…002X``;
- the stored side is :func:`verify_relation` — today the lake table at the dataset's snapshot,
  later a serving index built at publish time — filtered by the grant's row filter (bound
  parameters, qualified columns), so a row outside the grant looks ``not_found``;
- stored values are compared, never masked ones; when several stored rows share the key the
  record is a ``match`` if any of them matches every compared field, and otherwise ``differs``
  names the fields that differ in the closest row (fewest differences).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import pyarrow as pa  # no stubs yet

from catalog.conditions import Scalar, type_family
from catalog.errors import InvalidInput
from catalog.verify_plan import VerifyPlan
from lakehouse.connection import LAKE, quote_ident
from lakehouse.normalise import normalised_text, typed_column
from lakehouse.read import condition_sql
from lakehouse.serving import Source
from schemas.loader import FieldSpec

__all__ = [
    "MAX_VALUE_LENGTH",
    "SUBMITTED",
    "Outcome",
    "RecordResult",
    "check_records",
    "compile_verify",
    "run_verify",
    "verify_relation",
]

SUBMITTED = "zt_verify_submitted"
"""The name the submitted records are registered under, on the call's own cursor only."""

MAX_VALUE_LENGTH = 200
"""The longest submitted value (characters)."""

Outcome = Literal["match", "not_found", "differs"]
_ALIAS = "src"  # lakehouse.read's alias: its condition compiler qualifies columns with it


@dataclass(frozen=True, slots=True)
class RecordResult:
    """What one submitted record learns: the outcome, and which compared fields differ."""

    index: int
    outcome: Outcome
    differs: tuple[str, ...] = ()


def verify_relation(
    table: str, snapshot_id: int | None, params: list[Any], source: Source | None = None
) -> str:
    """The stored rows a verification joins to, as a FROM item aliased ``src``.

    With ``source`` — the snapshot's serving index (``lakehouse.serving``), stored sorted by the
    key — the join's key filter prunes it to the few blocks that can hold the submitted keys,
    instead of scanning the lake.

    The one place that says where verification reads: the lake table (at ``snapshot_id``, bound
    into ``params``). A serving index built at publish time replaces this, and only this.
    """
    if source is not None:
        return f"{source.relation} AS {_ALIAS}"
    relation = f"{LAKE}.{quote_ident(table)} AS {_ALIAS}"
    if snapshot_id is not None:
        relation += " AT (VERSION => ?)"
        params.append(snapshot_id)
    return relation


def check_records(plan: VerifyPlan, records: Sequence[Mapping[str, Any]]) -> None:
    """Each record names exactly the plan's fields, with a value of the right JSON type.

    Raises ``verify.record_invalid`` naming the record's index and the field — never the value,
    which is personal data. A text field takes a string; a numeric field a number or a string.
    """
    wanted = set(plan.fields)
    if len(records) != plan.record_count:
        raise InvalidInput("the record count does not match the records", code="verify.batch_size")
    for index, record in enumerate(records):
        if not isinstance(record, Mapping) or set(record) != wanted:
            raise InvalidInput(
                f"record {index} must have exactly the fields {sorted(wanted)}",
                code="verify.record_invalid",
            )
        for name, duckdb_type in plan.field_types:
            problem = _value_problem(type_family(duckdb_type), record[name])
            if problem is not None:
                raise InvalidInput(
                    f"record {index}, field {name!r}: {problem}", code="verify.record_invalid"
                )


def _value_problem(kind: str, value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return "must be a string" + (" or a number" if kind == "number" else "")
    if not isinstance(value, str):
        if kind != "number":
            return "must be a string"
        if isinstance(value, float) and not math.isfinite(value):
            return "must be a finite number"
        return None
    if len(value) > MAX_VALUE_LENGTH:
        return f"is longer than {MAX_VALUE_LENGTH} characters"
    if "\x00" in value:
        return "must not contain NUL"
    return None


def _submitted_table(plan: VerifyPlan, records: Sequence[Mapping[str, Scalar]]) -> pa.Table:
    columns: dict[str, Any] = {"_i": pa.array(range(len(records)), type=pa.int32())}
    for name in plan.fields:
        columns[name] = pa.array([str(r[name]) for r in records], type=pa.string())
    return pa.table(columns)


def _submitted_value(name: str, duckdb_type: str, element: str | None) -> str:
    """SQL for a submitted value normalised as ingest normalises it, cast to the field's type."""
    spec = FieldSpec(
        name=name, title_zh=name, source_column=name, duckdb_type=duckdb_type, element=element
    )
    text = normalised_text(spec, f"s.{quote_ident(name)}")
    return typed_column(spec, text) or text


def compile_verify(
    plan: VerifyPlan,
    elements: Mapping[str, str | None],
    *,
    snapshot_id: int | None,
    source: Source | None = None,
) -> tuple[str, list[Any]]:
    """SQL text and bound parameters verifying every record of :data:`SUBMITTED` against
    ``plan``; ``elements`` names each field's data element (its normalisation rule)."""
    params: list[Any] = []
    typed = ", ".join(
        f"{_submitted_value(n, t, elements.get(n))} AS {quote_ident(n)}"
        for n, t in plan.field_types
    )
    stored = ", ".join(f"{_ALIAS}.{quote_ident(n)}" for n in plan.fields)
    stored_rows = f"SELECT {stored} FROM {verify_relation(plan.table, snapshot_id, params, source)}"
    if plan.conditions:
        stored_rows += " WHERE " + " AND ".join(
            f"({condition_sql(c, params)})" for c in plan.conditions
        )
    on = " AND ".join(f"sub.{quote_ident(n)} = st.{quote_ident(n)}" for n in plan.match_on)
    differs = [f"(sub.{quote_ident(n)} IS DISTINCT FROM st.{quote_ident(n)})" for n in plan.compare]
    count_differing = " + ".join(f"CAST({d} AS INTEGER)" for d in differs)
    first_key = quote_ident(plan.match_on[0])
    sql = (
        f"WITH sub AS (SELECT s._i, {typed} FROM {SUBMITTED} AS s), st AS ({stored_rows}) "
        f"SELECT sub._i, count(st.{first_key}) AS hits, "
        f"min_by([{', '.join(differs)}], {count_differing}) AS differs "
        f"FROM sub LEFT JOIN st ON {on} GROUP BY sub._i ORDER BY sub._i"
    )
    return sql, params


def run_verify(
    con: duckdb.DuckDBPyConnection,
    plan: VerifyPlan,
    records: Sequence[Mapping[str, Scalar]],
    elements: Mapping[str, str | None],
    *,
    snapshot_id: int | None,
    source: Source | None = None,
) -> tuple[RecordResult, ...]:
    """Verify ``records`` (already checked by :func:`check_records`) on a cursor of ``con``,
    against ``source`` (the snapshot's serving index) when there is one."""
    sql, params = compile_verify(plan, elements, snapshot_id=snapshot_id, source=source)
    cursor = con.cursor()
    try:
        cursor.register(SUBMITTED, _submitted_table(plan, records))
        try:
            rows = cursor.execute(sql, params).fetchall()
        finally:
            cursor.unregister(SUBMITTED)
    finally:
        cursor.close()
    results = []
    for index, hits, flags in rows:
        if not hits:
            results.append(RecordResult(int(index), "not_found"))
            continue
        differing = tuple(n for n, flag in zip(plan.compare, flags, strict=True) if flag)
        outcome: Outcome = "differs" if differing else "match"
        results.append(RecordResult(int(index), outcome, differing))
    return tuple(results)
