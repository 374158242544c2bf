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
from pathlib import Path
from typing import Any

import duckdb

from quality.code_lists import CodeListSource, ensure_all_code_lists
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
from quality.outcome import (
    QualityOutcome,
    blocking_failures,
    decide,
    judged,
    rejection_reasons,
    score,
)
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
from schemas.loader import DataElement, DatasetContract

__all__ = [  # the outcome's names stay importable from here, where they were first
    "QualityOutcome",
    "batch_check_results",
    "batch_checks",
    "check_agreement",
    "blocking_failures",
    "decide",
    "ensure_code_tables",
    "ge_rule_counts",
    "rejection_reasons",
    "score",
    "validate",
    "write_verdict",
]

VERDICT_PREFIX = "_quality_verdict_"


def ensure_code_tables(con: duckdb.DuckDBPyConnection, lists: CodeListSource | None = None) -> None:
    """Load every shipped code list (GB/T 2260 into ``_gb2260``, the others into ``_code_<list>``)
    once per database, then the catalog's ``lists`` when given (name → codes, replacing a
    shipped one); :mod:`quality.code_lists` names the tables the checks read."""
    ensure_all_code_lists(con, lists)


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


def batch_check_results(ge_result: dict[str, Any]) -> dict[str, bool]:
    """GE's success per batch-level check code (``meta["batch_check"]``)."""
    results: dict[str, bool] = {}
    for item in ge_result.get("results", []):
        config = item.get("expectation_config") or {}
        code = (config.get("meta") or {}).get(BATCH_META_KEY)
        if code is not None:
            results[str(code)] = bool(item.get("success"))
    return results


def batch_checks(
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
    elements: dict[str, DataElement] | None = None,
    code_lists: CodeListSource | None = None,
) -> QualityOutcome:
    """Run ``contract``'s rules over the standardized rows in ``relation`` (a table or view);
    with ``context``, its batch-level checks too (None: no batch checks). ``elements`` and
    ``code_lists`` are the catalog's definitions and codes (``catalog.elements``); without
    them, the shipped files'."""
    _check_columns(con, relation, contract)
    ensure_code_tables(con, code_lists)
    rules = contract_rules(contract, elements)
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
        findings, batch_expectations = batch_checks(
            con, relation, verdict, contract, rows_in, context
        )

    suite = build_suite(contract, rules, batch_expectations=list(batch_expectations.values()))
    ge_result = run_suite(con, relation, suite)
    check_agreement(ge_result, rule_counts, findings, batch_expectations, against="SQL verdict")

    return judged(
        batch_id,
        rows_in,
        rows_quarantined,
        rule_counts,
        contract.max_failure_ratio,
        findings,
        ge_result,
        verdict_name,
    )


def check_agreement(
    ge_result: dict[str, Any],
    rule_counts: Mapping[str, int],
    findings: list[Finding],
    batch_expectations: Mapping[str, Any],
    *,
    against: str,
) -> None:
    """Raise :class:`EngineFailure` unless GE evaluated every expectation, its unexpected count
    per rule equals ``rule_counts``, and its batch checks passed exactly where ``findings`` did."""
    ge_counts = ge_rule_counts(ge_result)
    if ge_counts != dict(rule_counts):
        disagreements = {
            code: (ge_counts.get(code), count)
            for code, count in rule_counts.items()
            if ge_counts.get(code) != count
        }
        raise EngineFailure(
            f"Great Expectations and the {against} disagree on {disagreements}",
            disagreements=disagreements,
        )
    ge_batch = batch_check_results(ge_result)
    executed = {f.code: f.passed for f in findings if f.code in batch_expectations}
    if any(ge_batch.get(code) is not passed for code, passed in executed.items()):
        raise EngineFailure(
            f"Great Expectations and the batch checks disagree: GE {ge_batch}, SQL {executed}",
            disagreements={"ge": ge_batch, "sql": executed},
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
