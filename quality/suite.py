"""Great Expectations behind two functions: build a suite from a contract, run it inside DuckDB.

Every compiled rule becomes one :class:`UnexpectedRowCountExpectation` — GE's
``UnexpectedRowsExpectation`` reduced to the row count — whose query selects only ``_row`` from
``{batch}`` (GE's regex expectations do not compile for DuckDB, and selecting only the row number
keeps personal data out of the stored result). Each carries ``meta={"rule": code}`` so its
unexpected count can be matched to the SQL verdict. Built-ins that do work on DuckDB are added
beside them: the table is not empty, and required columns are not NULL.

Batch-level checks (:mod:`quality.dataset_rules`) join the suite when a batch context is given,
each with ``meta={"batch_check": code}``: the row-count change as the built-in
``ExpectTableRowCountToBeBetween`` with the computed bounds, and freshness (the newest value among
rows that passed, which no built-in can express) as an :class:`UnexpectedRowCountExpectation`
whose query returns one row when the batch is stale.

The suite runs in an ephemeral GE context (in-memory stores, analytics and progress bars off)
whose SQL data source is the buffering dialect of :mod:`quality.ge_duckdb` over the caller's DuckDB
database, so every metric is a SQL query executed by DuckDB; no rows are pulled into pandas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import duckdb

from quality.dataset_rules import FRESHNESS, ROW_COUNT_CHANGE, contract_rules
from quality.errors import EngineFailure
from quality.ge_duckdb import datasource_kwargs
from quality.ge_import import (
    DataContextConfig,
    ExpectColumnValuesToNotBeNull,
    ExpectTableRowCountToBeBetween,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
    UnexpectedRowsExpectation,
    gx,
)
from quality.rules import Rule, failing_rows_query
from schemas.loader import DatasetContract

RULE_META_KEY = "rule"
BATCH_META_KEY = "batch_check"
BATCH_RELATION = "{batch}"
"""The placeholder GE replaces with the batch's table in an ``UnexpectedRowsExpectation``."""
RULE_EXPECTATION_TYPE = "unexpected_row_count_expectation"
"""GE's type name of :class:`UnexpectedRowCountExpectation` in a stored result."""


class UnexpectedRowCountExpectation(UnexpectedRowsExpectation):
    """An ``UnexpectedRowsExpectation`` that resolves only the COUNT of the rows its query returns.

    GE's class depends on two metrics, ``unexpected_rows_query.table`` (the failing rows: the
    whole result is built, then the first 200 fetched) and ``unexpected_rows_query.row_count``,
    so every rule is evaluated twice, and with the ``SUMMARY`` format :func:`run_suite` asks for
    the rows are dropped. This subclass depends on the count alone and reports it as
    ``result.observed_value`` whatever the result format; success means no unexpected row. The
    stored result therefore carries a number per rule and never a row. GE registers it as the
    expectation type ``unexpected_row_count_expectation``.
    """

    metric_dependencies: ClassVar[tuple[str, ...]] = ("unexpected_rows_query.row_count",)

    def _validate(
        self,
        metrics: dict[str, Any],
        runtime_configuration: dict[str, Any] | None = None,
        execution_engine: Any = None,
    ) -> dict[str, Any]:
        count = int(metrics["unexpected_rows_query.row_count"])
        return {"success": count == 0, "result": {"observed_value": count}}


def _escape_braces(sql: str) -> str:
    """GE formats the query with ``str.format``; literal braces (regex counts) must be doubled."""
    return sql.replace("{", "{{").replace("}", "}}")


def rule_expectation(rule: Rule) -> Any:
    """The count-only expectation of one rule: the rows its query returns are the failing rows."""
    escaped = Rule(rule.code, _escape_braces(rule.predicate), rule.field, rule.description)
    return UnexpectedRowCountExpectation(
        unexpected_rows_query=failing_rows_query("{batch}", escaped),
        description=f"{rule.code}: {rule.description}",
        meta={RULE_META_KEY: rule.code},
    )


def row_count_expectation(low: int, high: int) -> Any:
    """The row-count-change check: rows in within ``[low, high]`` (GE built-in)."""
    return ExpectTableRowCountToBeBetween(
        min_value=low,
        max_value=high,
        description=f"{ROW_COUNT_CHANGE}: rows in within [{low}, {high}]",
        meta={BATCH_META_KEY: ROW_COUNT_CHANGE},
    )


def freshness_expectation(stale_query: str) -> Any:
    """The freshness check; ``stale_query`` (over ``{batch}``) returns a row when stale."""
    return UnexpectedRowCountExpectation(
        unexpected_rows_query=stale_query,
        description=f"{FRESHNESS}: the newest passing value is recent enough",
        meta={BATCH_META_KEY: FRESHNESS},
    )


def build_suite(
    contract: DatasetContract,
    rules: tuple[Rule, ...] | None = None,
    *,
    batch_expectations: Sequence[Any] = (),
) -> Any:
    """A ``gx.ExpectationSuite`` for ``contract`` (``rules`` default to every row rule of the
    contract, cross-field rules included), plus any ``batch_expectations``.

    Built through the constructor, which needs no data context (``add_expectation`` does). The
    constructor only logs an expectation it cannot accept, so the count is checked here.
    """
    rules = contract_rules(contract) if rules is None else rules
    expectations: list[Any] = [ExpectTableRowCountToBeBetween(min_value=1)]
    expectations += [
        ExpectColumnValuesToNotBeNull(column=spec.name) for spec in contract.fields if spec.required
    ]
    expectations += [rule_expectation(rule) for rule in rules]
    expectations += list(batch_expectations)
    suite = gx.ExpectationSuite(name=f"{contract.code}.quality", expectations=expectations)
    if len(suite.expectations) != len(expectations):
        raise EngineFailure(
            f"Great Expectations accepted {len(suite.expectations)} of {len(expectations)} "
            f"expectations for {contract.code}"
        )
    return suite


def _ephemeral_context() -> Any:
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def run_suite(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    suite: Any,
    *,
    connection: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate the table or view ``relation`` of ``con``'s database; the result as a JSON dict.

    ``connection`` is the ``add_sql`` connection arguments; the default, and the only setting the
    platform uses, is the buffering dialect over ``con`` (tests pass the stock dialect to show
    the trap).
    """
    context = _ephemeral_context()
    arguments = datasource_kwargs(con) if connection is None else dict(connection)
    source = context.data_sources.add_sql(name="zhongtai_duckdb", **arguments)
    try:
        asset = source.add_table_asset(name=relation, table_name=relation)
        batch = asset.add_batch_definition_whole_table("whole").get_batch()
        result = batch.validate(suite, result_format="SUMMARY")
        json_result: dict[str, Any] = result.to_json_dict()
        return json_result
    finally:
        source.get_engine().dispose()
        source.get_execution_engine().close()
