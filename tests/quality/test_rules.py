"""Each rule on hand-picked good and bad values, evaluated by DuckDB through the verdict query."""

from __future__ import annotations

import dataclasses
import random
from decimal import Decimal
from typing import Any

import duckdb
import pytest

from quality import UnsupportedContract, compile_rules
from quality.rules import quote_ident, verdict_query
from schemas import DatasetContract, load_contract, load_elements
from schemas import generators as gen
from tests.quality.factories import good_rows, load

_rng = random.Random(20240501)


def _ric(first17: str) -> str:
    return first17 + gen.ric_check_char(first17)


def _uscc(first17: str) -> str:
    return first17 + gen.uscc_check_char(first17)


def _ric_ending_in_x() -> str:
    while True:
        value = gen.citizen_id(_rng)
        if value.endswith("X"):
            return value


GOOD_ID = _ric("11010119900307123")
GOOD_USCC = _uscc("91330106" + "MA27XR5H" + "1")  # MA27XR5H-1 passes GB 11714

# (case id, field overrides, rule codes the row must fail — exactly)
CASES: list[tuple[str, dict[str, Any], set[str]]] = [
    ("good row", {}, set()),
    ("good id with X check", {"citizen_id": _ric_ending_in_x()}, set()),
    ("good id, region retired since", {"citizen_id": _ric("11010319800101001")}, set()),
    ("good uscc", {"employer_uscc": GOOD_USCC}, set()),
    ("uscc with letter authority", {"employer_uscc": _uscc("N2330106MA27XR5H1")}, set()),
    ("zero amount", {"amount": Decimal("0.00")}, set()),
    ("optional field empty", {"employer_name": None}, set()),
    (
        "wrong check digit",
        {"citizen_id": gen.corrupt_check_char(GOOD_ID, "0123456789X")},
        {"citizen_id.check_digit"},
    ),
    (
        "lowercase x left unnormalised",
        {"citizen_id": _ric_ending_in_x().lower()},
        {"citizen_id.format"},
    ),
    ("excel-mangled id", {"citizen_id": "1.10101E+17"}, {"citizen_id.format"}),
    ("15-digit legacy id", {"citizen_id": "110101900307123"}, {"citizen_id.legacy_15"}),
    (
        "15-digit legacy id, impossible date",
        {"citizen_id": "110101900230123"},
        {"citizen_id.legacy_15", "citizen_id.birth_date"},
    ),
    ("16 digits", {"citizen_id": "1101019003071234"}, {"citizen_id.format"}),
    ("uscc authority 9 type 9", {"employer_uscc": _uscc("99330106MA27XR5H1")}, {"uscc.authority"}),
    ("uscc org code check", {"employer_uscc": _uscc("91330106MA27XR5H0")}, {"uscc.org_code"}),
    ("uscc unknown region", {"employer_uscc": _uscc("91999999MA27XR5H1")}, {"uscc.region"}),
    ("uscc national region", {"employer_uscc": _uscc("11100000MA27XR5H1")}, set()),
    ("id with a space", {"citizen_id": " " + GOOD_ID[:-1]}, {"citizen_id.format"}),
    ("birth date 19990230", {"citizen_id": _ric("11010119990230123")}, {"citizen_id.birth_date"}),
    ("future birth date", {"citizen_id": _ric("11010120990101123")}, {"citizen_id.birth_date"}),
    ("birth before 1900", {"citizen_id": _ric("11010118991231123")}, {"citizen_id.birth_date"}),
    ("unknown region 999999", {"citizen_id": _ric("99999919900307123")}, {"citizen_id.region"}),
    (
        "uscc with letter I",
        {"employer_uscc": GOOD_USCC[:14] + "I" + GOOD_USCC[15:]},
        {"uscc.format"},
    ),
    (
        "uscc with letter O",
        {"employer_uscc": GOOD_USCC[:10] + "O" + GOOD_USCC[11:]},
        {"uscc.format"},
    ),
    ("uscc lowercase", {"employer_uscc": GOOD_USCC.lower()}, {"uscc.format"}),
    ("uscc short", {"employer_uscc": GOOD_USCC[:-1]}, {"uscc.format"}),
    (
        "bad uscc check",
        {"employer_uscc": gen.corrupt_check_char(GOOD_USCC, gen.USCC_ALPHABET)},
        {"uscc.check_digit"},
    ),
    ("month 2023-13", {"period": "2023-13"}, {"month.format"}),
    ("month 2023-00", {"period": "2023-00"}, {"month.format"}),
    ("month unnormalised", {"period": "202305"}, {"month.format"}),
    ("negative amount", {"amount": Decimal("-0.01")}, {"amount.range"}),
    ("unknown division", {"region": "999999"}, {"admin_division.known"}),
    ("division with letters", {"region": "33O106"}, {"admin_division.known"}),
    ("name too long", {"person_name": "张" * 51}, {"person_name.length"}),
    ("required missing", {"citizen_id": None}, {"required:citizen_id"}),
    ("required empty", {"person_name": ""}, {"required:person_name"}),
    (
        "cast failed is not also missing",
        {"amount": None, "_cast_errors": ["amount"]},
        {"cast:amount"},
    ),
    (
        "cast failed on optional field",
        {"employer_name": None, "_cast_errors": ["employer_name"]},
        {"cast:employer_name"},
    ),
    (
        "two defects",
        {"period": "2023-13", "amount": Decimal("-5")},
        {"month.format", "amount.range"},
    ),
]


@pytest.fixture(scope="module")
def verdicts(
    module_con: duckdb.DuckDBPyConnection, contract: DatasetContract
) -> dict[int, set[str]]:
    rows = good_rows(len(CASES) + 2, seed=11)
    for row, (_, overrides, _) in zip(rows, CASES, strict=False):
        row.update(overrides)
    # the last two rows repeat one primary key
    rows[-1].update({k: rows[-2][k] for k in ("citizen_id", "employer_uscc", "period")})
    table = load(module_con, "rule_cases", contract, rows)
    result = module_con.execute(verdict_query(quote_ident(table), compile_rules(contract)))
    return {row: set(failed) for row, failed in result.fetchall()}


@pytest.fixture(scope="module")
def contract() -> DatasetContract:
    return load_contract("rsj_social_insurance")


@pytest.mark.parametrize(
    ("number", "expected"),
    [pytest.param(i, expected, id=name) for i, (name, _, expected) in enumerate(CASES, 1)],
)
def test_rule_case(verdicts: dict[int, set[str]], number: int, expected: set[str]) -> None:
    assert verdicts.get(number, set()) == expected


def test_duplicate_key_fails_both_rows(verdicts: dict[int, set[str]]) -> None:
    last = len(CASES) + 2
    assert verdicts[last - 1] == {"primary_key.unique"}
    assert verdicts[last] == {"primary_key.unique"}


def test_rule_codes_of_the_social_insurance_contract(contract: DatasetContract) -> None:
    assert [r.code for r in compile_rules(contract)] == [
        "cast:citizen_id", "required:citizen_id", "citizen_id.format", "citizen_id.legacy_15",
        "citizen_id.check_digit", "citizen_id.birth_date", "citizen_id.region",
        "cast:person_name", "required:person_name", "person_name.length",
        "cast:employer_uscc", "required:employer_uscc", "uscc.format", "uscc.check_digit",
        "uscc.authority", "uscc.org_code", "uscc.region",
        "cast:employer_name",
        "cast:period", "required:period", "month.format",
        "cast:amount", "required:amount", "amount.range",
        "cast:region", "required:region", "admin_division.known",
        "primary_key.unique",
    ]  # fmt: skip


def test_an_element_bound_to_two_fields_gets_field_qualified_codes(
    contract: DatasetContract,
) -> None:
    payer = dataclasses.replace(contract.field("employer_uscc"), name="payer_uscc")
    two = dataclasses.replace(contract, fields=(*contract.fields, payer))
    codes = [r.code for r in compile_rules(two) if r.code.startswith("uscc.")]
    checks = ("format", "check_digit", "authority", "org_code", "region")
    assert codes == [f"uscc.{c}:{f}" for f in ("employer_uscc", "payer_uscc") for c in checks]


def test_identifiers_are_quoted(contract: DatasetContract) -> None:
    odd = dataclasses.replace(contract.field("period"), name='per"iod')
    weird = dataclasses.replace(contract, fields=(odd,), primary_key=())
    predicates = " ".join(r.predicate for r in compile_rules(weird))
    assert '"per""iod"' in predicates
    assert "'per\"iod'" in predicates  # the cast-error literal


def test_an_unknown_check_is_refused(contract: DatasetContract) -> None:
    elements = dict(load_elements())
    elements["month"] = dataclasses.replace(elements["month"], check="isbn")
    with pytest.raises(UnsupportedContract, match="isbn"):
        compile_rules(contract, elements)
