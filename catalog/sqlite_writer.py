"""One writer at a time on a SQLite catalog, handed over at once, across threads and processes.

SQLite lets one connection write at a time. The others get ``SQLITE_BUSY`` and its busy handler
tries again after sleeping 1, 2, 5, 10 … up to 100 ms, so with two API workers and a dozen
concurrent callers the sleeps, not the work, set the latency (a p99 of 1.5 s for calls that
take 7 ms). Every engine :func:`serialise_writes` is applied to takes an exclusive ``flock`` on
``<catalog file>.writer`` just before its transaction's first write (``INSERT``, ``UPDATE``,
``DELETE``: where SQLite itself takes its write lock) and lets go once the transaction has been
committed or rolled back. Threads of one process queue on a lock and are woken at once; the one
whose turn it is holds the ``flock`` against other processes (the pipeline, the CLI, the other
workers), checking every millisecond or two while another process writes. Reads never take it.
A writer that waits :data:`WAIT_SECONDS` fails as SQLite would ("database is locked").

The turn belongs to a connection's transaction, not to a thread: a server hands one request's
work to several threads in turn (its dependencies, its route, its clean-up), and a thread that
finished one request's route may start another's while the first request's transaction is still
open. A second connection of the same thread therefore waits like any other writer — as SQLite
itself would make it wait, since the first connection holds SQLite's write lock from its first
write on.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event

__all__ = ["WAIT_SECONDS", "serialise_writes", "take_turn"]

_WRITES = ("insert", "update", "delete", "replace")


WAIT_SECONDS = 30.0
"""How long a writer waits for its turn before failing as SQLite would ("database is locked"):
never forever, so two resources taken in opposite orders cannot hang a worker."""


class _WriterLock:
    """Threads of this process queue on a lock (woken at once); the one at the head holds an
    ``flock`` against other processes, retried every millisecond or so while one holds it."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._turn = threading.Lock()
        self._held: dict[int, tuple[int, int]] = {}  # id(DBAPI connection) -> (fd, thread)
        self._guard = threading.Lock()

    def acquire(self, connection: Any) -> None:
        connection = _raw(connection)
        me = threading.get_ident()
        with self._guard:
            if id(connection) in self._held:
                return  # this connection's transaction holds it already
        deadline = time.monotonic() + WAIT_SECONDS
        if not self._turn.acquire(timeout=WAIT_SECONDS):
            raise sqlite3.OperationalError("database is locked (no turn to write in 30 s)")
        try:
            fd = self._flock(deadline)
        except BaseException:
            self._turn.release()
            raise
        with self._guard:
            self._held[id(connection)] = (fd, me)

    def _flock(self, deadline: float) -> int:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        pause = 0.0002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise sqlite3.OperationalError(
                        "database is locked (another process kept writing for 30 s)"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.002)
            except BaseException:
                os.close(fd)
                raise

    def release(self, connection: Any) -> None:
        connection = _raw(connection)
        with self._guard:
            held = self._held.pop(id(connection), None)
        if held is None:
            return
        try:
            fcntl.flock(held[0], fcntl.LOCK_UN)
        finally:
            os.close(held[0])
            self._turn.release()


def _raw(connection: Any) -> Any:
    """The DBAPI connection itself: SQLAlchemy hands the dialect its pool's proxy of it."""
    return getattr(connection, "dbapi_connection", connection)


_LOCKS: dict[Path, _WriterLock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(database: Path) -> _WriterLock:
    """The process's one lock object for ``database``, shared by all its engines, so a thread
    holding it through one engine is never made to wait for itself through another."""
    with _LOCKS_GUARD:
        lock = _LOCKS.get(database)
        if lock is None:
            lock = _LOCKS[database] = _WriterLock(database.with_name(database.name + ".writer"))
        return lock


def serialise_writes(engine: Engine, database: Path) -> None:
    """Make ``engine``'s writing transactions on the SQLite file ``database`` take turns."""
    lock = _lock_for(database)

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if statement.lstrip()[:7].lower().startswith(_WRITES):
            lock.acquire(conn.connection)

    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            lock.release(dbapi_connection)

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            lock.release(dbapi_connection)

    # This engine's own dialect object: the release follows the real COMMIT or ROLLBACK (the
    # engine's "commit" event fires before it, which would let the next writer in too early).
    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]

    @event.listens_for(engine, "close")
    def _closed(dbapi_connection: Any, record: Any) -> None:
        lock.release(dbapi_connection)


def take_turn(connection: Connection) -> None:
    """Take the writer's turn now, before the transaction's first write: for a write that
    depends on what it reads first (the audit chain's head), the read must be made in turn."""
    database = connection.engine.url.database
    if not database or database == ":memory:":
        return
    lock = _LOCKS.get(Path(database).resolve())
    if lock is not None:
        lock.acquire(connection.connection)
