"""Normalisation of one contract field in SQL: pure functions from a SQL expression to SQL.

:func:`normalised_text` turns the raw VARCHAR of a field into its cleaned text (full-width ASCII
to half-width, trimmed, empty → NULL, then the rule of its data element); :func:`typed_column`
casts that text to the field's type with ``TRY_CAST``. Everything is one SQL projection, vectorised
in DuckDB: no Python per row, no UDFs. Per element (``_ELEMENT_TEXT``):

=============== ===================================================================================
citizen_id      upper-case (``x`` → ``X``), inner spaces removed
uscc, org_code  upper-case; the organisation code also loses its hyphen (``71610585-2``)
month           ``2023年5月``, ``202305``, ``2023/5``, ``2023.5`` → ``2023-05``
date/birth_date ``2023-05-06``, ``2023年5月6日``, ``2023/5/6``, ``2023.5.6``, ``20230506``,
                Excel serial day numbers (``45052`` → ``2023-05-06``)
sex             男/男性/M → 1, 女/女性/F → 2, 未知 → 0, 未说明 → 9 (GB/T 2261.1)
ethnicity       汉族/汉/HA → 01 (GB/T 3304 names and letter codes), ``1`` → ``01``
mobile          spaces and hyphens removed, +86/0086/86 prefix removed
landline        ``AREA-LOCAL`` or ``AREA-LOCAL-EXT``; +86 becomes the trunk prefix 0
email           the domain lower-cased
amount          thousands separators, ``￥``/``¥`` and ``元`` removed
any numeric     thousands separators removed before the cast (``typed_column``)
=============== ===================================================================================

A value no rule recognises keeps its text, so the quality rule (or the cast) shows the steward
what came in.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import lru_cache

from lakehouse.tables import column_type
from schemas.loader import CODES_DIR, FieldSpec

__all__ = ["has_full_width", "normalised_text", "sql_string", "typed_column"]

STRIP = " \t\r\n\u00a0\u3000\ufeff"
FULL_WIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
HALF_WIDTH = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
_HAS_FULL_WIDTH = "[\uff01-\uff5e\u3000]"
_MONTH = r"^(\d{4})(?:[-/.年](\d{1,2})月?|(\d{2}))$"


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def has_full_width(expr: str) -> str:
    """SQL: TRUE when ``expr`` holds a full-width ASCII character or U+3000."""
    return f"regexp_matches({expr}, {sql_string(_HAS_FULL_WIDTH)})"


def _base(expr: str, full_width: str | None = None) -> str:
    """Full-width ASCII and U+3000 to half-width, trimmed; empty text becomes NULL.

    ``full_width`` is SQL telling whether the value may hold a full-width character (default:
    a regex test of the value itself; the standardising pass tests the whole row once)."""
    # trim() with a list of characters is costly; testing both ends for each of them with
    # prefix()/suffix() first, and trimming only the values that need it, is ~7x cheaper.
    # Trimming before translating gives the same text: U+3000 is trimmed either way and no
    # other full-width character becomes one that is trimmed.
    edges = " OR ".join(
        f"prefix({expr}, {sql_string(c)}) OR suffix({expr}, {sql_string(c)})" for c in STRIP
    )
    trimmed = f"(CASE WHEN {edges} THEN trim({expr}, {sql_string(STRIP)}) ELSE {expr} END)"
    # translate() with a 95-character map is costly too; most values have no full-width
    # character, and a regex test for one is ~8x cheaper than translating every value.
    translated = (
        f"CASE WHEN {full_width or has_full_width(expr)} "
        f"THEN translate({trimmed}, {sql_string(FULL_WIDTH)}, {sql_string(HALF_WIDTH)}) "
        f"ELSE {trimmed} END"
    )
    return f"NULLIF({translated}, '')"


def _citizen_id(text: str) -> str:
    return f"upper(replace({text}, ' ', ''))"


def _uscc(text: str) -> str:
    return f"upper({text})"


def _month(text: str) -> str:
    pattern = sql_string(_MONTH)
    year = f"regexp_extract({text}, {pattern}, 1)"
    month = (
        f"TRY_CAST(coalesce(NULLIF(regexp_extract({text}, {pattern}, 2), ''), "
        f"NULLIF(regexp_extract({text}, {pattern}, 3), '')) AS INTEGER)"
    )
    # An unrecognised month keeps its text so the quality rule can show the steward what came in.
    return (
        f"CASE WHEN {month} BETWEEN 1 AND 12 "
        f"THEN {year} || '-' || lpad(CAST({month} AS VARCHAR), 2, '0') ELSE {text} END"
    )


def _amount(text: str) -> str:
    without_commas = f"replace({text}, ',', '')"  # '，' is already ',' after _base
    # ￥ (U+FFE5) is outside the full-width ASCII block, so _base leaves it: strip it and ¥ here
    return f"NULLIF(trim(regexp_replace({without_commas}, '^[￥¥]|元$', '', 'g')), '')"


# 2023-05-06, 2023/5/6, 2023.5.6, 2023年5月6日, optionally followed by a time of day
_YMD = r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
_EXCEL_EPOCH = "DATE '1899-12-30'"


def _date(text: str) -> str:
    """Text DuckDB casts to DATE: ``Y-M-D`` forms, ``YYYYMMDD``, or an Excel serial day number.

    A serial is recognised only when the whole value is an integer of at most five digits (days
    since 1899-12-30; 45052 is 2023-05-06), so 20230506 is never read as a serial. Anything else
    keeps its text, fails the cast and is listed in ``_cast_errors``."""
    ymd = f"regexp_replace({text}, {sql_string(_YMD)}, '\\1-\\2-\\3')"
    compact = f"regexp_replace({ymd}, '^(\\d{{4}})(\\d{{2}})(\\d{{2}})$', '\\1-\\2-\\3')"
    serial = f"CAST({_EXCEL_EPOCH} + CAST({text} AS INTEGER) AS VARCHAR)"
    return (
        f"CASE WHEN regexp_full_match({text}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') THEN {text} "
        f"WHEN regexp_full_match({text}, '[1-9][0-9]{{0,4}}') THEN {serial} "
        f"ELSE {compact} END"
    )


_SEX = {
    "1": ("男", "男性", "M", "MALE"),
    "2": ("女", "女性", "F", "FEMALE"),
    "0": ("未知", "未知的性别"),
    "9": ("未说明", "未说明的性别"),
}


def _sex(text: str) -> str:
    """GB/T 2261.1 codes from 男/男性/M, 女/女性/F, 未知, 未说明; digits are kept."""
    cases = " ".join(
        f"WHEN upper({text}) IN ({', '.join(sql_string(w) for w in words)}) THEN '{code}'"
        for code, words in _SEX.items()
    )
    return f"CASE WHEN regexp_full_match({text}, '[0-9]') THEN {text} {cases} ELSE {text} END"


@lru_cache(maxsize=1)
def _ethnicity_names() -> dict[str, str]:
    """Name, short name (汉族 → 汉) and letter code of every GB/T 3304 entry → its code."""
    names: dict[str, str] = {}
    with (CODES_DIR / "gb3304.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            names[row["name"]] = row["code"]
            if row["name"].endswith("族"):
                names[row["name"][:-1]] = row["code"]
            if row["letter_code"]:
                names[row["letter_code"]] = row["code"]
    return names


def _ethnicity(text: str) -> str:
    """Two-digit GB/T 3304 codes: names looked up in a MAP literal, one digit zero-padded."""
    entries = ", ".join(f"{sql_string(k)}: {sql_string(v)}" for k, v in _ethnicity_names().items())
    return (
        f"CASE WHEN regexp_full_match({text}, '[0-9]{{2}}') THEN {text} "
        f"WHEN regexp_full_match({text}, '[0-9]') THEN '0' || {text} "
        f"ELSE coalesce(MAP {{{entries}}}[upper({text})], {text}) END"
    )


def _mobile(text: str) -> str:
    """Spaces and hyphens removed, then a +86 / 0086 / 86 country prefix before 1xxxxxxxxxx."""
    bare = f"regexp_replace({text}, '[ -]', '', 'g')"
    return f"regexp_replace({bare}, '^(?:\\+86|0086|86)(1[0-9]{{10}})$', '\\1')"


_AREA = r"(010|02\d|0[3-9]\d{2})"
_LOCAL = r"([2-9]\d{6,7})"


def _landline(text: str) -> str:
    """``AREA-LOCAL`` (``-EXT``): spaces and brackets dropped, +86/0086 becomes the trunk 0."""
    bare = f"regexp_replace({text}, '[ ()]', '', 'g')"
    national = f"regexp_replace({bare}, '^(?:\\+86|0086)-?0?', '0')"
    plain = f"regexp_replace({national}, {sql_string(f'^{_AREA}-?{_LOCAL}$')}, '\\1-\\2')"
    ext = sql_string(f"^{_AREA}-?{_LOCAL}(?:-|转)(\\d{{1,6}})$")
    return f"regexp_replace({plain}, {ext}, '\\1-\\2-\\3')"


def _org_code(text: str) -> str:
    return f"upper(replace({text}, '-', ''))"


def _email(text: str) -> str:
    """The domain (after the last ``@``) lower-cased; the local part is case-sensitive."""
    at = f"(length({text}) - instr(reverse({text}), '@') + 1)"
    return (
        f"CASE WHEN instr({text}, '@') > 0 "
        f"THEN substr({text}, 1, {at}) || lower(substr({text}, {at} + 1)) ELSE {text} END"
    )


_ELEMENT_TEXT: dict[str, Callable[[str], str]] = {
    "citizen_id": _citizen_id,
    "uscc": _uscc,
    "org_code": _org_code,
    "month": _month,
    "amount": _amount,
    "date": _date,
    "birth_date": _date,
    "sex": _sex,
    "ethnicity": _ethnicity,
    "mobile": _mobile,
    "landline": _landline,
    "email": _email,
}


def normalised_text(spec: FieldSpec, raw: str, full_width: str | None = None) -> str:
    """SQL for the cleaned text of ``spec`` given the SQL of its raw VARCHAR value; ``full_width``
    is SQL telling whether it may hold full-width characters (default: test the value)."""
    text = _base(raw, full_width)
    element_rule = _ELEMENT_TEXT.get(spec.element or "")
    return element_rule(text) if element_rule else text


_NUMERIC = ("DECIMAL", "NUMERIC", "INTEGER", "BIGINT", "SMALLINT", "HUGEINT", "DOUBLE", "FLOAT")
_GROUPED = r"[-+]?[0-9]{1,3}(,[0-9]{3})+([.][0-9]+)?"


def typed_column(spec: FieldSpec, text: str) -> str | None:
    """SQL casting cleaned ``text`` to the field's type, or None for VARCHAR fields. A number
    with thousands separators (``1,234,567.5``, full-width commas already half-width) casts
    to a numeric type whatever its element."""
    kind = spec.duckdb_type.strip().upper()
    if kind == "VARCHAR":
        return None
    if kind.startswith(_NUMERIC):
        text = (
            f"CASE WHEN regexp_full_match({text}, {sql_string(_GROUPED)}) "
            f"THEN replace({text}, ',', '') ELSE {text} END"
        )
    return f"TRY_CAST({text} AS {column_type(spec.duckdb_type)})"
