"""Contract rules compiled to DuckDB SQL predicates: pure functions from a contract to SQL text.

A predicate is a DuckDB boolean expression over one standardized row that is TRUE when the row
FAILS the rule; :func:`compile_rules` makes each NULL-safe (``COALESCE(..., FALSE)``). Everything is
vectorised SQL — no Python UDFs — and the only identifiers pasted in are contract field names,
quoted by :func:`quote_ident`; the only literals are rule codes and field names from the contract,
quoted by :func:`sql_literal`.

Rule codes are stable strings that reports and the quarantine count by:

============================ ===================================================================
``citizen_id.format``        GB 11643: ``[0-9]{17}[0-9X]`` or 15 digits (a lowercase x fails)
``citizen_id.legacy_15``     a 15-digit pre-1999 number: recognised, flagged for conversion
``citizen_id.check_digit``   ISO 7064 MOD 11-2 check character (18-character numbers only)
``citizen_id.birth_date``    a real date, 1900 to today (legacy: ``19`` + characters 7-12)
``citizen_id.region``        characters 1-6 are a GB/T 2260 code (any year: see below)
``uscc.format``              GB 32100: 18 characters from ``0-9A-HJ-NPQRTUWXY``, 3-8 digits
``uscc.check_digit``         GB 32100 MOD 31 check character
``uscc.authority``           characters 1-2 are a registration-authority/type pair of table 1
``uscc.org_code``            characters 9-17 pass the GB 11714 check
``uscc.region``              characters 3-8 are a GB/T 2260 code or ``100000`` (national)
``org_code.format``          GB 11714: ``[0-9A-Z]{8}[0-9X]``
``org_code.check_digit``     GB 11714 MOD 11 check character
``admin_division.known``     a code in the shipped GB/T 2260 list
``<element>.known``          ``code_list`` elements (sex, ethnicity): a code of the shipped list
``<element>.range``          dates: ``min``/``max``/``not_future``; amounts: ``min``/``max``
``month.format``             ``YYYY-MM`` with month 01-12
``mobile.format``            ``1[3-9]`` and 9 more digits
``landline.format``          ``AREA-LOCAL[-EXT]``: 010/02x/0xxx, local 7-8 digits from 2-9
``postal_code.format``       six digits
``email.format``             dot-atom ``local@domain`` (lower-case domain), RFC 5321 lengths
``<element>.length``         text elements: at most ``max_length`` characters
``required:<field>``         a required field is NULL or empty (and was not a failed cast)
``cast:<field>``             the raw value could not be cast (the field is in ``_cast_errors``);
                             an unparseable date is this, not ``<element>.range``
``primary_key.unique``       the row's primary key occurs more than once in the batch (only with
                             the contract's ``publish.duplicate_keys: quarantine``, the default)
============================ ===================================================================

The compilers live in :mod:`quality.elements`; the code-list tables they join against are loaded
by :func:`quality.code_lists.ensure_code_lists` (re-exported here).

Element rules skip NULL and empty values (``required:`` answers for those). When one element is
bound to several fields of a contract its codes are qualified by field, ``uscc.format:payer_uscc``,
so every code names one check on one column.

The region of a citizen ID is the registration address when the number was issued, so any code in
the list is accepted whatever its years of validity; python-stdnum additionally rejects a code that
did not exist in the birth year. The tests pin that difference.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from quality import elements as element_sql
from quality.code_lists import GB2260_TABLE, code_tables, ensure_code_lists
from quality.elements import (
    USCC_ALPHABET,
    citizen_id_checks,
    in_division_list,
    org_code_checks,
    uscc_checks,
)
from quality.errors import UnsupportedContract
from schemas.loader import DataElement, DatasetContract, FieldSpec, load_elements

__all__ = [
    "CAST_ERRORS_COLUMN",
    "GB2260_TABLE",
    "ROW_COLUMN",
    "USCC_ALPHABET",
    "Rule",
    "citizen_id_checks",
    "code_tables",
    "compile_rules",
    "element_checks",
    "ensure_code_lists",
    "failing_rows_query",
    "field_rules",
    "in_division_list",
    "org_code_checks",
    "quote_ident",
    "sql_literal",
    "uscc_checks",
    "verdict_query",
]

ROW_COLUMN = "_row"
CAST_ERRORS_COLUMN = "_cast_errors"


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled check: ``predicate`` is TRUE for a failing row and never NULL."""

    code: str
    predicate: str
    field: str | None = None
    description: str = ""


def quote_ident(name: str) -> str:
    """Quote an identifier that came from a contract (never from a request)."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    """A single-quoted SQL string literal of a contract value."""
    return "'" + value.replace("'", "''") + "'"


# --- per-field and per-batch rules ---


def cast_failed(field: str) -> str:
    empty = "CAST([] AS VARCHAR[])"
    return (
        f"list_contains(COALESCE({quote_ident(CAST_ERRORS_COLUMN)}, {empty}), {sql_literal(field)})"
    )


def _is_text(spec: FieldSpec) -> bool:
    return spec.duckdb_type.strip().upper() in {"VARCHAR", "TEXT", "STRING"}


def _present(spec: FieldSpec) -> str:
    column = quote_ident(spec.name)
    return f"{column} IS NOT NULL" + (f" AND {column} <> ''" if _is_text(spec) else "")


def required_check(spec: FieldSpec) -> str:
    return f"NOT ({_present(spec)}) AND NOT {cast_failed(spec.name)}"


def primary_key_check(columns: tuple[str, ...]) -> str:
    keys = ", ".join(quote_ident(c) for c in columns)
    return f"count(*) OVER (PARTITION BY {keys}) > 1"


def element_checks(spec: FieldSpec, element: DataElement) -> dict[str, str]:
    """The failing predicates of ``element``'s check applied to ``spec``'s column.

    Raises :class:`~quality.errors.UnsupportedContract` for a check no compiler knows."""
    try:
        return element_sql.element_checks(quote_ident(spec.name), element)
    except UnsupportedContract as exc:
        raise UnsupportedContract(f"field '{spec.name}': {exc.message}") from None


def field_rules(spec: FieldSpec, element: DataElement | None, qualifier: str = "") -> list[Rule]:
    """The cast, required and data-element rules of one field (predicates not yet NULL-safe)."""
    rules = [Rule(f"cast:{spec.name}", cast_failed(spec.name), spec.name, "value did not cast")]
    if spec.required:
        rules.append(
            Rule(f"required:{spec.name}", required_check(spec), spec.name, "required value missing")
        )
    if element is not None:
        for suffix, predicate in element_checks(spec, element).items():
            rules.append(
                Rule(
                    f"{element.code}.{suffix}{qualifier}",
                    f"{_present(spec)} AND ({predicate})",
                    spec.name,
                    f"{element.standard} {suffix}",
                )
            )
    return rules


def compile_rules(
    contract: DatasetContract, elements: dict[str, DataElement] | None = None
) -> tuple[Rule, ...]:
    """Every rule of ``contract`` in a stable order: fields in contract order, then the key."""
    elements = load_elements() if elements is None else elements
    shared = Counter(f.element for f in contract.fields if f.element is not None)
    rules: list[Rule] = []
    for spec in contract.fields:
        element = None if spec.element is None else elements[spec.element]
        qualifier = f":{spec.name}" if spec.element and shared[spec.element] > 1 else ""
        rules.extend(field_rules(spec, element, qualifier))
    if contract.primary_key and contract.publish.duplicate_keys == "quarantine":
        # keep_first / keep_last: duplicates are resolved at publish (lakehouse.publish_modes),
        # as superseded rows, not quality failures.
        rules.append(
            Rule(
                "primary_key.unique",
                primary_key_check(contract.primary_key),
                None,
                "primary key occurs more than once in the batch",
            )
        )
    return tuple(
        Rule(r.code, f"COALESCE(({r.predicate}), FALSE)", r.field, r.description) for r in rules
    )


def failing_rows_query(relation: str, rule: Rule) -> str:
    """``_row`` of every row of ``relation`` that fails ``rule`` (window rules included)."""
    return (
        f"SELECT {quote_ident(ROW_COLUMN)} FROM (SELECT {quote_ident(ROW_COLUMN)}, "
        f"{rule.predicate} AS _failed FROM {relation}) AS _rule WHERE _failed"
    )


def verdict_query(relation: str, rules: tuple[Rule, ...]) -> str:
    """One query: ``_row BIGINT, failed_rules VARCHAR[]`` for every failing row of ``relation``."""
    cases = ", ".join(f"CASE WHEN {r.predicate} THEN {sql_literal(r.code)} END" for r in rules)
    row = quote_ident(ROW_COLUMN)
    return (
        f"SELECT CAST({row} AS BIGINT) AS {row}, failed_rules FROM ("
        f"SELECT {row}, list_filter(CAST([{cases}] AS VARCHAR[]), lambda r: r IS NOT NULL)"
        f" AS failed_rules FROM {relation}) AS _verdict"
        f" WHERE len(failed_rules) > 0"
    )
