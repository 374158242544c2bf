"""Validate one standardized batch inside DuckDB: GE suite, per-row verdict, decision.

``validate`` runs two independent evaluations of the same compiled rules over the same relation:

* the Great Expectations suite (:mod:`quality.suite`), whose result is kept for the report, and
* one DuckDB query that writes, for every failing row, ``_row`` and ``failed_rules VARCHAR[]``
  into a verdict table that the publish step uses to quarantine rows.

GE's unexpected count per rule must equal the verdict's count per rule and GE must have evaluated
every expectation; otherwise :class:`~quality.errors.EngineFailure` is raised, so an engine that
silently returns empty metrics (the duckdb_engine rollback trap) can never pass a batch.

Given a :class:`~quality.dataset_rules.BatchContext` (catalog facts: the previous published batch's
rows in, the landing time), the contract's batch-level checks run too: their numbers are queried
in DuckDB, judged by the pure functions of :mod:`quality.dataset_rules`, and executed again as GE
expectations; the two must agree. ``QualityOutcome.findings`` maps each check's code to
``{"passed", "observed", "bound", "blocking", "message"}``. The decision is the failure ratio's
(:func:`decide`), except that a failed *blocking* check rejects the batch.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from catalog.models import QualityDecision
from quality.code_lists import ensure_all_code_lists
from quality.dataset_rules import (
    FRESHNESS,
    ROW_COUNT_CHANGE,
    BatchContext,
    Finding,
    contract_rules,
    freshness_finding,
    freshness_stale_query,
    landing_date,
    newest_passing_query,
    row_count_bounds,
    row_count_finding,
)
from quality.errors import EngineFailure, RelationMismatch
from quality.rules import (
    CAST_ERRORS_COLUMN,
    ROW_COLUMN,
    Rule,
    quote_ident,
    sql_literal,
    verdict_query,
)
from quality.suite import (
    BATCH_META_KEY,
    BATCH_RELATION,
    RULE_META_KEY,
    build_suite,
    freshness_expectation,
    row_count_expectation,
    run_suite,
)
from schemas.loader import DatasetContract

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
    findings: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Batch-level checks by code: ``{"passed", "observed", "bound", "blocking", "message"}``."""


def blocking_failures(findings: Mapping[str, Mapping[str, Any]] | None) -> list[str]:
    """Codes of the batch checks that failed and block publication, sorted."""
    return sorted(
        code
        for code, finding in (findings or {}).items()
        if finding.get("blocking") and not finding.get("passed")
    )


def decide(
    rows_in: int,
    rows_quarantined: int,
    max_failure_ratio: float,
    findings: Mapping[str, Mapping[str, Any]] | None = None,
) -> QualityDecision:
    """PUBLISH when clean, PUBLISH_WITH_QUARANTINE up to the contract's ratio, else REJECT; and
    REJECT whenever a blocking batch-level finding failed."""
    if rows_in <= 0 or blocking_failures(findings):
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
    """Load every shipped code list (GB/T 2260 into ``_gb2260``, the others into ``_code_<list>``)
    once per database; :mod:`quality.code_lists` names the tables the checks read."""
    ensure_all_code_lists(con)


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


def rejection_reasons(
    rows_in: int,
    rows_quarantined: int,
    max_failure_ratio: float,
    rule_counts: Mapping[str, int],
    findings: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[str]:
    """Why a batch with these counts and findings is rejected, one line per failing check."""
    reasons: list[str] = []
    if rows_in <= 0:
        reasons.append("quality: the batch has no rows")
    elif rows_quarantined / rows_in > max_failure_ratio:
        failing = ", ".join(
            f"{code} ({count})" for code, count in sorted(rule_counts.items()) if count
        )
        reasons.append(
            f"quality: {rows_quarantined} of {rows_in} rows failed "
            f"({rows_quarantined / rows_in:.2%} > {max_failure_ratio:.2%}): {failing}"
        )
    for code in blocking_failures(findings):
        message = (findings or {})[code].get("message", "")
        reasons.append(f"{code}: {message}")
    return reasons


def batch_check_results(ge_result: dict[str, Any]) -> dict[str, bool]:
    """GE's success per batch-level check code (``meta["batch_check"]``)."""
    results: dict[str, bool] = {}
    for item in ge_result.get("results", []):
        config = item.get("expectation_config") or {}
        code = (config.get("meta") or {}).get(BATCH_META_KEY)
        if code is not None:
            results[str(code)] = bool(item.get("success"))
    return results


def _batch_checks(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    verdict: str,
    contract: DatasetContract,
    rows_in: int,
    context: BatchContext,
) -> tuple[list[Finding], dict[str, Any]]:
    """The contract's batch-level findings and, by code, the GE expectations that execute them
    (none for a row-count change without a previous batch)."""
    findings: list[Finding] = []
    expectations: dict[str, Any] = {}
    blocking = contract.batch_checks_block
    change = contract.row_count_change
    if change is not None:
        findings.append(
            row_count_finding(rows_in, context.previous_rows, change.max_ratio, blocking=blocking)
        )
        if context.previous_rows is not None:
            expectations[ROW_COUNT_CHANGE] = row_count_expectation(
                *row_count_bounds(context.previous_rows, change.max_ratio)
            )
    fresh = contract.freshness
    if fresh is not None:
        spec = contract.field(fresh.field)
        row = con.execute(newest_passing_query(quote_ident(relation), verdict, spec)).fetchone()
        newest = row[0] if row else None
        if isinstance(newest, dt.datetime):
            newest = newest.date()
        landed_on = landing_date(context.landed_at)
        finding = freshness_finding(newest, landed_on, fresh.max_age_days, blocking=blocking)
        findings.append(finding)
        oldest = landed_on - dt.timedelta(days=fresh.max_age_days)
        expectations[FRESHNESS] = freshness_expectation(
            freshness_stale_query(BATCH_RELATION, verdict, spec, oldest)
        )
    return findings, expectations


def validate(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    contract: DatasetContract,
    *,
    batch_id: int,
    context: BatchContext | None = None,
) -> QualityOutcome:
    """Run ``contract``'s rules over the standardized rows in ``relation`` (a table or view);
    with ``context``, its batch-level checks too (None: no batch checks)."""
    _check_columns(con, relation, contract)
    ensure_code_tables(con)
    rules = contract_rules(contract)
    source = quote_ident(relation)
    verdict_name = f"{VERDICT_PREFIX}{int(batch_id)}"
    verdict = quote_ident(verdict_name)
    con.execute(f"CREATE OR REPLACE TABLE {verdict} AS {verdict_query(source, rules)}")

    row = con.execute(f"SELECT count(*) FROM {source}").fetchone()
    rows_in = int(row[0]) if row else 0
    row = con.execute(f"SELECT count(*) FROM {verdict}").fetchone()
    rows_quarantined = int(row[0]) if row else 0
    rule_counts = _verdict_counts(con, verdict, rules)
    findings: list[Finding] = []
    batch_expectations: dict[str, Any] = {}
    if context is not None:
        findings, batch_expectations = _batch_checks(
            con, relation, verdict, contract, rows_in, context
        )

    suite = build_suite(contract, rules, batch_expectations=list(batch_expectations.values()))
    ge_result = run_suite(con, relation, suite)
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
    ge_batch = batch_check_results(ge_result)
    executed = {f.code: f.passed for f in findings if f.code in batch_expectations}
    if any(ge_batch.get(code) is not passed for code, passed in executed.items()):
        raise EngineFailure(
            f"Great Expectations and the batch checks disagree: GE {ge_batch}, SQL {executed}",
            disagreements={"ge": ge_batch, "sql": executed},
        )

    by_code = {f.code: f.as_dict() for f in findings}
    rows_passed = rows_in - rows_quarantined
    return QualityOutcome(
        batch_id=batch_id,
        rows_in=rows_in,
        rows_passed=rows_passed,
        rows_quarantined=rows_quarantined,
        rule_counts=rule_counts,
        score=score(rows_in, rows_passed),
        decision=decide(rows_in, rows_quarantined, contract.max_failure_ratio, by_code),
        ge_success=bool(ge_result.get("success")),
        ge_result=ge_result,
        verdict_relation=verdict_name,
        findings=by_code,
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
