"""The migration builds exactly the models' schema plus audit triggers; downgrade undoes it."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from catalog import audit
from catalog.db import alembic_config, downgrade, make_engine, upgrade
from catalog.events import CheckpointSigned
from catalog.models import Base
from catalog.search_tables import ENGINE_ONLY_NAMES

pytestmark = pytest.mark.real_migrations  # the path itself, not a copy of its result


def _engine(factory: sessionmaker[Session]) -> Engine:
    engine: Engine = factory.kw["bind"]
    return engine


def _not_engine_only(name: str | None, type_: str, parent_names: object) -> bool:
    """Search's FTS5 tables (SQLite) and GIN indexes (PostgreSQL) are not on the models."""
    return name not in ENGINE_ONLY_NAMES


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": _not_engine_only}
        )
        return list(compare_metadata(context, Base.metadata))


def test_migration_matches_models(catalog_factory: sessionmaker[Session]) -> None:
    engine = _engine(catalog_factory)
    tables = set(inspect(engine).get_table_names()) - ENGINE_ONLY_NAMES
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    assert _differences(engine) == []


def test_upgrade_is_idempotent(catalog_factory: sessionmaker[Session]) -> None:
    engine = _engine(catalog_factory)
    upgrade(engine)
    with engine.connect() as connection:
        version = connection.scalar(text("SELECT version_num FROM alembic_version"))
    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_downgrade_drops_everything(catalog_url: str) -> None:
    engine = make_engine(catalog_url)
    try:
        upgrade(engine)
        downgrade(engine)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                leftovers = connection.scalars(
                    text(
                        "SELECT name FROM sqlite_master WHERE type IN ('trigger', 'index') "
                        "AND tbl_name != 'alembic_version'"
                    )
                ).all()
            else:
                leftovers = connection.scalars(
                    text("SELECT proname FROM pg_proc WHERE proname = 'audit_events_append_only'")
                ).all()
            assert leftovers == []
        upgrade(engine)  # and it can be built again from nothing
        assert _differences(engine) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'forged' WHERE id = 1",
        "DELETE FROM audit_events WHERE id = 1",
    ],
)
def test_audit_events_are_append_only(
    catalog_factory: sessionmaker[Session], statement: str
) -> None:
    with catalog_factory() as session, session.begin():
        audit.record(
            session,
            CheckpointSigned(last_event_id=0, last_hash="0" * 64),
            now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )
    with catalog_factory() as session:
        with pytest.raises(DatabaseError, match="audit_events is append-only"):
            session.execute(text(statement))
        session.rollback()
        assert audit.event_count(session) == 1
        assert audit.verify_chain(session).ok


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(postgresql_url: str) -> None:
    engine = make_engine(postgresql_url)
    try:
        upgrade(engine)
        with engine.connect() as connection, pytest.raises(DatabaseError, match="append-only"):
            connection.execute(text("TRUNCATE audit_events"))
    finally:
        engine.dispose()
