"""validate() end to end on a generated batch with planted defects, decisions, the verdict file."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml

from catalog.models import QualityDecision
from quality import QualityOutcome, RelationMismatch, decide, write_verdict
from quality.dataset_rules import BatchContext
from quality.suite import RULE_EXPECTATION_TYPE
from quality.validate import ge_rule_counts, validate
from schemas import DatasetContract, load_contract
from schemas import generators as gen
from schemas.loader import parse_contract
from tests.quality.factories import good_rows, load

# _row -> (field overrides, the exact rule codes that row must fail)
DEFECTS: dict[int, tuple[dict[str, object], set[str]]] = {
    3: ({"citizen_id": "1.10101E+17"}, {"citizen_id.format"}),
    17: ({"period": "2023-13", "amount": Decimal("-1")}, {"month.format", "amount.range"}),
    42: ({"region": "999999"}, {"admin_division.known"}),
    58: ({"amount": None, "_cast_errors": ["amount"]}, {"cast:amount"}),
    77: ({"person_name": ""}, {"required:person_name"}),
}


def _batch(contract: DatasetContract, con: duckdb.DuckDBPyConnection, size: int = 120) -> str:
    rows = good_rows(size, seed=99)
    for number, (overrides, _) in DEFECTS.items():
        rows[number - 1].update(overrides)
    rows[90]["employer_uscc"] = gen.corrupt_check_char(rows[90]["employer_uscc"], gen.USCC_ALPHABET)
    # row 101 repeats row 100's key
    rows[100].update({k: rows[99][k] for k in ("citizen_id", "employer_uscc", "period")})
    return load(con, "staged", contract, rows)


EXPECTED = {
    **{n: codes for n, (_, codes) in DEFECTS.items()},
    91: {"uscc.check_digit"},
    100: {"primary_key.unique"},
    101: {"primary_key.unique"},
}


def test_generated_batch_yields_exactly_the_planted_defects(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract
) -> None:
    outcome = validate(con, _batch(contract, con), contract, batch_id=7)
    verdict = con.execute(f'SELECT _row, failed_rules FROM "{outcome.verdict_relation}"').fetchall()
    assert {row: set(rules) for row, rules in verdict} == EXPECTED
    assert (outcome.rows_in, outcome.rows_quarantined, outcome.rows_passed) == (120, 8, 112)
    assert outcome.score == round(112 / 120 * 100, 2)
    assert outcome.decision is QualityDecision.REJECT  # 8/120 > 0.05
    expected_counts: dict[str, int] = {}
    for codes in EXPECTED.values():
        for code in codes:
            expected_counts[code] = expected_counts.get(code, 0) + 1
    assert {k: v for k, v in outcome.rule_counts.items() if v} == expected_counts
    assert outcome.rule_counts["citizen_id.check_digit"] == 0  # every rule is reported


def test_ge_counts_equal_the_sql_verdict(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract
) -> None:
    outcome = validate(con, _batch(contract, con), contract, batch_id=8)
    assert outcome.ge_success is False
    assert ge_rule_counts(outcome.ge_result) == outcome.rule_counts
    json.dumps(outcome.ge_result)  # stored as JSON in the catalog
    assert "1.10101E+17" not in json.dumps(outcome.ge_result)  # only _row leaves DuckDB


def test_clean_batch_publishes_and_views_work(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract
) -> None:
    load(con, "clean", contract, good_rows(30))
    con.execute('CREATE VIEW "clean_view" AS SELECT * FROM "clean"')
    outcome = validate(con, "clean_view", contract, batch_id=9)
    assert (outcome.decision, outcome.score, outcome.ge_success) == (
        QualityDecision.PUBLISH, 100.0, True,
    )  # fmt: skip
    assert not any(outcome.rule_counts.values())


def test_small_failure_ratio_publishes_with_quarantine(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract
) -> None:
    rows = good_rows(40)
    rows[0]["period"] = "2023-13"
    rows[1]["region"] = "999999"  # 2/40 = 0.05: at the threshold
    outcome = validate(con, load(con, "staged", contract, rows), contract, batch_id=10)
    assert outcome.decision is QualityDecision.PUBLISH_WITH_QUARANTINE


def test_empty_batch_is_rejected(con: duckdb.DuckDBPyConnection, contract: DatasetContract) -> None:
    outcome = validate(con, load(con, "staged", contract, []), contract, batch_id=11)
    assert (outcome.rows_in, outcome.score, outcome.decision) == (0, 0.0, QualityDecision.REJECT)


@pytest.mark.parametrize(
    ("rows_in", "bad", "ratio", "decision"),
    [
        (100, 0, 0.05, QualityDecision.PUBLISH),
        (100, 1, 0.05, QualityDecision.PUBLISH_WITH_QUARANTINE),
        (100, 5, 0.05, QualityDecision.PUBLISH_WITH_QUARANTINE),
        (100, 6, 0.05, QualityDecision.REJECT),
        (100, 1, 0.0, QualityDecision.REJECT),
        (0, 0, 0.05, QualityDecision.REJECT),
        (10, 10, 1.0, QualityDecision.PUBLISH_WITH_QUARANTINE),
    ],
)
def test_decision_thresholds(
    rows_in: int, bad: int, ratio: float, decision: QualityDecision
) -> None:
    assert decide(rows_in, bad, ratio) is decision


def test_relation_missing_standardize_columns_is_refused(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract
) -> None:
    con.execute("CREATE TABLE raw AS SELECT 1 AS citizen_id")
    with pytest.raises(RelationMismatch) as caught:
        validate(con, "raw", contract, batch_id=12)
    assert "_cast_errors" in caught.value.context["missing"]


def test_write_verdict_parquet_schema_and_atomicity(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, tmp_path: Path
) -> None:
    outcome = validate(con, _batch(contract, con), contract, batch_id=13)
    path = tmp_path / "out" / "batch13.verdict.parquet"
    assert write_verdict(con, outcome, path) == path
    table = pq.read_table(path)
    assert [(f.name, str(f.type)) for f in table.schema] == [
        ("_row", "int64"),
        ("failed_rules", "list<element: string>"),
    ]
    assert table.column("_row").to_pylist() == sorted(EXPECTED)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left

    # a failed write leaves the previous file untouched and no temp file behind
    con.execute(f'DROP TABLE "{outcome.verdict_relation}"')
    with pytest.raises(duckdb.CatalogException):
        write_verdict(con, outcome, path)
    assert pq.read_table(path).num_rows == len(EXPECTED)
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def _with_batch_checks(tmp_path: Path, *, block: bool) -> DatasetContract:
    source = load_contract("rsj_social_insurance").path
    assert source is not None
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["quality"].update(
        {
            "row_count_change": {"max_ratio": 0.5},
            "freshness": {"field": "period"},
            "batch_checks_block": block,
        }
    )
    path = tmp_path / "rsj_checked.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return parse_contract(path)


def _batch_expectations(outcome: QualityOutcome) -> dict[str, tuple[str, bool]]:
    return {
        meta["batch_check"]: (item["expectation_config"]["type"], item["success"])
        for item in outcome.ge_result["results"]
        if "batch_check" in (meta := item["expectation_config"].get("meta") or {})
    }


def test_batch_checks_run_in_ge_and_block(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    contract = _with_batch_checks(tmp_path, block=True)
    rows = good_rows(40)
    for row in rows:
        row["period"] = "2024-11"
    rows[0]["period"] = "2024-12"  # the newest month, but this row fails: not counted as fresh
    rows[0]["region"] = "999999"
    relation = load(con, "staged", contract, rows)
    landed = dt.datetime(2025, 2, 1, 4, 0, tzinfo=dt.UTC)

    outcome = validate(con, relation, contract, batch_id=20, context=BatchContext(100, landed))
    assert outcome.findings["batch.row_count_change"] == {
        "passed": False,
        "observed": 40,
        "bound": [50, 150],
        "blocking": True,
        "message": outcome.findings["batch.row_count_change"]["message"],
    }
    fresh = outcome.findings["batch.freshness"]
    # stale by one day: the failing row's 2024-12 would have counted as fresh
    assert (fresh["passed"], fresh["observed"], fresh["bound"]) == (
        False,
        "2024-11-30",
        "2024-12-01",
    )
    assert outcome.decision is QualityDecision.REJECT  # 1/40 alone would publish with quarantine
    assert _batch_expectations(outcome) == {
        "batch.row_count_change": ("expect_table_row_count_to_be_between", False),
        "batch.freshness": (RULE_EXPECTATION_TYPE, False),
    }


def test_batch_checks_warn_when_not_blocking(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    contract = _with_batch_checks(tmp_path, block=False)
    relation = load(con, "staged", contract, good_rows(40))  # periods in 2024
    landed = dt.datetime(2026, 11, 5, tzinfo=dt.UTC)
    outcome = validate(con, relation, contract, batch_id=21, context=BatchContext(None, landed))
    assert outcome.decision is QualityDecision.PUBLISH
    assert {c: (f["passed"], f["blocking"]) for c, f in outcome.findings.items()} == {
        "batch.row_count_change": (True, False),  # first batch: nothing to compare
        "batch.freshness": (False, False),
    }
    assert _batch_expectations(outcome) == {"batch.freshness": (RULE_EXPECTATION_TYPE, False)}


def test_without_context_there_are_no_batch_checks(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    contract = _with_batch_checks(tmp_path, block=True)
    outcome = validate(con, load(con, "staged", contract, good_rows(10)), contract, batch_id=22)
    assert outcome.findings == {}
    assert _batch_expectations(outcome) == {}
