"""validate() end to end on a generated batch with planted defects, decisions, the verdict file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from catalog.models import QualityDecision
from quality import RelationMismatch, decide, validate, write_verdict
from quality.validate import ge_rule_counts
from schemas import DatasetContract
from schemas import generators as gen
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
