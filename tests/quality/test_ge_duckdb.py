"""The duckdb_engine rollback trap, reproduced with the stock dialect and fixed by ours.

Great Expectations reads each metric's result after leaving ``with engine.connect()``; the
rollback on the way out makes DuckDB drop the pending result. These tests show the stock dialect
losing results (empty fetches, GE metrics that fail to resolve) and the buffering dialect keeping
them, on the same database and the same suite.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import duckdb
import duckdb_engine
import pytest
from sqlalchemy import create_engine, text

from quality import EngineFailure, build_suite, make_engine, run_suite
from quality.suite import RULE_EXPECTATION_TYPE, RULE_META_KEY
from quality.validate import ensure_code_tables, ge_rule_counts
from schemas import DatasetContract
from tests.quality.factories import good_rows, load


def _stock_connection(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """add_sql arguments for the stock duckdb_engine dialect over the same database."""
    return {
        "connection_string": "duckdb://",
        "kwargs": {"creator": lambda: duckdb_engine.ConnectionWrapper(con.cursor())},
    }


def _fetch_after_close(engine: Any, sql: str) -> list[Any]:
    """What GE does: execute inside ``with connect()``, fetch after the connection is closed."""
    with engine.connect() as connection:
        result = connection.execute(text(sql))
    return list(result.fetchall())


def test_stock_dialect_loses_a_result_read_after_close(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE numbers AS SELECT range AS n FROM range(5)")
    stock = create_engine(
        "duckdb://", creator=lambda: duckdb_engine.ConnectionWrapper(con.cursor())
    )
    ours = make_engine(con)
    try:
        assert _fetch_after_close(stock, "SELECT count(*) FROM numbers") == []
        assert _fetch_after_close(ours, "SELECT count(*) FROM numbers") == [(5,)]
    finally:
        stock.dispose()
        ours.dispose()


def test_buffered_results_survive_a_second_statement(con: duckdb.DuckDBPyConnection) -> None:
    engine = make_engine(con)
    try:
        with engine.connect() as connection:
            first = connection.execute(text("SELECT range FROM range(3)"))
            assert first.fetchone() == (0,)  # read one row live, the rest gets buffered
            second = connection.execute(text("SELECT 'b'"))
            assert second.fetchall() == [("b",)]
            assert first.fetchall() == [(1,), (2,)]
    finally:
        engine.dispose()


def test_ge_on_stock_dialect_returns_no_metrics_and_ours_returns_correct_ones(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract
) -> None:
    rows = good_rows(12)
    rows[4]["period"] = "2023-13"
    rows[9]["amount"] = -rows[9]["amount"]
    load(con, "batch", contract, rows)
    ensure_code_tables(con)
    suite = build_suite(contract)

    stock = run_suite(con, "batch", suite, connection=_stock_connection(con))
    assert stock["success"] is False
    assert all(item["result"] == {} for item in stock["results"])
    assert all(item["exception_info"] for item in stock["results"])
    assert "list index out of range" in str(stock["results"])
    with pytest.raises(EngineFailure):
        ge_rule_counts(stock)

    ours = run_suite(con, "batch", suite)
    by_type = {r["expectation_config"]["type"]: r for r in ours["results"]}
    assert by_type["expect_table_row_count_to_be_between"]["result"]["observed_value"] == 12
    assert by_type["expect_column_values_to_not_be_null"]["result"]["element_count"] == 12
    counts = ge_rule_counts(ours)
    assert {code: n for code, n in counts.items() if n} == {"month.format": 1, "amount.range": 1}
    assert set(counts) == {
        item["expectation_config"]["meta"][RULE_META_KEY]
        for item in ours["results"]
        if item["expectation_config"]["type"] == RULE_EXPECTATION_TYPE
    }


def test_ge_executes_its_sql_in_duckdb(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract
) -> None:
    rows = good_rows(3)
    rows[0]["period"] = "2023-13"
    load(con, "batch", contract, rows)
    ensure_code_tables(con)
    con.execute("CALL enable_logging('QueryLog')")
    run_suite(con, "batch", build_suite(contract))
    logged = [
        m
        for (m,) in con.execute(
            "SELECT message FROM duckdb_logs WHERE type = 'QueryLog'"
        ).fetchall()
    ]
    # GE's own metric SQL, as executed by DuckDB for every pooled cursor on this database
    assert any("unexpected_row_count" in m and "regexp_full_match" in m for m in logged)
    assert any("count(*)" in m.lower() and "batch" in m for m in logged)


def test_each_rule_is_evaluated_once_as_a_count(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract
) -> None:
    """GE's stock ``UnexpectedRowsExpectation`` sends every rule twice (the failing rows, then
    their count); ours sends only the count, and the stored result holds numbers, not rows."""
    rows = good_rows(5)
    rows[1]["period"] = "2023-13"
    load(con, "batch", contract, rows)
    ensure_code_tables(con)
    suite = build_suite(contract)
    con.execute("CALL enable_logging('QueryLog')")
    result = run_suite(con, "batch", suite)
    logged = [
        m
        for (m,) in con.execute(
            "SELECT message FROM duckdb_logs WHERE type = 'QueryLog'"
        ).fetchall()
    ]
    rule_queries = [m for m in logged if "_failed" in m]
    rules = [e for e in suite.expectations if e.expectation_type == RULE_EXPECTATION_TYPE]
    assert len(rule_queries) == len(rules) > 20
    assert all("unexpected_row_count" in m for m in rule_queries)
    by_rule = {
        item["expectation_config"]["meta"][RULE_META_KEY]: item["result"]
        for item in result["results"]
        if item["expectation_config"]["type"] == RULE_EXPECTATION_TYPE
    }
    assert by_rule["month.format"] == {"observed_value": 1}
    assert all(set(r) == {"observed_value"} for r in by_rule.values())


def test_importing_the_module_does_not_register_the_dialect() -> None:
    code = (
        "from sqlalchemy.dialects import registry\n"
        "import quality.ge_duckdb as g\n"
        "print('duckdb.zhongtai' in registry.impls)\n"
        "g.register_dialect()\n"
        "print('duckdb.zhongtai' in registry.impls)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "True"]
