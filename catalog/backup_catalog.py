"""The catalog written out engine-neutrally for a backup, and read back into any catalog.

Every table of ``catalog.models`` (``Base.metadata``), parents before children, becomes one
``<table>.jsonl`` file: a row a line, ordered by primary key, each value in its column's own
type's plain form (timestamps ISO 8601 UTC, enumerations their stored value, JSON columns as
JSON). The format knows nothing of SQLite or PostgreSQL, so a backup of either restores onto
either, on any host; the Alembic revision goes in the manifest and a restore refuses a backup
from another revision rather than guess a conversion.

**One consistent read.** :func:`snapshot` opens the catalog at one moment: on PostgreSQL a
``REPEATABLE READ, READ ONLY`` transaction (every table, and the evidence bundle written from the
same session, see the same committed state); on SQLite the database is first copied with
SQLite's online backup API, in one step under one read lock, and the copy is read.

**Loading.** :func:`load` inserts into a catalog migrated to the same revision whose tables are
empty, in batches, parents first. Inserts pass the audit log's append-only triggers (they refuse
UPDATE and DELETE only); SQLite's FTS tables are filled by their own triggers from
``search_documents``; on PostgreSQL each ``serial`` column's sequence is then set past the
largest id, so new rows do not collide with restored ones. Derived tables that are not models
(the FTS indexes) are rebuilt, never copied.

**Large tables.** Rows are streamed out (``yield_per``) and inserted a thousand at a time, so
memory stays flat whatever a table's size; time grows with the rows (the audit log is the largest
table: at 10^8 events a year a full backup writes that many lines — an incremental scheme, from
the last backed-up sequence number, is the next step when that becomes too slow).

**Checking.** Dumping a restored catalog gives byte-identical files (same order, same encoding),
so :func:`dump` is also the check that a restore lost nothing.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import enum
import json
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, func, inspect, select, text
from sqlalchemy import types as sqltypes
from sqlalchemy.orm import Session

from catalog.db import make_engine
from catalog.errors import Conflict, InvalidInput
from catalog.models import Base, UTCDateTime

__all__ = [
    "DERIVED_PREFIXES",
    "TableDump",
    "dump",
    "is_empty",
    "load",
    "revision_of",
    "snapshot",
    "tables",
]

_BATCH = 1000
DERIVED_PREFIXES = ("search_fts", "search_grams", "sqlite_", "alembic_version")
"""Tables in a catalog database that are not models: indexes and bookkeeping, rebuilt or kept
by the target itself, never copied."""


def tables() -> list[Table]:
    """Every catalog table, parents before children."""
    return list(Base.metadata.sorted_tables)


class TableDump:
    """What :func:`dump` wrote of one table."""

    __slots__ = ("name", "rows")

    def __init__(self, name: str, rows: int) -> None:
        self.name, self.rows = name, rows


@contextmanager
def snapshot(url: str, scratch: Path) -> Iterator[Session]:
    """A read-only session over the catalog at ``url`` as it is at one moment (module doc).
    SQLite's copy is made under ``scratch`` and removed afterwards."""
    if url.startswith("sqlite"):
        source = make_engine(url).url.database
        if not source or not Path(source).is_file():
            raise InvalidInput(f"no catalog at {url}", code="backup.no_catalog")
        with tempfile.TemporaryDirectory(dir=scratch) as folder:
            copy = Path(folder) / "catalog.sqlite"
            with (
                contextlib.closing(sqlite3.connect(source, timeout=30)) as live,
                contextlib.closing(sqlite3.connect(copy)) as target,
            ):
                live.backup(target)  # pages=-1: one step, one read lock, one moment
            engine = create_engine(f"sqlite:///{copy}")
            try:
                with Session(engine) as session:
                    yield session
            finally:
                engine.dispose()
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                connection.execute(text("SET TRANSACTION READ ONLY"))
                with Session(bind=connection) as session:
                    yield session
    finally:
        engine.dispose()


def revision_of(connection: Connection | Session) -> str | None:
    from alembic.runtime.migration import MigrationContext

    bind = connection.connection() if isinstance(connection, Session) else connection
    return MigrationContext.configure(bind).get_current_revision()


def _encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _line(table: Table, row: Any) -> bytes:
    record = {column.name: _encode(row[i]) for i, column in enumerate(table.columns)}
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def dump(session: Session, folder: Path) -> list[TableDump]:
    """Write every table of the catalog behind ``session`` into ``folder`` (module doc)."""
    folder.mkdir(parents=True, exist_ok=True)
    done: list[TableDump] = []
    for table in tables():
        order = list(table.primary_key.columns) or list(table.columns)
        query = select(*table.columns).order_by(*order).execution_options(yield_per=_BATCH)
        count = 0
        with open(folder / f"{table.name}.jsonl", "wb") as out:
            for row in session.execute(query):
                out.write(_line(table, row) + b"\n")
                count += 1
        done.append(TableDump(table.name, count))
    return done


def _decoder(column_type: sqltypes.TypeEngine[Any]) -> Any:
    if isinstance(column_type, UTCDateTime | sqltypes.DateTime):
        return dt.datetime.fromisoformat
    if isinstance(column_type, sqltypes.Date):
        return dt.date.fromisoformat
    if isinstance(column_type, sqltypes.Enum) and column_type.enum_class is not None:
        return column_type.enum_class
    if isinstance(column_type, sqltypes.LargeBinary):
        return base64.b64decode
    return None


def _rows(table: Table, path: Path) -> Iterator[dict[str, Any]]:
    decoders = {c.name: _decoder(c.type) for c in table.columns}
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, 1):
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise InvalidInput(
                    f"{path.name} line {number} is not JSON", code="backup.bad_table"
                ) from exc
            unknown = set(record) - set(decoders)
            if unknown:
                raise InvalidInput(
                    f"{path.name} has columns this catalog does not: {sorted(unknown)}",
                    code="backup.bad_table",
                )
            yield {
                name: (value if value is None or decoders[name] is None else decoders[name](value))
                for name, value in record.items()
            }


def is_empty(engine: Engine) -> bool:
    """Whether the catalog behind ``engine`` holds no platform state: no tables yet, or only the
    rows a fresh ``zhongtai init`` seeds (the shipped data elements and code lists) and no
    department, account, dataset or audit event."""
    present = set(inspect(engine).get_table_names())
    names = ("departments", "accounts", "datasets", "audit_events")
    with engine.connect() as connection:
        for name in names:
            if name in present and connection.scalar(
                select(func.count()).select_from(Base.metadata.tables[name])
            ):
                return False
    return True


def load(engine: Engine, folder: Path) -> dict[str, int]:
    """Insert every table's file from ``folder`` into the (migrated) catalog behind ``engine``,
    in one transaction: rows a fresh migration seeded are removed first; a table with an audit
    event or a department already in it is a ``Conflict``. Returns rows loaded per table."""
    if not is_empty(engine):
        raise Conflict("the target catalog is not empty", code="backup.target_not_empty")
    loaded: dict[str, int] = {}
    with engine.begin() as connection:
        for table in reversed(tables()):
            connection.execute(table.delete())  # seeds of a fresh migration (element standards)
        for table in tables():
            count, batch = 0, []
            for row in _rows(table, folder / f"{table.name}.jsonl"):
                batch.append(row)
                if len(batch) >= _BATCH:
                    connection.execute(table.insert(), batch)
                    count, batch = count + len(batch), []
            if batch:
                connection.execute(table.insert(), batch)
                count += len(batch)
            loaded[table.name] = count
        if connection.dialect.name == "postgresql":
            _advance_sequences(connection)
    return loaded


def _advance_sequences(connection: Connection) -> None:
    """Set each ``serial`` column's sequence to its table's largest id (or 1 for an empty one,
    with ``is_called`` false so the next value is 1)."""
    for table in tables():
        for column in table.primary_key.columns:
            sequence = connection.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            )
            if sequence is None:
                continue
            largest = connection.scalar(select(func.max(column)))
            connection.execute(
                text("SELECT setval(CAST(:seq AS regclass), :value, :called)"),
                {"seq": sequence, "value": largest or 1, "called": largest is not None},
            )
