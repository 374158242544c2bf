"""Data-element checks compiled to DuckDB SQL: each returns ``{suffix: failing predicate}``.

Every function takes the SQL expression of one standardized value (a quoted column) and returns
predicates that are TRUE when the value FAILS; :mod:`quality.rules` prefixes each suffix with the
element code (``citizen_id.check_digit``), guards it with "value present" and makes it NULL-safe.
Everything is plain vectorised SQL: ``regexp_full_match``, ``substr``, integer arithmetic on the
``TRY_CAST`` digits of a well-formed citizen ID (check digit, birth date), ``instr`` lookups for
the USCC and organisation-code check characters, and ``NOT IN (SELECT code …)`` joins against
code-list tables (:mod:`quality.code_lists`). Literals pasted in come from the shipped
standards, never from data.

Design decisions, each pinned by a test:

* A 15-digit citizen ID (the pre-1999 legacy form) is not a format error: it fails
  ``citizen_id.legacy_15`` so a steward can see and convert those numbers. Its region (1-6) and
  birth date (``19`` + 7-12) are checked too, so an invalid legacy number ALSO fails
  ``citizen_id.region`` / ``citizen_id.birth_date``. ``check_digit`` does not apply (it has none).
* A citizen ID's region, and a USCC's registration region, may be any code in the GB/T 2260 list
  whatever its years of validity: numbers keep the code current when they were issued. A USCC may
  also carry ``100000``, the national level (central registrations such as 国务院 bodies).
* The USCC's ``authority``, ``org_code`` and ``region`` checks run only when the format holds, so
  one malformed value fails one rule (``format``), not four.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from quality.code_lists import GB2260_TABLE, code_table_name, codes, in_code_list
from quality.errors import UnsupportedContract
from schemas.loader import DataElement

RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
USCC_TYPES_CSV = "gb32100_types.csv"
USCC_NATIONAL_REGION = "100000"

_USCC_CLASS = "[0-9A-HJ-NPQRTUWXY]"
MOBILE_PATTERN = "1[3-9][0-9]{9}"
_AREA = "(010|02[0-9]|0[3-9][0-9]{2})"
LANDLINE_PATTERN = f"{_AREA}-[2-9][0-9]{{6,7}}(-[0-9]{{1,6}})?"
POSTAL_CODE_PATTERN = "[0-9]{6}"
_ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
EMAIL_PATTERN = f"{_ATOM}(\\.{_ATOM})*@({_LABEL}\\.)+[a-z]([a-z0-9-]{{0,61}}[a-z0-9])?"
"""RFC 5322 ``addr-spec`` with a dot-atom local part (no quoted strings, comments or IP-literal
domains), a lower-case DNS domain of at least two labels, the TLD starting with a letter."""


def _text(value: str) -> str:
    """A SQL string literal of a constant from this module (never of data)."""
    return "'" + value.replace("'", "''") + "'"


def _regex(value: str, pattern: str) -> str:
    return f"regexp_full_match({value}, {_text(pattern)})"


def _mod11_2_sum(number: str) -> str:
    """Σ weight × digit (mod 11) of GB 11643 over the 17-digit integer ``number``, cheaply.

    The weight of the digit at 10^k is 2^(k+1) (mod 11). With q_k = number // 10^k that digit is
    q_k - 10 q_(k+1), so the weighted sum telescopes to 2 q_0 - 8 Σ_(k≥1) 2^k q_k, and -8 ≡ 3:
    16 divisions, no ``% 10`` per digit. Every term stays below 2^63 for 17 digits."""
    terms = " + ".join(f"({number} // {10**k}) * {2**k}" for k in range(1, 17))
    return f"(2 * {number} + 3 * ({terms})) % 11"


def _weighted(value: str, weights: tuple[int, ...], char_value: str, start: int = 1) -> str:
    """Σ weight × value(character) over consecutive characters of ``value`` from ``start``."""
    return " + ".join(
        f"{char_value.format(c=f'substr({value}, {i}, 1)')} * {w}"
        for i, w in enumerate(weights, start)
    )


def _check_value(char: str) -> str:
    """The value of a MOD 11 check character: its digit, or 10 for ``X``."""
    return f"(CASE WHEN {char} = 'X' THEN 10 ELSE ascii({char}) - 48 END)"


def _bad_date(year: str, month: str, day: str) -> str:
    """TRUE when integers ``year``/``month``/``day`` are not a date of the Gregorian calendar.

    Days in a month: 28 + leap for February, else ``30 + (m + m // 8) % 2`` (31 for 1 3 5 7 8 10
    12); the same answer as ``TRY_STRPTIME`` at a fraction of the cost, with no string parsing."""
    leap = f"(({year} % 4 = 0 AND {year} % 100 <> 0) OR {year} % 400 = 0)"
    days = (
        f"CASE WHEN {month} = 2 THEN 28 + CAST({leap} AS INTEGER)"
        f" ELSE 30 + ({month} + {month} // 8) % 2 END"
    )
    return f"({month} < 1 OR {month} > 12 OR {day} < 1 OR {day} > {days})"


def _bad_birth(yyyymmdd: str, *, bounded: bool) -> str:
    """TRUE when the integer ``yyyymmdd`` is no real date; with ``bounded``, also when it is
    before 1900-01-01 or after today."""
    year, month, day = f"{yyyymmdd} // 10000", f"({yyyymmdd} // 100 % 100)", f"({yyyymmdd} % 100)"
    bad = _bad_date(f"({year})", month, day)
    if not bounded:
        return bad
    today = "(year(current_date) * 10000 + month(current_date) * 100 + day(current_date))"
    return f"({yyyymmdd} < 19000101 OR {yyyymmdd} > {today} OR {bad})"


def citizen_id_checks(value: str) -> dict[str, str]:
    """GB 11643 citizen ID: 18 characters, or the recognised 15-digit legacy form.

    The check digit and the birth date are integer arithmetic on ``TRY_CAST`` of the digits,
    evaluated (``CASE``) only for a well-formed value; ``tests/quality/test_element_sql.py``
    pins them to the string/``strptime`` forms they replaced."""
    full = _regex(value, "[0-9]{17}[0-9X]")
    legacy = _regex(value, "[0-9]{15}")
    # ISO 7064 MOD 11-2: Σ weight × digit + check value ≡ 1 (mod 11), X standing for 10. The 17
    # digits are cast once and bound to ``n`` by a one-element list_transform (DuckDB does not
    # share a repeated sub-expression under CASE).
    body = f"TRY_CAST(substr({value}, 1, 17) AS BIGINT)"
    total = f"list_transform([{body}], lambda n: {_mod11_2_sum('n')})[1]"
    check = _check_value(f"substr({value}, 18, 1)")
    birth = _bad_birth(f"TRY_CAST(substr({value}, 7, 8) AS INTEGER)", bounded=True)
    legacy_birth = _bad_birth(
        f"(19000000 + TRY_CAST(substr({value}, 7, 6) AS INTEGER))", bounded=False
    )
    region = in_code_list(f"substr({value}, 1, 6)", GB2260_TABLE, negate=True)
    return {
        "format": f"NOT {full} AND NOT {legacy}",
        "legacy_15": legacy,
        "check_digit": f"CASE WHEN {full} THEN ({total} + {check}) % 11 <> 1 ELSE FALSE END",
        "birth_date": (
            f"CASE WHEN {full} THEN {birth} WHEN {legacy} THEN {legacy_birth} ELSE FALSE END"
        ),
        "region": f"({full} OR {legacy}) AND {region}",
    }


def org_code_failures(value: str) -> tuple[str, str]:
    """(well formed, check character wrong when well formed) for a GB 11714 code in ``value``."""
    well_formed = _regex(value, "[0-9A-Z]{8}[0-9X]")
    total = _weighted(value, ORG_WEIGHTS, f"(instr('{ORG_ALPHABET}', {{c}}) - 1)")
    # C9 = 11 - (Σ mod 11), written 1-9, X for 10 and 0 for 11: position C9 of '123456789X0'
    expected = f"substr('123456789X0', 11 - ({total}) % 11, 1)"
    return well_formed, f"substr({value}, 9, 1) <> {expected}"


def org_code_checks(value: str) -> dict[str, str]:
    """GB 11714 organisation code: 8 body characters [0-9A-Z] and a check character."""
    well_formed, wrong_check = org_code_failures(value)
    return {"format": f"NOT {well_formed}", "check_digit": f"{well_formed} AND {wrong_check}"}


def uscc_checks(value: str) -> dict[str, str]:
    """GB 32100 unified social credit code on the SQL expression ``value``."""
    pattern = f"{_USCC_CLASS}{{2}}[0-9]{{6}}{_USCC_CLASS}{{9}}{_USCC_CLASS}"
    well_formed = _regex(value, pattern)
    total = _weighted(value, USCC_WEIGHTS, f"(instr('{USCC_ALPHABET}', {{c}}) - 1)")
    expected = f"substr('{USCC_ALPHABET}', (31 - ({total}) % 31) % 31 + 1, 1)"
    pairs = ", ".join(_text(c) for c in codes(USCC_TYPES_CSV))
    org = f"substr({value}, 9, 9)"
    org_formed, org_wrong = org_code_failures(org)
    region = f"substr({value}, 3, 6)"
    return {
        "format": f"NOT {well_formed}",
        "check_digit": f"{well_formed} AND substr({value}, 18, 1) <> {expected}",
        "authority": f"{well_formed} AND substr({value}, 1, 2) NOT IN ({pairs})",
        "org_code": f"{well_formed} AND (NOT {org_formed} OR {org_wrong})",
        "region": (
            f"{well_formed} AND {region} <> '{USCC_NATIONAL_REGION}'"
            f" AND {in_code_list(region, GB2260_TABLE, negate=True)}"
        ),
    }


def in_division_list(value: str, *, negate: bool = False) -> str:
    """``value`` is (or with ``negate``, is not) a code in the GB/T 2260 table."""
    return in_code_list(value, GB2260_TABLE, negate=negate)


def admin_division_checks(value: str) -> dict[str, str]:
    return {"known": in_division_list(value, negate=True)}


def code_list_checks(value: str, element: DataElement) -> dict[str, str]:
    """``known``: the value is a code of the element's ``params.code_list``."""
    csv_name = element.params.get("code_list")
    if not csv_name:
        raise UnsupportedContract(f"element '{element.code}': check code_list needs a code_list")
    return {"known": in_code_list(value, code_table_name(str(csv_name)), negate=True)}


def month_checks(value: str) -> dict[str, str]:
    return {"format": f"NOT {_regex(value, '[0-9]{4}-(0[1-9]|1[0-2])')}"}


def _number(raw: object, where: str) -> str:
    try:
        return str(Decimal(str(raw)))
    except InvalidOperation:
        raise UnsupportedContract(f"{where}: '{raw}' is not a number") from None


def _date(raw: object, where: str) -> str:
    try:
        day = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
    except ValueError:
        raise UnsupportedContract(f"{where}: '{raw}' is not an ISO date") from None
    return f"DATE '{day.isoformat()}'"


def amount_checks(value: str, element: DataElement) -> dict[str, str]:
    bounds = []
    if "min" in element.params:
        bounds.append(f"{value} < {_number(element.params['min'], element.code)}")
    if "max" in element.params:
        bounds.append(f"{value} > {_number(element.params['max'], element.code)}")
    return {"range": " OR ".join(bounds)} if bounds else {}


def date_checks(value: str, element: DataElement) -> dict[str, str]:
    """``range``: a DATE within ``min``/``max`` and, with ``not_future``, not after today."""
    bounds = []
    if "min" in element.params:
        bounds.append(f"{value} < {_date(element.params['min'], element.code)}")
    if "max" in element.params:
        bounds.append(f"{value} > {_date(element.params['max'], element.code)}")
    if element.params.get("not_future"):
        bounds.append(f"{value} > current_date")
    return {"range": " OR ".join(bounds)} if bounds else {}


def text_checks(value: str, element: DataElement) -> dict[str, str]:
    if "max_length" not in element.params:
        return {}
    return {"length": f"length({value}) > {int(element.params['max_length'])}"}


_FORMATS = {
    "mobile": MOBILE_PATTERN,
    "landline": LANDLINE_PATTERN,
    "postal_code": POSTAL_CODE_PATTERN,
    "email": EMAIL_PATTERN,
}


def element_checks(value: str, element: DataElement) -> dict[str, str]:
    """The failing predicates of ``element``'s check on the SQL expression ``value``."""
    match element.check:
        case "gb11643":
            return citizen_id_checks(value)
        case "gb32100":
            return uscc_checks(value)
        case "gb11714":
            return org_code_checks(value)
        case "gbt2260":
            return admin_division_checks(value)
        case "code_list":
            return code_list_checks(value, element)
        case "month":
            return month_checks(value)
        case "amount":
            return amount_checks(value, element)
        case "date":
            return date_checks(value, element)
        case "text":
            return text_checks(value, element)
        case "email":  # RFC 5321 limits: 254 characters, a local part of at most 64
            return {
                "format": f"NOT {_regex(value, EMAIL_PATTERN)} OR length({value}) > 254"
                f" OR instr({value}, '@') > 65"
            }
    if element.check in _FORMATS:
        return {"format": f"NOT {_regex(value, _FORMATS[element.check])}"}
    raise UnsupportedContract(
        f"element '{element.code}' has check '{element.check}', which quality cannot compile"
    )
