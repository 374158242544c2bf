"""Engines and sessions for the catalog, on SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from catalog.sqlite_writer import serialise_writes

if TYPE_CHECKING:  # Alembic is imported where it is used: most commands never migrate (~0.4 s)
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``. SQLite gets foreign keys on, WAL, a busy timeout, and writers
    that take turns (``catalog.sqlite_writer``)."""
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=FULL")  # a commit is on disk when it returns
            if ":memory:" not in url and url != "sqlite://":
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        if database and database != ":memory:":
            serialise_writes(engine, Path(database).resolve())
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_sessionmaker(
    engine: Engine, *, info: dict[str, Any] | None = None
) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``info`` is copied into each one's ``Session.info`` (the audit
    log's checkpoint policy rides there: ``catalog.audit.POLICY_KEY``)."""
    return sessionmaker(engine, expire_on_commit=False, info=info)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any exception."""
    with factory() as session, session.begin():
        yield session


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config built in code (no ``alembic.ini``), bound to ``connection`` if given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the catalog behind ``engine`` to ``revision`` (default: head), in one transaction."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate the catalog down to ``revision``; ``base`` drops every table the migrations made."""
    from alembic import command

    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration this code knows (read from the migration files once)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def catalog_present(engine: Engine) -> bool:
    """False when a SQLite catalog's file is gone: connections opened before it was removed would
    still read the unlinked file, and a new one would quietly create an empty database."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database)).is_file()
    return True


def schema_is_current(engine: Engine) -> bool:
    """Whether the catalog behind ``engine`` is there, answers, and is migrated to
    :func:`head_revision`."""
    if not catalog_present(engine):
        return False
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current is not None and current == head_revision()


def init_catalog(url: str) -> sessionmaker[Session]:
    """An engine for ``url``, migrated to head, and a session factory on it."""
    engine = make_engine(url)
    upgrade(engine)
    return make_sessionmaker(engine)
