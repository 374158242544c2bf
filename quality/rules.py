"""Contract rules compiled to DuckDB SQL predicates: pure functions from a contract to SQL text.

A predicate is a DuckDB boolean expression over one standardized row that is TRUE when the row
FAILS the rule; :func:`compile_rules` makes each NULL-safe (``COALESCE(..., FALSE)``). Everything is
vectorised SQL — no Python UDFs — and the only identifiers pasted in are contract field names,
quoted by :func:`quote_ident`; the only literals are rule codes and field names from the contract,
quoted by :func:`sql_literal`.

Rule codes are stable strings that reports and the quarantine count by:

========================== =====================================================================
``citizen_id.format``      GB 11643: 18 characters, ``[0-9]{17}[0-9X]`` (a lowercase x fails)
``citizen_id.check_digit`` ISO 7064 MOD 11-2 check character (only checked when the format holds)
``citizen_id.birth_date``  characters 7-14 are a real date, not before 1900, not in the future
``citizen_id.region``      characters 1-6 are a GB/T 2260 code (any year: see below)
``uscc.format``            GB 32100: 18 characters from ``0-9A-HJ-NPQRTUWXY``, 3-8 digits
``uscc.check_digit``       GB 32100 MOD 31 check character
``admin_division.known``   a code in the shipped GB/T 2260 list
``month.format``           ``YYYY-MM`` with month 01-12
``amount.range``           within the element's ``min`` / ``max``
``<element>.length``       text elements: at most ``max_length`` characters
``required:<field>``       a required field is NULL or empty (and was not a failed cast)
``cast:<field>``           the raw value could not be cast (the field is in ``_cast_errors``)
``primary_key.unique``     the row's primary key occurs more than once in the batch
========================== =====================================================================

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
from decimal import Decimal, InvalidOperation

from quality.errors import UnsupportedContract
from schemas.loader import DataElement, DatasetContract, FieldSpec, load_elements

GB2260_TABLE = "_gb2260"
"""The table :func:`quality.validate.ensure_code_tables` loads the GB/T 2260 codes into."""

ROW_COLUMN = "_row"
CAST_ERRORS_COLUMN = "_cast_errors"

_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_CLASS = "[0-9A-HJ-NPQRTUWXY]"


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


# --- data-element checks; each takes a SQL expression and returns {suffix: failing predicate} ---


def citizen_id_checks(value: str) -> dict[str, str]:
    """GB 11643 citizen ID checks on the SQL expression ``value``."""
    well_formed = f"regexp_full_match({value}, '[0-9]{{17}}[0-9X]')"
    # ascii() - 48 never raises, so the sum is safe on any input; it is only used when well formed.
    total = " + ".join(
        f"(ascii(substr({value}, {i}, 1)) - 48) * {w}" for i, w in enumerate(_RIC_WEIGHTS, 1)
    )
    expected = f"substr('0123456789X', (12 - ({total}) % 11) % 11 + 1, 1)"
    birth = f"CAST(TRY_STRPTIME(substr({value}, 7, 8), '%Y%m%d') AS DATE)"
    return {
        "format": f"NOT {well_formed}",
        "check_digit": f"{well_formed} AND substr({value}, 18, 1) <> {expected}",
        "birth_date": (
            f"{well_formed} AND ({birth} IS NULL OR {birth} > current_date"
            f" OR {birth} < DATE '1900-01-01')"
        ),
        "region": f"{well_formed} AND {in_division_list(f'substr({value}, 1, 6)', negate=True)}",
    }


def uscc_checks(value: str) -> dict[str, str]:
    """GB 32100 unified social credit code checks on the SQL expression ``value``."""
    pattern = f"{_USCC_CLASS}{{2}}[0-9]{{6}}{_USCC_CLASS}{{9}}{_USCC_CLASS}"
    well_formed = f"regexp_full_match({value}, '{pattern}')"
    total = " + ".join(
        f"(instr('{USCC_ALPHABET}', substr({value}, {i}, 1)) - 1) * {w}"
        for i, w in enumerate(_USCC_WEIGHTS, 1)
    )
    expected = f"substr('{USCC_ALPHABET}', (31 - ({total}) % 31) % 31 + 1, 1)"
    return {
        "format": f"NOT {well_formed}",
        "check_digit": f"{well_formed} AND substr({value}, 18, 1) <> {expected}",
    }


def in_division_list(value: str, *, negate: bool = False) -> str:
    """``value`` is (or with ``negate``, is not) a code in the GB/T 2260 table."""
    operator = "NOT IN" if negate else "IN"
    return f"{value} {operator} (SELECT code FROM {quote_ident(GB2260_TABLE)})"


def admin_division_checks(value: str) -> dict[str, str]:
    return {"known": in_division_list(value, negate=True)}


def month_checks(value: str) -> dict[str, str]:
    return {"format": f"NOT regexp_full_match({value}, '[0-9]{{4}}-(0[1-9]|1[0-2])')"}


def _number(raw: object, where: str) -> str:
    try:
        return str(Decimal(str(raw)))
    except InvalidOperation:
        raise UnsupportedContract(f"{where}: '{raw}' is not a number") from None


def amount_checks(value: str, element: DataElement) -> dict[str, str]:
    bounds = []
    if "min" in element.params:
        bounds.append(f"{value} < {_number(element.params['min'], element.code)}")
    if "max" in element.params:
        bounds.append(f"{value} > {_number(element.params['max'], element.code)}")
    return {"range": " OR ".join(bounds)} if bounds else {}


def text_checks(value: str, element: DataElement) -> dict[str, str]:
    if "max_length" not in element.params:
        return {}
    return {"length": f"length({value}) > {int(element.params['max_length'])}"}


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
    """The failing predicates of ``element``'s check applied to ``spec``'s column."""
    column = quote_ident(spec.name)
    match element.check:
        case "gb11643":
            return citizen_id_checks(column)
        case "gb32100":
            return uscc_checks(column)
        case "gbt2260":
            return admin_division_checks(column)
        case "month":
            return month_checks(column)
        case "amount":
            return amount_checks(column, element)
        case "text":
            return text_checks(column, element)
    raise UnsupportedContract(
        f"field '{spec.name}': element '{element.code}' has check '{element.check}', "
        "which quality.rules cannot compile"
    )


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
    if contract.primary_key:
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
