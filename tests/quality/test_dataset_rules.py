"""Dataset-level rules: cross-field predicates in DuckDB, batch-check arithmetic, contract keys."""

from __future__ import annotations

import datetime as dt
import random
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from catalog.models import QualityDecision
from quality import decide
from quality.dataset_rules import (
    BatchContext,
    compile_cross_field_rules,
    contract_rules,
    freshness_finding,
    landing_date,
    row_count_bounds,
    row_count_finding,
)
from quality.rules import quote_ident
from quality.validate import rejection_reasons
from schemas import ContractError, load_contract
from schemas import generators as gen
from schemas.loader import DATASETS_DIR, parse_contract

HOUSEHOLD = "gaj_household_registration"


# --- cross-field rules ---------------------------------------------------------------------------


def _id(*, birth: dt.date, female: bool, seed: int = 3) -> str:
    return gen.citizen_id(random.Random(seed), region="330106", birth=birth, female=female)


BORN = dt.date(1988, 6, 9)
MAN = _id(birth=BORN, female=False)
WOMAN = _id(birth=BORN, female=True)

# (citizen_id, sex, birth_date) -> the cross rules the row must fail
CASES: list[tuple[str | None, str | None, dt.date | None, set[str]]] = [
    (MAN, "1", BORN, set()),
    (WOMAN, "2", BORN, set()),
    (MAN, "2", BORN, {"cross.id_sex"}),
    (WOMAN, "1", BORN, {"cross.id_sex"}),
    (MAN, "1", BORN + dt.timedelta(days=1), {"cross.id_birth_date"}),
    (WOMAN, "1", dt.date(1970, 1, 1), {"cross.id_sex", "cross.id_birth_date"}),
    (MAN, "0", BORN, set()),  # unknown sex never contradicts an ID
    (MAN, "9", BORN, set()),  # nor does unspecified
    (MAN, None, None, set()),  # missing values are required:… findings, not cross ones
    (None, "2", BORN, set()),
    ("", "2", BORN, set()),
    ("3.30106E+17", "2", dt.date(1970, 1, 1), set()),  # malformed: citizen_id.format answers
    (MAN[:-1] + "x", "2", BORN, set()),  # lowercase x is not well formed after standardising
    ("330106198802300012", "2", BORN, set()),  # 30 February: citizen_id.birth_date answers
    (MAN.replace("19880609", "19880610"), "1", BORN, {"cross.id_birth_date"}),  # bad check digit
]


def test_cross_field_rules_fail_exactly_the_mismatches(
    module_con: duckdb.DuckDBPyConnection,
) -> None:
    contract = load_contract(HOUSEHOLD)
    rules = compile_cross_field_rules(contract)
    assert [r.code for r in rules] == ["cross.id_birth_date", "cross.id_sex"]
    module_con.execute(
        "CREATE OR REPLACE TEMP TABLE cross_cases "
        "(_row BIGINT, citizen_id VARCHAR, sex VARCHAR, birth_date DATE)"
    )
    module_con.executemany(
        "INSERT INTO cross_cases VALUES (?, ?, ?, ?)",
        [[n, cid, sex, birth] for n, (cid, sex, birth, _) in enumerate(CASES)],
    )
    cases = ", ".join(f"{r.predicate} AS {quote_ident(r.code)}" for r in rules)
    cursor = module_con.execute(f"SELECT _row, {cases} FROM cross_cases ORDER BY _row")
    names = [d[0] for d in cursor.description or ()][1:]
    for row in cursor.fetchall():
        flags = dict(zip(names, row[1:], strict=True))
        assert None not in flags.values(), row  # NULL-safe
        assert {code for code, failed in flags.items() if failed} == CASES[row[0]][3], row


def test_cross_rules_join_the_contract_rules_and_repeat_with_qualifier(tmp_path: Path) -> None:
    codes = [r.code for r in contract_rules(load_contract(HOUSEHOLD))]
    assert codes[-2:] == ["cross.id_birth_date", "cross.id_sex"]
    assert "primary_key.unique" in codes

    data = yaml.safe_load((DATASETS_DIR / f"{HOUSEHOLD}.yaml").read_text(encoding="utf-8"))
    data["fields"].append(
        {"name": "spouse_id", "title_zh": "配偶身份号码", "element": "citizen_id"}
    )
    data["cross_field"].append({"rule": "id_sex", "id_field": "spouse_id", "sex_field": "sex"})
    path = tmp_path / "twice.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rules = compile_cross_field_rules(parse_contract(path))
    assert [r.code for r in rules] == [
        "cross.id_birth_date",
        "cross.id_sex:citizen_id",
        "cross.id_sex:spouse_id",
    ]


# --- contract keys -------------------------------------------------------------------------------


def _variant(tmp_path: Path, change: dict[str, Any], quality: dict[str, Any] | None = None) -> Path:
    data = yaml.safe_load((DATASETS_DIR / f"{HOUSEHOLD}.yaml").read_text(encoding="utf-8"))
    data.update(change)
    if quality is not None:
        data["quality"] = quality
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_contract_keys_are_parsed() -> None:
    contract = load_contract(HOUSEHOLD)
    assert [(r.rule, r.fields) for r in contract.cross_field] == [
        ("id_birth_date", {"id_field": "citizen_id", "birth_date_field": "birth_date"}),
        ("id_sex", {"id_field": "citizen_id", "sex_field": "sex"}),
    ]
    assert contract.row_count_change is not None and contract.row_count_change.max_ratio == 0.5
    assert contract.freshness is not None
    assert (contract.freshness.field, contract.freshness.max_age_days) == ("registered_on", 62)
    assert contract.batch_checks_block is True
    other = load_contract("rsj_social_insurance")
    assert (other.cross_field, other.row_count_change, other.freshness) == ((), None, None)
    assert other.batch_checks_block is False


@pytest.mark.parametrize(
    ("change", "quality", "message"),
    [
        ({"cross_field": [{"rule": "id_age"}]}, None, "cross_field rule 'id_age'"),
        ({"cross_field": [{"rule": "id_sex", "id_field": "citizen_id"}]}, None, "sex_field"),
        (
            {"cross_field": [{"rule": "id_sex", "id_field": "nope", "sex_field": "sex"}]},
            None,
            "id_field 'nope' is not a field",
        ),
        ({}, {"freshness": {"field": "nope"}}, "freshness field 'nope'"),
        ({"update_cycle": "irregular"}, {"freshness": {"field": "registered_on"}}, "max_age_days"),
        ({}, {"row_count_change": {"max_ratio": -0.1}}, "must not be negative"),
        ({}, {"row_count_change": 0.5}, "must be a mapping"),
    ],
)
def test_malformed_keys_are_refused(
    tmp_path: Path, change: dict[str, Any], quality: dict[str, Any] | None, message: str
) -> None:
    with pytest.raises(ContractError, match=message):
        parse_contract(_variant(tmp_path, change, quality))


def test_freshness_days_default_to_two_cycles(tmp_path: Path) -> None:
    path = _variant(tmp_path, {"update_cycle": "weekly"}, {"freshness": {"field": "registered_on"}})
    freshness = parse_contract(path).freshness
    assert freshness is not None and freshness.max_age_days == 14


# --- batch checks --------------------------------------------------------------------------------


@given(
    previous=st.integers(min_value=0, max_value=10**7),
    rows=st.integers(min_value=0, max_value=2 * 10**7),
    ratio=st.sampled_from([0.0, 0.1, 0.2, 0.25, 0.3, 0.5, 1.0, 1.5]),
)
def test_row_count_bounds_agree_with_exact_arithmetic(
    previous: int, rows: int, ratio: float
) -> None:
    exact = Fraction(str(ratio))
    inside = abs(Fraction(rows - previous)) <= exact * previous
    low, high = row_count_bounds(previous, ratio)
    assert (low <= rows <= high) is inside
    finding = row_count_finding(rows, previous, ratio, blocking=True)
    assert finding.passed is inside
    assert finding.bound == [low, high]


def test_row_count_finding_shapes() -> None:
    first = row_count_finding(500, None, 0.5, blocking=True)
    assert first.as_dict() == {
        "passed": True,
        "observed": 500,
        "bound": None,
        "blocking": True,
        "message": "first published batch of the dataset: no previous row count to compare",
    }
    assert row_count_bounds(500, 0.5) == (250, 750)
    assert row_count_finding(249, 500, 0.5, blocking=False).passed is False
    assert row_count_finding(250, 500, 0.5, blocking=False).passed is True
    assert row_count_finding(751, 500, 0.5, blocking=False).passed is False
    assert "-50.2%" in row_count_finding(249, 500, 0.5, blocking=False).message


def test_freshness_finding_boundaries() -> None:
    landed = dt.date(2026, 11, 5)
    assert freshness_finding(dt.date(2026, 9, 4), landed, 62, blocking=True).passed is True
    stale = freshness_finding(dt.date(2026, 9, 3), landed, 62, blocking=True)
    assert (stale.passed, stale.observed, stale.bound) == (False, "2026-09-03", "2026-09-04")
    assert "63 days" in stale.message
    empty = freshness_finding(None, landed, 62, blocking=False)
    assert (empty.passed, empty.observed, empty.blocking) == (False, None, False)


def test_landing_date_is_beijing_time() -> None:
    assert landing_date(dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.UTC)) == dt.date(2026, 11, 25)
    assert landing_date(dt.datetime(2026, 11, 24, 15, 59)) == dt.date(2026, 11, 24)  # naive: UTC


def test_blocking_failure_rejects_and_is_named() -> None:
    failed = row_count_finding(100, 500, 0.5, blocking=True).as_dict()
    warned = row_count_finding(100, 500, 0.5, blocking=False).as_dict()
    ok = row_count_finding(500, 500, 0.5, blocking=True).as_dict()
    assert decide(100, 0, 0.05, {"batch.row_count_change": failed}) is QualityDecision.REJECT
    assert decide(100, 0, 0.05, {"batch.row_count_change": warned}) is QualityDecision.PUBLISH
    assert decide(100, 1, 0.05, {"batch.row_count_change": ok}) is (
        QualityDecision.PUBLISH_WITH_QUARANTINE
    )
    reasons = rejection_reasons(
        100, 7, 0.05, {"mobile.format": 5, "cross.id_sex": 2, "email.format": 0},
        {"batch.row_count_change": failed, "batch.freshness": warned},
    )  # fmt: skip
    assert reasons == [
        "quality: 7 of 100 rows failed (7.00% > 5.00%): cross.id_sex (2), mobile.format (5)",
        f"batch.row_count_change: {failed['message']}",
    ]


def test_batch_context_is_frozen() -> None:
    context = BatchContext(previous_rows=3, landed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(AttributeError):
        context.previous_rows = 4  # type: ignore[misc]
