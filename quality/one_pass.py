"""Every rule of a contract checked in the pass that standardises the batch: pure SQL, no engine.

:func:`checked_query` wraps the standardising SELECT (``_row``, the fields, ``_cast_errors``) so
that the same statement also evaluates every row rule once per row and writes, beside the data:

* one BOOLEAN **flag column** per rule, ``_rule_001`` … in the order of
  :func:`quality.dataset_rules.contract_rules` (TRUE: the row fails that rule), which Great
  Expectations then judges with one cheap aggregate each (:mod:`quality.validate_pass`) instead
  of re-reading the data per rule;
* ``_failed_rules VARCHAR[]``: the codes of the rules the row fails, in rule order (what the
  quarantine table keeps with the row);
* ``_passed BOOLEAN``: the row fails no rule and has no cast error — the publish step's split.

Flag columns are named by position, not by code, because codes carry dots and colons that every
SQL layer between GE and DuckDB would have to quote; :func:`flag_columns` pairs each with its rule.
The predicates are the ones :mod:`quality.rules` compiles (window rules included: the key's
uniqueness is a ``count(*) OVER (PARTITION BY …)`` in the same statement), so the pass and
:func:`quality.validate.validate` flag exactly the same rows.
"""

from __future__ import annotations

import duckdb

from quality.rules import CAST_ERRORS_COLUMN, Rule, quote_ident, sql_literal

__all__ = [
    "FAILED_RULES_COLUMN",
    "FLAG_PREFIX",
    "PASSED_COLUMN",
    "checked_query",
    "flag_columns",
    "has_flags",
]

FLAG_PREFIX = "_rule_"
FAILED_RULES_COLUMN = "_failed_rules"
PASSED_COLUMN = "_passed"


def flag_columns(rules: tuple[Rule, ...]) -> tuple[tuple[str, Rule], ...]:
    """(flag column, rule) for every rule, in rule order."""
    return tuple((f"{FLAG_PREFIX}{i:03d}", rule) for i, rule in enumerate(rules, start=1))


def checked_query(standardised: str, rules: tuple[Rule, ...]) -> str:
    """``standardised`` (a SELECT of ``_row``, the fields and ``_cast_errors``) with the flag
    columns, ``_failed_rules`` and ``_passed`` added."""
    flags = flag_columns(rules)
    computed = ", ".join(f"CAST({rule.predicate} AS BOOLEAN) AS {name}" for name, rule in flags)
    codes = ", ".join(f"CASE WHEN {name} THEN {sql_literal(rule.code)} END" for name, rule in flags)
    failed = (
        f"list_filter(CAST([{codes}] AS VARCHAR[]), r -> r IS NOT NULL)"
        if flags
        else "CAST([] AS VARCHAR[])"
    )
    cast_errors = quote_ident(CAST_ERRORS_COLUMN)
    clean = " OR ".join(name for name, _ in flags) or "FALSE"
    passed = f"NOT ({clean}) AND len({cast_errors}) = 0"
    return (
        f"SELECT *, {failed} AS {FAILED_RULES_COLUMN}, {passed} AS {PASSED_COLUMN} "
        f"FROM (SELECT *{', ' + computed if computed else ''} FROM ({standardised}) AS _std) "
        "AS _flagged"
    )


def has_flags(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    """Whether ``relation`` was written by the checking pass (older staging files were not)."""
    described = con.execute(f"DESCRIBE SELECT * FROM {quote_ident(relation)}").fetchall()
    return PASSED_COLUMN in {str(row[0]) for row in described}
