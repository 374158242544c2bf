"""Every data element's SQL checks on hand-picked good and bad values, one query per element.

Each case names the exact set of rule suffixes the value must fail (``set()`` = passes), so a
check that fails too much or too little is caught. Values are what the standardize step emits;
the raw forms (full-width, 2023年5月6日, Excel serials) are covered in
``tests/lakehouse/test_standardize.py``.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import duckdb
import pytest

from quality.code_lists import ensure_all_code_lists
from quality.rules import field_rules, sql_literal
from schemas import generators as gen
from schemas.loader import FieldSpec, load_elements


def _ric(first17: str) -> str:
    return first17 + gen.ric_check_char(first17)


def _uscc(first17: str) -> str:
    return first17 + gen.uscc_check_char(first17)


GOOD_ID = _ric("11010119900307123")
TODAY = dt.date.today()
_rng = random.Random(3)

CASES: dict[str, list[tuple[Any, set[str]]]] = {
    "citizen_id": [
        (GOOD_ID, set()),
        (_ric("11010319800101001"), set()),  # 崇文区, retired in 2010: still valid
        (_ric("44190019850101002"), set()),  # 东莞市: a prefecture-level code with no counties
        ("110101900307123", {"legacy_15"}),
        ("110101900230123", {"legacy_15", "birth_date"}),
        ("999999900307123", {"legacy_15", "region"}),
        ("1.10101E+17", {"format"}),  # Excel-mangled
        (gen.excel_mangled(GOOD_ID), {"format"}),
        (gen.full_width(GOOD_ID), {"format"}),  # not normalised
        (GOOD_ID[:-1] + "x", {"format"}),
        (GOOD_ID[:16], {"format"}),
        (GOOD_ID + "0", {"format"}),
        (gen.corrupt_check_char(GOOD_ID, "0123456789X"), {"check_digit"}),
        (_ric("11010119990230123"), {"birth_date"}),
        (_ric("11010118991231123"), {"birth_date"}),
        (_ric("110101" + f"{TODAY + dt.timedelta(days=1):%Y%m%d}" + "123"), {"birth_date"}),
        (_ric("99999919900307123"), {"region"}),
    ],
    "uscc": [
        ("91330100716105852F", set()),  # a real company's code (71610585-2)
        ("91440300708461136T", set()),  # another (70846113-6)
        (_uscc("N2330106MA27XR5H1"), set()),
        (_uscc("Y1330106MA27XR5H1"), set()),
        (_uscc("A1330106MA27XR5H1"), set()),
        (_uscc("11100000MA27XR5H1"), set()),  # national level 100000
        (_uscc("99330106MA27XR5H1"), {"authority"}),
        (_uscc("Y2330106MA27XR5H1"), {"authority"}),
        (_uscc("14330106MA27XR5H1"), {"authority"}),
        (_uscc("91330106MA27XR5H0"), {"org_code"}),
        (_uscc("91999999MA27XR5H1"), {"region"}),
        (_uscc("99999999MA27XR5H0"), {"authority", "org_code", "region"}),
        ("91330100716105852E", {"check_digit"}),
        ("91330100716105852", {"format"}),
        ("91330100716105852f", {"format"}),
        ("9133010071610585IF", {"format"}),
        (_uscc("9A330100716105852"), {"authority"}),  # A is a class character, not a type
    ],
    "org_code": [
        ("716105852", set()),
        ("708461136", set()),
        ("MA27XR5H1", set()),
        ("MA27XR5H0", {"check_digit"}),
        ("71610585-2", {"format"}),
        ("ma27xr5h1", {"format"}),
        ("71610585", {"format"}),
        ("71610585Y", {"format"}),
    ],
    "sex": [("0", set()), ("1", set()), ("2", set()), ("9", set())]
    + [(v, {"known"}) for v in ("3", "男", "M", "01")],
    "ethnicity": [(c, set()) for c in ("01", "08", "56", "97", "98")]
    + [(v, {"known"}) for v in ("57", "99", "1", "汉族", "HA", "00")],
    "date": [
        (dt.date(1949, 10, 1), set()),
        (dt.date(2099, 1, 1), set()),  # date has no not_future
        (dt.date(1949, 9, 30), {"range"}),
    ],
    "birth_date": [
        (TODAY, set()),
        (dt.date(1900, 1, 1), set()),
        (TODAY + dt.timedelta(days=1), {"range"}),
        (dt.date(1899, 12, 31), {"range"}),
    ],
    "mobile": [("13800138000", set()), ("19912345678", set())]
    + [(v, {"format"}) for v in ("12800138000", "1380013800", "+8613800138000", "138-0013-8000")],
    "landline": [
        ("0571-87654321", set()),
        ("0571-8765432", set()),
        ("010-62345678", set()),
        ("020-87654321-123", set()),
    ]
    + [(v, {"format"}) for v in ("057187654321", "0571-07654321", "01-12345678", "0571-876543")],
    "postal_code": [("310000", set()), ("999077", set())]
    + [(v, {"format"}) for v in ("31000", "3100000", "31000a")],
    "email": [
        ("zhang.san@example.com", set()),
        ("o'neil+tag@mail.example.cn", set()),
        ("a@xn--fiqs8s.example", set()),
        ("Zhang@zj.gov.cn", set()),  # the local part keeps its case
    ]
    + [
        (v, {"format"})
        for v in (
            "a@b",
            "a@Example.com",
            "a..b@example.com",
            ".a@example.com",
            "a b@example.com",
            "a@-x.example.com",
            "a@@example.com",
            "x" * 65 + "@example.com",
            "a@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + "." + "e" * 63 + ".com",
        )
    ],
    "person_name": [("张三", set()), ("张" * 50, set()), ("张" * 51, {"length"})],
    "admin_division": [("330106", set()), ("999999", {"known"})],
}


def failures(con: duckdb.DuckDBPyConnection, code: str, values: list[Any]) -> list[set[str]]:
    """The failing rule suffixes of element ``code`` for each value, in one query."""
    element = load_elements()[code]
    spec = FieldSpec("v", "v", "v", element.duckdb_type, element=code)
    rules = [r for r in field_rules(spec, element) if r.code.startswith(f"{code}.")]
    cases = ", ".join(
        f"CASE WHEN COALESCE(({r.predicate}), FALSE) "
        f"THEN {sql_literal(r.code[len(code) + 1 :])} END"
        for r in rules
    )
    rows = con.execute(
        f"SELECT i, list_filter([{cases}], x -> x IS NOT NULL) FROM ("
        f"SELECT CAST(unnest($1) AS {element.duckdb_type}) AS v, generate_subscripts($1, 1) AS i)"
        " ORDER BY i",
        [values],
    ).fetchall()
    return [set(failed) for _, failed in rows]


@pytest.fixture(scope="module")
def con(module_con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    ensure_all_code_lists(module_con)
    return module_con


@pytest.mark.parametrize("code", sorted(CASES))
def test_element_cases(con: duckdb.DuckDBPyConnection, code: str) -> None:
    values = [v for v, _ in CASES[code]]
    got = dict(zip(map(str, values), failures(con, code, values), strict=True))
    assert got == {str(v): want for v, want in CASES[code]}


GENERATORS = {
    "citizen_id": lambda r: gen.citizen_id(r),
    "uscc": lambda r: gen.uscc(r, kind="any"),
    "org_code": lambda r: gen.organisation_code(r, alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    "sex": gen.sex_code,
    "ethnicity": gen.ethnicity_code,
    "birth_date": lambda r: gen.birth_date(r),
    "date": lambda r: gen.birth_date(r, start=1950),
    "mobile": gen.mobile,
    "landline": lambda r: gen.landline(r, extension=r.random() < 0.2),
    "postal_code": gen.postal_code,
    "email": gen.email,
}


@pytest.mark.parametrize("code", sorted(GENERATORS))
def test_generated_values_pass_their_element(con: duckdb.DuckDBPyConnection, code: str) -> None:
    rng = random.Random(code)
    values = [GENERATORS[code](rng) for _ in range(500)]
    failing = [(v, f) for v, f in zip(values, failures(con, code, values), strict=True) if f]
    assert failing == []


def test_legacy_generator_is_flagged_only_as_legacy(con: duckdb.DuckDBPyConnection) -> None:
    rng = random.Random(15)
    values = [gen.legacy_citizen_id(rng) for _ in range(300)]
    assert all(len(v) == 15 for v in values)
    assert failures(con, "citizen_id", values) == [{"legacy_15"}] * 300
