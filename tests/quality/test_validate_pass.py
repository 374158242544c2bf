"""The checking pass and GE over its flags: the same verdict as every rule run on its own.

A batch with one defect of each kind is standardised (which now checks every rule in the same
statement) and judged twice on one connection: by :func:`validate_pass` (GE aggregates the rule
flags) and by :func:`validate` (every rule's SQL as its own GE expectation, re-reading the data).
Both must flag the same rows with the same rules. Then the flags are tampered with, to show that
GE's counts are compared with the pass's own and a disagreement stops the batch.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from catalog.models import QualityDecision
from catalog.settings import Settings
from lakehouse.connection import connect
from lakehouse.standardize import standardize
from quality.dataset_rules import BatchContext, contract_rules
from quality.errors import EngineFailure, RelationMismatch
from quality.one_pass import flag_columns
from quality.validate import validate
from quality.validate_pass import validate_pass
from tests.lakehouse import factories

# (source row, column index, raw value): one defect of each kind
DEFECTS = {
    3: (0, "110101199003077777"),  # citizen_id check digit
    5: (5, "待定"),  # amount does not cast
    8: (6, "999999"),  # region not in GB/T 2260
    11: (1, ""),  # required name missing
    14: (2, "91330100MA27XXXXXX"),  # USCC check digit / org code
}


def _staged(settings: Settings, tmp_path: Path, *, duplicate: bool = True) -> Path:
    rows = [list(r.cells) for r in factories.source_rows(30, seed=11)]
    for line, (column, value) in DEFECTS.items():
        rows[line - 1][column] = value
    if duplicate:
        rows[20] = list(rows[19])  # rows 20 and 21: the same key twice
    source = factories.write_csv(tmp_path / "社保.csv", rows)
    return standardize(settings, factories.contract(), 1, source).staging_path


def _view(con: duckdb.DuckDBPyConnection, path: Path, name: str = "staged") -> None:
    con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{path}')")


def test_the_pass_and_every_rule_on_its_own_agree_row_by_row(
    settings: Settings, tmp_path: Path
) -> None:
    staging = _staged(settings, tmp_path)
    context = BatchContext(previous_rows=None, landed_at=dt.datetime(2023, 10, 1))
    with connect(settings, lake=False) as con:
        _view(con, staging)
        quick = validate_pass(con, "staged", factories.contract(), batch_id=1, context=context)
        pass_rows = dict(
            con.execute(f"SELECT _row, failed_rules FROM {quick.verdict_relation}").fetchall()
        )
        full = validate(con, "staged", factories.contract(), batch_id=2, context=context)
        full_rows = dict(
            con.execute(f"SELECT _row, failed_rules FROM {full.verdict_relation}").fetchall()
        )
    assert quick.rule_counts == full.rule_counts
    assert (quick.rows_in, quick.rows_quarantined) == (full.rows_in, full.rows_quarantined)
    assert quick.decision is full.decision is QualityDecision.REJECT  # 7 of 30 > 5%
    assert pass_rows == full_rows
    assert set(pass_rows) == {3, 5, 8, 11, 14, 20, 21}
    assert pass_rows[5] == ["cast:amount"]
    assert pass_rows[20] == pass_rows[21] == ["primary_key.unique"]
    assert quick.rule_counts["primary_key.unique"] == 2
    assert quick.findings == full.findings
    ge_types = {r["expectation_config"]["type"] for r in quick.ge_result["results"]}
    assert "expect_column_sum_to_be_between" in ge_types
    assert "unexpected_row_count_expectation" not in ge_types  # no rule re-reads the data


def test_a_clean_batch_publishes_and_ge_counts_every_row(
    settings: Settings, tmp_path: Path
) -> None:
    rows = [r.cells for r in factories.source_rows(25, seed=3)]
    staging = standardize(
        settings, factories.contract(), 1, factories.write_csv(tmp_path / "a.csv", rows)
    ).staging_path
    with connect(settings, lake=False) as con:
        _view(con, staging)
        outcome = validate_pass(con, "staged", factories.contract(), batch_id=1)
    assert outcome.decision is QualityDecision.PUBLISH
    assert (outcome.rows_in, outcome.rows_quarantined, outcome.score) == (25, 0, 100.0)
    assert set(outcome.rule_counts) == {r.code for r in contract_rules(factories.contract())}
    assert not any(outcome.rule_counts.values())
    assert outcome.ge_success


def test_flags_that_disagree_with_the_rule_lists_stop_the_batch(
    settings: Settings, tmp_path: Path
) -> None:
    """A flag set where the row's rule list says nothing: GE (which sums the flags) and the pass
    (which counts the lists) disagree, and the batch is not judged at all."""
    staging = _staged(settings, tmp_path, duplicate=False)
    first_flag = flag_columns(contract_rules(factories.contract()))[0][0]
    tampered = tmp_path / "tampered.parquet"
    with connect(settings, lake=False) as con:
        con.execute(
            f"COPY (SELECT * REPLACE (_row = 1 OR {first_flag} AS {first_flag}) "
            f"FROM read_parquet('{staging}')) TO '{tampered}' (FORMAT parquet)"
        )
        _view(con, tampered)
        with pytest.raises(EngineFailure, match="disagree"):
            validate_pass(con, "staged", factories.contract(), batch_id=1)


def test_a_relation_the_pass_did_not_write_is_refused(settings: Settings, tmp_path: Path) -> None:
    staging = _staged(settings, tmp_path, duplicate=False)
    with connect(settings, lake=False) as con:
        con.execute(
            "CREATE VIEW bare AS SELECT * EXCLUDE (_passed, _failed_rules) "
            f"FROM read_parquet('{staging}')"
        )
        with pytest.raises(RelationMismatch, match="_passed"):
            validate_pass(con, "bare", factories.contract(), batch_id=1)
