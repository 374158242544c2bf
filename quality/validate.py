"""Validate one standardized batch inside DuckDB: GE suite, per-row verdict, decision.

``validate`` runs two independent evaluations of the same compiled rules over the same relation:

* the Great Expectations suite (:mod:`quality.suite`), whose result is kept for the report, and
* one DuckDB query that writes, for every failing row, ``_row`` and ``failed_rules VARCHAR[]``
  into a verdict table that the publish step uses to quarantine rows.

GE's unexpected count per rule must equal the verdict's count per rule and GE must have evaluated
every expectation; otherwise :class:`~quality.errors.EngineFailure` is raised, so an engine that
silently returns empty metrics (the duckdb_engine rollback trap) can never pass a batch.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from catalog.models import QualityDecision
from quality.errors import EngineFailure, RelationMismatch
from quality.rules import (
    CAST_ERRORS_COLUMN,
    GB2260_TABLE,
    ROW_COLUMN,
    Rule,
    compile_rules,
    quote_ident,
    sql_literal,
    verdict_query,
)
from quality.suite import RULE_META_KEY, build_suite, run_suite
from schemas.loader import CODES_DIR, DatasetContract

VERDICT_PREFIX = "_quality_verdict_"


@dataclass(frozen=True, slots=True)
class QualityOutcome:
    """What validating one batch found. ``verdict_relation`` names a table in the connection."""

    batch_id: int
    rows_in: int
    rows_passed: int
    rows_quarantined: int
    rule_counts: dict[str, int]
    score: float
    decision: QualityDecision
    ge_success: bool
    ge_result: dict[str, Any]
    verdict_relation: str


def decide(rows_in: int, rows_quarantined: int, max_failure_ratio: float) -> QualityDecision:
    """PUBLISH when clean, PUBLISH_WITH_QUARANTINE up to the contract's ratio, else REJECT."""
    if rows_in <= 0:
        return QualityDecision.REJECT
    if rows_quarantined == 0:
        return QualityDecision.PUBLISH
    if rows_quarantined / rows_in <= max_failure_ratio:
        return QualityDecision.PUBLISH_WITH_QUARANTINE
    return QualityDecision.REJECT


def score(rows_in: int, rows_passed: int) -> float:
    """Share of rows that passed, 0-100, two decimals (0 for an empty batch)."""
    return round(rows_passed / rows_in * 100, 2) if rows_in else 0.0


def ensure_code_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Load the GB/T 2260 code list into the regular table ``_gb2260`` once per database."""
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {quote_ident(GB2260_TABLE)} AS "
        "SELECT DISTINCT code FROM read_csv($1, header = true, columns = "
        "{'code': 'VARCHAR', 'name': 'VARCHAR', 'province': 'VARCHAR', "
        "'valid_from': 'INTEGER', 'valid_to': 'INTEGER'})",
        [str(CODES_DIR / "gb2260.csv")],
    )


def _check_columns(
    con: duckdb.DuckDBPyConnection, relation: str, contract: DatasetContract
) -> None:
    described = con.execute(f"DESCRIBE SELECT * FROM {quote_ident(relation)}").fetchall()
    present = {row[0] for row in described}
    missing = [
        c for c in (*contract.field_names, ROW_COLUMN, CAST_ERRORS_COLUMN) if c not in present
    ]
    if missing:
        raise RelationMismatch(
            f"relation '{relation}' lacks columns {missing} required to validate {contract.code}",
            relation=relation,
            missing=missing,
        )


def ge_rule_counts(ge_result: dict[str, Any]) -> dict[str, int]:
    """Unexpected row count per rule code, refusing any expectation GE could not evaluate."""
    counts: dict[str, int] = {}
    for item in ge_result.get("results", []):
        config = item.get("expectation_config") or {}
        info = item.get("exception_info") or {}
        if info.get("raised_exception") or not item.get("result"):
            raise EngineFailure(
                f"Great Expectations could not evaluate {config.get('type')}: "
                f"{info.get('exception_message') or 'empty result'}",
                expectation=config.get("type"),
            )
        rule = (config.get("meta") or {}).get(RULE_META_KEY)
        if rule is not None:
            counts[rule] = int(item["result"]["observed_value"])
    return counts


def _verdict_counts(
    con: duckdb.DuckDBPyConnection, verdict: str, rules: tuple[Rule, ...]
) -> dict[str, int]:
    counts = dict.fromkeys((r.code for r in rules), 0)
    rows = con.execute(
        f"SELECT code, count(*) FROM (SELECT unnest(failed_rules) AS code FROM {verdict}) "
        "GROUP BY code"
    ).fetchall()
    for code, count in rows:
        counts[str(code)] = int(count)
    return counts


def validate(
    con: duckdb.DuckDBPyConnection, relation: str, contract: DatasetContract, *, batch_id: int
) -> QualityOutcome:
    """Run ``contract``'s rules over the standardized rows in ``relation`` (a table or view)."""
    _check_columns(con, relation, contract)
    ensure_code_tables(con)
    rules = compile_rules(contract)
    source = quote_ident(relation)
    verdict_name = f"{VERDICT_PREFIX}{int(batch_id)}"
    verdict = quote_ident(verdict_name)
    con.execute(f"CREATE OR REPLACE TABLE {verdict} AS {verdict_query(source, rules)}")

    row = con.execute(f"SELECT count(*) FROM {source}").fetchone()
    rows_in = int(row[0]) if row else 0
    row = con.execute(f"SELECT count(*) FROM {verdict}").fetchone()
    rows_quarantined = int(row[0]) if row else 0
    rule_counts = _verdict_counts(con, verdict, rules)

    ge_result = run_suite(con, relation, build_suite(contract, rules))
    ge_counts = ge_rule_counts(ge_result)
    if ge_counts != rule_counts:
        disagreements = {
            code: (ge_counts.get(code), count)
            for code, count in rule_counts.items()
            if ge_counts.get(code) != count
        }
        raise EngineFailure(
            f"Great Expectations and the SQL verdict disagree on {disagreements}",
            disagreements=disagreements,
        )

    rows_passed = rows_in - rows_quarantined
    return QualityOutcome(
        batch_id=batch_id,
        rows_in=rows_in,
        rows_passed=rows_passed,
        rows_quarantined=rows_quarantined,
        rule_counts=rule_counts,
        score=score(rows_in, rows_passed),
        decision=decide(rows_in, rows_quarantined, contract.max_failure_ratio),
        ge_success=bool(ge_result.get("success")),
        ge_result=ge_result,
        verdict_relation=verdict_name,
    )


def write_verdict(con: duckdb.DuckDBPyConnection, outcome: QualityOutcome, path: Path) -> Path:
    """Write the verdict (``_row BIGINT, failed_rules VARCHAR[]``) to Parquet, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    row = quote_ident(ROW_COLUMN)
    try:
        con.execute(
            f"COPY (SELECT CAST({row} AS BIGINT) AS {row}, "
            f"CAST(failed_rules AS VARCHAR[]) AS failed_rules "
            f"FROM {quote_ident(outcome.verdict_relation)} ORDER BY {row}) "
            f"TO {sql_literal(str(temporary))} (FORMAT parquet)"
        )
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
