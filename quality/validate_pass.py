"""Validate a batch from what its standardising pass computed: GE judges the rule flags.

The pass (:mod:`quality.one_pass`) evaluated every rule once per row and wrote a BOOLEAN flag
column per rule beside the data. Here Great Expectations runs the contract's suite over that
relation with each rule as the built-in ``ExpectColumnSumToBeBetween(column=<flag>,
max_value=0)``: the flag's sum is the rule's unexpected count (``result.observed_value``), and
GE's SQL engine resolves every such aggregate of one table in a single query, so checking 45
rules costs one scan of 45 nearly-constant BOOLEAN columns rather than 45 scans of the data. The
table is not empty and the required columns are not NULL are checked as in
:func:`quality.suite.build_suite`, and the batch-level checks run as they do in
:func:`quality.validate.validate`.

GE still owns the verdict, and cannot pass a batch silently: its count per rule must equal the
pass's own count, taken from the ``_failed_rules`` lists (a different column of the same pass),
its row count must equal the batch's, and every expectation must have been evaluated
(:func:`quality.validate.check_agreement`); otherwise :class:`~quality.errors.EngineFailure`.
:func:`quality.validate.validate`, which re-runs every rule's SQL as its own GE expectation, stays
available for a full re-check, and the tests hold both to the same counts.
"""

from __future__ import annotations

from typing import Any

import duckdb

from quality.code_lists import CodeListSource
from quality.dataset_rules import BatchContext, contract_rules
from quality.errors import EngineFailure, RelationMismatch
from quality.ge_import import (
    ExpectColumnSumToBeBetween,
    ExpectColumnValuesToNotBeNull,
    ExpectTableRowCountToBeBetween,
    gx,
)
from quality.one_pass import FAILED_RULES_COLUMN, PASSED_COLUMN, flag_columns, has_flags
from quality.outcome import QualityOutcome, judged
from quality.rules import Rule, quote_ident
from quality.suite import RULE_META_KEY, run_suite
from quality.validate import VERDICT_PREFIX, batch_checks, check_agreement, ensure_code_tables
from schemas.loader import DataElement, DatasetContract

__all__ = ["flag_suite", "validate_pass"]

_ROWS_META_KEY = "rows"


def flag_suite(
    contract: DatasetContract, rules: tuple[Rule, ...], batch_expectations: list[Any]
) -> Any:
    """The contract's suite over the rule flags of the checking pass."""
    rows = ExpectTableRowCountToBeBetween(min_value=1, meta={_ROWS_META_KEY: 1})
    expectations: list[Any] = [rows]
    expectations += [
        ExpectColumnValuesToNotBeNull(column=spec.name) for spec in contract.fields if spec.required
    ]
    expectations += [
        ExpectColumnSumToBeBetween(
            column=column,
            max_value=0,
            description=f"{rule.code}: {rule.description}",
            meta={RULE_META_KEY: rule.code},
        )
        for column, rule in flag_columns(rules)
    ]
    expectations += batch_expectations
    suite = gx.ExpectationSuite(name=f"{contract.code}.quality", expectations=expectations)
    if len(suite.expectations) != len(expectations):
        raise EngineFailure(
            f"Great Expectations accepted {len(suite.expectations)} of {len(expectations)} "
            f"expectations for {contract.code}"
        )
    return suite


def _pass_counts(
    con: duckdb.DuckDBPyConnection, relation: str, rules: tuple[Rule, ...]
) -> tuple[int, int, dict[str, int]]:
    """Rows in, rows that did not pass, and failing rows per rule code, as the pass wrote them."""
    source = quote_ident(relation)
    row = con.execute(f"SELECT count(*), count_if(NOT {PASSED_COLUMN}) FROM {source}").fetchone()
    rows_in, quarantined = (int(row[0]), int(row[1] or 0)) if row else (0, 0)
    counts = dict.fromkeys((r.code for r in rules), 0)
    for code, count in con.execute(
        f"SELECT code, count(*) FROM (SELECT unnest({FAILED_RULES_COLUMN}) AS code "
        f"FROM {source} WHERE NOT {PASSED_COLUMN}) GROUP BY code"
    ).fetchall():
        counts[str(code)] = int(count)
    return rows_in, quarantined, counts


def _ge_rows(ge_result: dict[str, Any]) -> int | None:
    for item in ge_result.get("results", []):
        config = item.get("expectation_config") or {}
        if (config.get("meta") or {}).get(_ROWS_META_KEY):
            observed = (item.get("result") or {}).get("observed_value")
            return None if observed is None else int(observed)
    return None


def validate_pass(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    contract: DatasetContract,
    *,
    batch_id: int,
    context: BatchContext | None = None,
    elements: dict[str, DataElement] | None = None,
    code_lists: CodeListSource | None = None,
) -> QualityOutcome:
    """Judge the checked rows in ``relation`` (written by the pass: flags, ``_failed_rules``,
    ``_passed``); with ``context``, the batch-level checks too. ``verdict_relation`` names a
    view of the failing rows (``_row``, ``failed_rules``)."""
    if not has_flags(con, relation):
        raise RelationMismatch(
            f"relation '{relation}' was not written by the checking pass (no {PASSED_COLUMN})",
            relation=relation,
            missing=[PASSED_COLUMN],
        )
    ensure_code_tables(con, code_lists)
    rules = contract_rules(contract, elements)
    rows_in, rows_quarantined, rule_counts = _pass_counts(con, relation, rules)
    verdict_name = f"{VERDICT_PREFIX}{int(batch_id)}"
    verdict = quote_ident(verdict_name)
    con.execute(
        f"CREATE OR REPLACE VIEW {verdict} AS SELECT _row, {FAILED_RULES_COLUMN} AS failed_rules "
        f"FROM {quote_ident(relation)} WHERE NOT {PASSED_COLUMN}"
    )
    findings, batch_expectations = (
        batch_checks(con, relation, verdict, contract, rows_in, context)
        if context is not None
        else ([], {})
    )
    suite = flag_suite(contract, rules, list(batch_expectations.values()))
    ge_result = run_suite(con, relation, suite)
    if rows_in == 0:  # an empty batch's sums are NULL: no row fails a rule
        for item in ge_result.get("results", []):
            result = item.get("result")
            if result and "observed_value" in result and result["observed_value"] is None:
                result["observed_value"] = 0
    check_agreement(ge_result, rule_counts, findings, batch_expectations, against="checking pass")
    ge_rows = _ge_rows(ge_result)
    if ge_rows != rows_in:
        raise EngineFailure(
            f"Great Expectations counted {ge_rows} rows, the checking pass {rows_in}",
            disagreements={"rows": (ge_rows, rows_in)},
        )
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
