"""Alembic environment for the catalog.

Run programmatically through ``catalog.db.upgrade``, which hands over an open connection in
``config.attributes["connection"]``. Without one (the ``alembic`` CLI), the catalog URL comes from
``sqlalchemy.url`` in the config or else from the platform settings.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from catalog.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from catalog.db import make_engine
    from catalog.settings import get_settings

    url = config.get_main_option("sqlalchemy.url") or get_settings().resolved_catalog_url
    engine = make_engine(url)
    try:
        with engine.connect() as own_connection:
            _run(own_connection)
            own_connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; run against a database")
run_migrations_online()
