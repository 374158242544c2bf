"""The migrated copy a test's empty catalog gets (tests/fixtures/migrated.py) equals a catalog the
migrations build: the same tables, columns, indexes, triggers, functions, sequences and rows, on
both engines. Were the copy stale or partial, every test built on it would test something else."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text

from catalog.db import head_revision, make_engine
from tests.fixtures import migrated
from tests.fixtures.postgres import PostgresServer


def _sqlite_shape(engine: Engine) -> list[tuple[Any, ...]]:
    """Triggers, views and indexes as written; tables as the inspector reads them (a batch
    migration rewrites a table's SQL with its constraints in no fixed order, run to run)."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT type, name, tbl_name, sql FROM sqlite_master"
                " WHERE type != 'table' ORDER BY type, name"
            )
        )
        shape = [tuple(row) for row in rows]
        found = inspect(connection)
        for table in sorted(found.get_table_names()):
            shape.append((table, repr(found.get_columns(table))))
            shape.append((table, repr(found.get_pk_constraint(table))))
            for kind in (found.get_foreign_keys, found.get_unique_constraints):
                shape.append((table, sorted(repr(c) for c in kind(table))))
            shape.append((table, sorted(repr(c) for c in found.get_check_constraints(table))))
        return shape


def _postgresql_shape(engine: Engine) -> list[tuple[Any, ...]]:
    queries = (
        "SELECT table_name, column_name, data_type, is_nullable, column_default"
        " FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE connamespace = 'public'::regnamespace ORDER BY 1",
        "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1",
        "SELECT proname, pg_get_functiondef(oid) FROM pg_proc"
        " WHERE pronamespace = 'public'::regnamespace ORDER BY 1",
        "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1",
    )
    shape: list[tuple[Any, ...]] = []
    with engine.connect() as connection:
        for query in queries:
            shape.extend(_deparsed(tuple(row)) for row in connection.execute(text(query)))
    return shape


def _deparsed(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """An index or constraint definition without the casts and brackets PostgreSQL's deparser
    adds. Replaying a dump re-parses ``status <> ALL (ARRAY[…]::text[])`` of a partial index
    into ``status <> ALL (ARRAY[…::text, …])``: the same predicate, written differently."""
    kept = []
    for value in row:
        if isinstance(value, str):
            for cast in ("::character varying", "::text[]", "::text", "(", ")", " "):
                value = value.replace(cast, "")
        kept.append(value)
    return tuple(kept)


def _rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        return {
            table: sorted(
                (tuple(row) for row in connection.execute(text(f'SELECT * FROM "{table}"'))),
                key=repr,
            )
            for table in sorted(inspect(connection).get_table_names())
        }


def _shape(engine: Engine) -> list[tuple[Any, ...]]:
    if engine.url.get_backend_name() == "sqlite":
        return _sqlite_shape(engine)
    return _postgresql_shape(engine)


@pytest.mark.parametrize(
    "engine_name", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_copy_is_the_catalog_the_migrations_build(
    engine_name: str, tmp_path: Any, request: pytest.FixtureRequest
) -> None:
    if engine_name == "sqlite":
        urls = [f"sqlite:///{tmp_path / 'real.sqlite'}", f"sqlite:///{tmp_path / 'copy.sqlite'}"]
    else:
        server: PostgresServer = request.getfixturevalue("postgresql_server")
        urls = [server.url(server.create_database(n)) for n in ("real", "copy")]
    real, copy = (make_engine(url) for url in urls)
    try:
        with migrated.real_migrations():
            migrated.upgrade(real)
        # the copy is loaded before Alembic runs: Alembic then finds it at head and does nothing
        if engine_name == "sqlite":
            migrated._load_sqlite(copy)
        else:
            migrated._load_postgresql(copy)
        with copy.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version == head_revision()
        migrated.upgrade(copy)
        assert _shape(copy) == _shape(real)
        assert len(_shape(real)) > 100
        rows = _rows(real)
        assert _rows(copy) == rows
        assert sum(len(r) for r in rows.values()) > 0  # the migrations seed rows (code lists)
    finally:
        real.dispose()
        copy.dispose()


def test_a_used_catalog_is_upgraded_the_real_way(tmp_path: Any) -> None:
    """Only an empty database gets the copy: one with a table in it is left to the migrations."""
    engine = make_engine(f"sqlite:///{tmp_path / 'used.sqlite'}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE kept (id INTEGER PRIMARY KEY)"))
            connection.execute(text("INSERT INTO kept VALUES (7)"))
        migrated.upgrade(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT id FROM kept")).scalar() == 7
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version == head_revision()
    finally:
        engine.dispose()
