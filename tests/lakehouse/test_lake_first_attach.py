"""The first processes to open a lake whose DuckLake catalog is a fresh PostgreSQL database may
open it at the same moment (API workers and ingest processes starting together on a new
deployment): each ``ATTACH`` tries to create DuckLake's metadata tables, one wins, and the others
must then open what it created — not fail with PostgreSQL's ``duplicate key value violates unique
constraint "pg_type_typname_nsp_index"``."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from catalog.settings import Settings
from lakehouse.connection import LAKE, connect
from tests.fixtures.postgres import PostgresServer

pytestmark = [pytest.mark.postgres, pytest.mark.production]

OPENERS = 6


def test_openers_of_a_fresh_postgresql_lake_at_once_all_open_it(
    postgresql_server: PostgresServer, tmp_path: Path
) -> None:
    lake_db = postgresql_server.create_database("first_attach")
    try:
        settings = Settings(  # type: ignore[call-arg]
            var_dir=tmp_path / "var",
            environment="test",
            lake_catalog=postgresql_server.lake_catalog(lake_db),
            lake_data_path=str(tmp_path / "data") + "/",
            _env_file=None,
        )
        start = threading.Barrier(OPENERS)

        def open_lake(_: int) -> int:
            start.wait()
            with connect(settings) as con:
                row = con.execute(
                    "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [LAKE]
                ).fetchone()
            return int(row[0]) if row else 0

        with ThreadPoolExecutor(OPENERS) as pool:
            assert list(pool.map(open_lake, range(OPENERS))) == [1] * OPENERS
    finally:
        with postgresql_server.admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{lake_db}" WITH (FORCE)')
