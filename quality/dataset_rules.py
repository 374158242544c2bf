"""Dataset-level rules: cross-field row rules, and batch checks over a whole batch.

Two kinds, both declared in the contract (see :mod:`schemas.loader`):

* **Cross-field rules** compile to row-level :class:`~quality.rules.Rule` objects, exactly like
  the data-element rules: a DuckDB predicate that is TRUE for a failing row and never NULL. They
  join the SQL verdict (so failing rows are quarantined with the code) and the GE suite.

  ======================= ================================================================
  ``cross.id_birth_date`` characters 7-14 of a well-formed citizen ID are a real date that
                          differs from the birth-date column
  ``cross.id_sex``        character 17 of a well-formed citizen ID is odd (male, ``1``) or
                          even (female, ``2``) and the sex column holds the other of ``1``/``2``
  ======================= ================================================================

  They only judge rows where both columns are present and the ID is well formed with a real
  embedded date: a malformed ID or a missing value is the element rules' finding, not a second
  one here. Sex codes ``0`` (unknown) and ``9`` (unspecified) never contradict an ID. When a
  contract declares the same rule twice its codes are qualified by the ID field
  (``cross.id_sex:legal_rep_id``).

* **Batch checks** judge the batch as a whole from a few numbers — rows in, the previous published
  batch's rows in, the newest period or date among the rows that passed, the landing time — so
  their decision is a pure function here (:func:`row_count_finding`, :func:`freshness_finding`).
  :mod:`quality.validate` queries the numbers in DuckDB and runs the same checks as GE
  expectations (GE stays the executor of record; both must agree).

  ========================== ============================================================
  ``batch.row_count_change`` rows in within ``previous × (1 ± max_ratio)``; passes, with a
                             note, when no batch was published before
  ``batch.freshness``        the newest value of the freshness field (a ``YYYY-MM`` month
                             counts as its last day) is at most ``max_age_days`` before the
                             landing date (Beijing time)
  ========================== ============================================================

  A failed check is *blocking* when the contract sets ``quality.batch_checks_block``; then the
  batch is rejected, otherwise it is published with the finding as a warning.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from quality.rules import Rule, compile_rules, quote_ident, sql_literal
from schemas.loader import DataElement, DatasetContract, FieldSpec

__all__ = [
    "FRESHNESS",
    "ROW_COUNT_CHANGE",
    "BatchContext",
    "Finding",
    "compile_cross_field_rules",
    "contract_rules",
    "freshness_finding",
    "freshness_stale_query",
    "landing_date",
    "newest_passing_query",
    "newest_value_sql",
    "row_count_bounds",
    "row_count_finding",
]

ROW_COUNT_CHANGE = "batch.row_count_change"
FRESHNESS = "batch.freshness"
LOCAL_TIME = ZoneInfo("Asia/Shanghai")
"""Landing dates are counted in Beijing time, the time the departments' periods are in."""

_WELL_FORMED_ID = "regexp_full_match({id}, '[0-9]{{17}}[0-9X]')"


@dataclass(frozen=True, slots=True)
class BatchContext:
    """Catalog facts a batch check needs: the previous PUBLISHED batch's rows in (None for the
    first batch of the dataset) and when this batch was landed."""

    previous_rows: int | None
    landed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Finding:
    """The result of one batch check; :meth:`as_dict` is the JSON stored in the report."""

    code: str
    passed: bool
    observed: Any
    bound: Any
    blocking: bool
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "observed": self.observed,
            "bound": self.bound,
            "blocking": self.blocking,
            "message": self.message,
        }


# --- cross-field rules ---------------------------------------------------------------------------


def _embedded_birth_date(id_column: str) -> str:
    return f"CAST(TRY_STRPTIME(substr({id_column}, 7, 8), '%Y%m%d') AS DATE)"


def _as_date(spec: FieldSpec) -> str:
    column = quote_ident(spec.name)
    if spec.duckdb_type.strip().upper() == "DATE":
        return column
    return f"TRY_CAST({column} AS DATE)"


def id_birth_date_check(id_spec: FieldSpec, birth_spec: FieldSpec) -> str:
    """TRUE when a well-formed ID's real embedded date differs from the birth-date column."""
    cid = quote_ident(id_spec.name)
    embedded = _embedded_birth_date(cid)
    birth = _as_date(birth_spec)
    return (
        f"{_WELL_FORMED_ID.format(id=cid)} AND {embedded} IS NOT NULL "
        f"AND {birth} IS NOT NULL AND {embedded} <> {birth}"
    )


def id_sex_check(id_spec: FieldSpec, sex_spec: FieldSpec) -> str:
    """TRUE when a well-formed ID's sex digit contradicts a male/female code in the sex column."""
    cid = quote_ident(id_spec.name)
    sex = f"CAST({quote_ident(sex_spec.name)} AS VARCHAR)"
    expected = f"CASE WHEN (ascii(substr({cid}, 17, 1)) - 48) % 2 = 1 THEN '1' ELSE '2' END"
    return (
        f"{_WELL_FORMED_ID.format(id=cid)} AND {_embedded_birth_date(cid)} IS NOT NULL "
        f"AND {sex} IN ('1', '2') AND {sex} <> {expected}"
    )


def compile_cross_field_rules(contract: DatasetContract) -> tuple[Rule, ...]:
    """The contract's cross-field rules as NULL-safe row rules, in contract order."""
    repeated = Counter(r.rule for r in contract.cross_field)
    rules: list[Rule] = []
    for declared in contract.cross_field:
        id_spec = contract.field(declared.fields["id_field"])
        qualifier = f":{id_spec.name}" if repeated[declared.rule] > 1 else ""
        if declared.rule == "id_birth_date":
            other = contract.field(declared.fields["birth_date_field"])
            predicate = id_birth_date_check(id_spec, other)
            description = f"birth date in {id_spec.name} differs from {other.name}"
        else:
            other = contract.field(declared.fields["sex_field"])
            predicate = id_sex_check(id_spec, other)
            description = f"sex encoded in {id_spec.name} differs from {other.name}"
        rules.append(
            Rule(
                f"cross.{declared.rule}{qualifier}",
                f"COALESCE(({predicate}), FALSE)",
                other.name,
                description,
            )
        )
    return tuple(rules)


def contract_rules(
    contract: DatasetContract, elements: dict[str, DataElement] | None = None
) -> tuple[Rule, ...]:
    """Every row rule of ``contract``: the element and key rules, then the cross-field rules.
    ``elements`` are the definitions to compile (default: the shipped files; the pipeline
    passes the catalog's, ``catalog.elements.catalog_elements``)."""
    return compile_rules(contract, elements) + compile_cross_field_rules(contract)


# --- batch checks --------------------------------------------------------------------------------


def row_count_bounds(previous_rows: int, max_ratio: float) -> tuple[int, int]:
    """The inclusive whole-row bounds ``previous × (1 ± max_ratio)``, computed exactly."""
    ratio = Decimal(str(max_ratio))
    low = Decimal(previous_rows) * (1 - ratio)
    high = Decimal(previous_rows) * (1 + ratio)
    return max(0, math.ceil(low)), math.floor(high)


def row_count_finding(
    rows_in: int, previous_rows: int | None, max_ratio: float, *, blocking: bool
) -> Finding:
    if previous_rows is None:
        return Finding(
            ROW_COUNT_CHANGE,
            True,
            rows_in,
            None,
            blocking,
            "first published batch of the dataset: no previous row count to compare",
        )
    low, high = row_count_bounds(previous_rows, max_ratio)
    passed = low <= rows_in <= high
    change = (rows_in - previous_rows) / previous_rows * 100 if previous_rows else math.inf
    verb = "within" if passed else "outside"
    return Finding(
        ROW_COUNT_CHANGE,
        passed,
        rows_in,
        [low, high],
        blocking,
        f"{rows_in} rows vs {previous_rows} in the previous published batch ({change:+.1f}%), "
        f"{verb} ±{max_ratio * 100:g}% ([{low}, {high}])",
    )


def landing_date(landed_at: dt.datetime) -> dt.date:
    """The calendar day of the landing in Beijing time (a naive time is taken as UTC)."""
    aware = landed_at if landed_at.tzinfo else landed_at.replace(tzinfo=dt.UTC)
    return aware.astimezone(LOCAL_TIME).date()


def freshness_finding(
    newest: dt.date | None, landed_on: dt.date, max_age_days: int, *, blocking: bool
) -> Finding:
    oldest = landed_on - dt.timedelta(days=max_age_days)
    if newest is None:
        return Finding(
            FRESHNESS,
            False,
            None,
            oldest.isoformat(),
            blocking,
            "no row that passed the rules has a value in the freshness field",
        )
    age = (landed_on - newest).days
    passed = newest >= oldest
    return Finding(
        FRESHNESS,
        passed,
        newest.isoformat(),
        oldest.isoformat(),
        blocking,
        f"newest value {newest.isoformat()} is {age} days before the landing on "
        f"{landed_on.isoformat()}; at most {max_age_days} allowed",
    )


def newest_value_sql(spec: FieldSpec) -> str:
    """SQL for one row's freshness date of ``spec``: a DATE as is, a timestamp's day, or the last
    day of a ``YYYY-MM`` month (NULL when the text is not one)."""
    column = quote_ident(spec.name)
    kind = spec.duckdb_type.strip().upper()
    if kind == "DATE":
        return column
    if kind.startswith("TIMESTAMP"):
        return f"CAST({column} AS DATE)"
    month = f"CAST(TRY_STRPTIME(CAST({column} AS VARCHAR) || '-01', '%Y-%m-%d') AS DATE)"
    return f"last_day({month})"


def newest_passing_query(relation: str, verdict: str, spec: FieldSpec) -> str:
    """``_newest DATE``: the newest freshness date of ``spec`` among rows not in ``verdict``."""
    row = quote_ident("_row")
    return (
        f"SELECT max({newest_value_sql(spec)}) AS _newest FROM {relation} "
        f"WHERE {row} NOT IN (SELECT {row} FROM {verdict})"
    )


def freshness_stale_query(relation: str, verdict: str, spec: FieldSpec, oldest: dt.date) -> str:
    """One row when the newest passing value of ``spec`` is missing or before ``oldest``: the
    query of the GE expectation that executes the freshness check."""
    return (
        f"SELECT _newest FROM ({newest_passing_query(relation, verdict, spec)}) AS _freshness "
        f"WHERE _newest IS NULL OR _newest < DATE {sql_literal(oldest.isoformat())}"
    )
