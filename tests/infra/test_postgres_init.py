"""The compose file's PostgreSQL init script (infra/compose/postgres-init/10-zhongtai.sh), run
against the suite's real PostgreSQL 15: three roles, three databases, each role reaching its own
database only — and enough rights there for the catalog's migrations and for DuckLake to create
its metadata tables, which is what the production shape needs of them."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from catalog.db import init_catalog
from catalog.settings import Settings
from lakehouse.connection import connect
from tests.fixtures.postgres import PostgresServer
from tests.infra.infra_files import INFRA

pytestmark = pytest.mark.postgres

SCRIPT = INFRA / "compose" / "postgres-init" / "10-zhongtai.sh"
ROLES = {"zhongtai": "zhongtai", "zhongtai_lake": "zhongtai_lake", "airflow": "airflow"}


def _drop(server: PostgresServer) -> None:
    with server.admin_connection() as admin:
        for role, database in ROLES.items():
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
def initialised(postgresql_server: PostgresServer, tmp_path: Path) -> Iterator[PostgresServer]:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    for name in ("pg_zhongtai_password", "pg_zhongtai_lake_password", "pg_airflow_password"):
        (secrets / name).write_text(f"pw-{name}\n")
    _drop(postgresql_server)
    env = {
        **os.environ,
        "PGHOST": postgresql_server.host,
        "PGPORT": str(postgresql_server.port),
        "POSTGRES_USER": postgresql_server.user,
        "ZHONGTAI_INIT_SECRETS": str(secrets),
    }
    done = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    try:
        yield postgresql_server
    finally:
        _drop(postgresql_server)


def _connect(
    server: PostgresServer, role: str, database: str
) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(host=server.host, port=server.port, user=role, dbname=database)


def test_each_role_reaches_its_own_database_only(initialised: PostgresServer) -> None:
    for role, own in ROLES.items():
        with _connect(initialised, role, own) as con:
            con.execute("CREATE TABLE probe (id int)")  # owns its schema
        for other in set(ROLES.values()) - {own}:
            with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
                _connect(initialised, role, other).close()
    with initialised.admin_connection() as admin:
        stored = admin.execute(
            "SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY(%s)", [list(ROLES)]
        ).fetchall()
    assert len(stored) == 3 and all(str(p).startswith("SCRAM-SHA-256$") for _, p in stored)


def test_the_roles_can_migrate_the_catalog_and_create_the_lake(
    initialised: PostgresServer, settings: Settings, tmp_path: Path
) -> None:
    sessions = init_catalog(
        f"postgresql+psycopg://zhongtai@{initialised.host}:{initialised.port}/zhongtai"
    )
    sessions.kw["bind"].dispose()
    lake = settings.model_copy(
        update={
            "lake_catalog": f"postgres:dbname=zhongtai_lake host={initialised.host} "
            f"port={initialised.port} user=zhongtai_lake",
            "lake_data_path": str(tmp_path / "lake") + "/",
        }
    )
    with connect(lake) as con:
        con.execute("CREATE TABLE lake.probe AS SELECT 1 AS id")
    with _connect(initialised, "zhongtai_lake", "zhongtai_lake") as con:
        tables = con.execute(
            "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'ducklake_%%'"
        ).fetchone()
    assert tables is not None and int(str(tables[0])) > 10
