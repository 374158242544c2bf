"""A DuckDB SQLAlchemy dialect whose results survive rollback, for Great Expectations.

The trap this fixes
-------------------
Great Expectations' SQL engine runs every metric query as::

    with engine.connect() as connection:
        result = connection.execute(query)
    return result          # the caller then calls result.fetchall()

Leaving the ``with`` block rolls the connection back (SQLAlchemy's transaction end and the pool's
reset-on-return both call ``Dialect.do_rollback``). DuckDB keeps one pending result per connection
and discards it on ROLLBACK (or on any further statement), and duckdb_engine's cursor is that very
connection, so ``fetchall()`` afterwards returns ``[]``: every metric comes back empty and GE
reports ``MetricResolutionError: list index out of range`` or an empty result.

The fix
-------
:class:`ZhongtaiDuckDBDialect` subclasses duckdb_engine's dialect. Its DB-API connection
(:class:`BufferingConnection`) remembers the cursor whose result is still pending; before the
dialect sends BEGIN, COMMIT, ROLLBACK or CLOSE, and before the connection runs another statement,
that cursor fetches its remaining rows into memory, and later ``fetch*`` calls are served from the
buffer. Results that are read before the transaction ends are never copied. Nothing in
duckdb_engine, SQLAlchemy or Great Expectations is patched; the dialect is registered under
``duckdb+zhongtai://`` by :func:`register_dialect`, which :func:`make_engine` and
:func:`datasource_kwargs` call.

Engines share the caller's database: every pooled connection is ``con.cursor()`` — a second
DuckDB connection to the same in-memory database — so GE sees the regular (non-TEMP) tables
created on ``con``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import duckdb
import duckdb_engine
from sqlalchemy import Engine, create_engine
from sqlalchemy.dialects import registry

DIALECT_NAME = "duckdb.zhongtai"
"""The registry name; URLs spell it ``duckdb+zhongtai://``."""

URL = "duckdb+zhongtai://"


class BufferingCursor:
    """A DB-API cursor over duckdb_engine's cursor that can move its pending result into memory."""

    def __init__(self, inner: Any, owner: BufferingConnection) -> None:
        self._inner = inner
        self._owner = owner
        self._rows: deque[Any] | None = None
        self._description: Any = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def connection(self) -> BufferingConnection:
        return self._owner

    def execute(
        self, statement: str, parameters: Sequence[Any] | None = None, context: Any = None
    ) -> None:
        self._owner.buffer_pending_result()
        self._rows = None
        self._inner.execute(statement, parameters, context)
        self._description = self._inner.description
        self._owner.set_pending(self if self._description is not None else None)

    def executemany(
        self, statement: str, parameters: Sequence[Any] | None = None, context: Any = None
    ) -> None:
        self._owner.buffer_pending_result()
        self._rows = None
        self._description = None
        self._inner.executemany(statement, parameters, context)
        self._owner.set_pending(None)

    def buffer(self) -> None:
        """Fetch whatever the pending result still holds, so it survives ROLLBACK."""
        if self._rows is None:
            self._rows = deque(self._inner.fetchall() if self._description is not None else ())

    def fetchone(self) -> Any:
        if self._rows is None:
            return self._inner.fetchone()
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        if self._rows is None:
            return list(self._inner.fetchmany(size))
        count = len(self._rows) if size is None else min(size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    def fetchall(self) -> list[Any]:
        if self._rows is None:
            return list(self._inner.fetchall())
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def close(self) -> None:
        self._rows = None
        self._owner.forget(self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class BufferingConnection:
    """duckdb_engine's ``ConnectionWrapper`` plus a record of the cursor with a pending result."""

    def __init__(self, inner: duckdb_engine.ConnectionWrapper) -> None:
        self._inner = inner
        self._pending: BufferingCursor | None = None

    def cursor(self) -> BufferingCursor:
        return BufferingCursor(self._inner.cursor(), self)

    def set_pending(self, cursor: BufferingCursor | None) -> None:
        self._pending = cursor

    def forget(self, cursor: BufferingCursor) -> None:
        if self._pending is cursor:
            self._pending = None

    def buffer_pending_result(self) -> None:
        """Buffer the pending result, if any, before DuckDB would discard it."""
        if self._pending is not None:
            self._pending.buffer()
            self._pending = None

    def close(self) -> None:
        self.buffer_pending_result()
        self._inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _buffer(dbapi_connection: Any) -> None:
    # SQLAlchemy passes either our connection or the pool's proxy around it; the proxy forwards
    # attribute access, so both answer ``buffer_pending_result``.
    buffer = getattr(dbapi_connection, "buffer_pending_result", None)
    if buffer is None:
        raise TypeError(
            "ZhongtaiDuckDBDialect needs its own BufferingConnection; build engines with "
            "quality.ge_duckdb.make_engine() or datasource_kwargs(), not a custom creator"
        )
    buffer()


class ZhongtaiDuckDBDialect(duckdb_engine.Dialect):
    """duckdb_engine's dialect whose pending results survive the end of their transaction."""

    driver = "zhongtai"
    supports_statement_cache = False

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        return BufferingConnection(super().connect(*cargs, **cparams))

    def do_begin(self, dbapi_connection: Any) -> None:
        _buffer(dbapi_connection)
        super().do_begin(dbapi_connection)

    def do_commit(self, dbapi_connection: Any) -> None:
        _buffer(dbapi_connection)
        super().do_commit(dbapi_connection)  # type: ignore[no-untyped-call]

    def do_rollback(self, dbapi_connection: Any) -> None:
        _buffer(dbapi_connection)
        super().do_rollback(dbapi_connection)

    def do_close(self, dbapi_connection: Any) -> None:
        _buffer(dbapi_connection)
        super().do_close(dbapi_connection)  # type: ignore[no-untyped-call]


def register_dialect() -> None:
    """Make ``duckdb+zhongtai://`` known to SQLAlchemy (idempotent)."""
    registry.register(DIALECT_NAME, "quality.ge_duckdb", "ZhongtaiDuckDBDialect")


def connection_creator(con: duckdb.DuckDBPyConnection) -> Callable[[], BufferingConnection]:
    """A pool ``creator`` whose every connection is a new cursor on ``con``'s database."""

    def create() -> BufferingConnection:
        return BufferingConnection(duckdb_engine.ConnectionWrapper(con.cursor()))

    return create


def datasource_kwargs(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """``connection_string`` and ``kwargs`` for ``context.data_sources.add_sql`` on ``con``."""
    register_dialect()
    return {"connection_string": URL, "kwargs": {"creator": connection_creator(con)}}


def make_engine(con: duckdb.DuckDBPyConnection) -> Engine:
    """A SQLAlchemy engine over ``con``'s database, using the buffering dialect."""
    register_dialect()
    return create_engine(URL, creator=connection_creator(con))
