"""Fixtures for the quality tests: a real in-memory DuckDB opened the platform's one way."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from catalog.settings import Settings
from lakehouse.connection import connect
from quality.validate import ensure_code_tables
from schemas import DatasetContract, load_contract


@pytest.fixture
def con(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(settings, lake=False) as connection:
        yield connection


@pytest.fixture
def contract() -> DatasetContract:
    return load_contract("rsj_social_insurance")


@pytest.fixture(scope="module")
def module_con(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """One connection for a module of read-only predicate checks (opening one costs seconds)."""
    settings = Settings(environment="test", var_dir=tmp_path_factory.mktemp("var"))
    with connect(settings, lake=False) as connection:
        ensure_code_tables(connection)
        yield connection
