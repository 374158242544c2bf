"""The serving path: one long-lived DuckDB per worker, and a serving index per published snapshot.

Opening DuckDB, loading the extensions and attaching DuckLake costs a third of a second; a lake
scan per call costs tens of milliseconds more. Neither belongs on a request that asks for ten rows
or one 核验. So:

- :class:`ServingLake` is made once per worker process (``exchange_api.app``). It opens one DuckDB
  with the lake attached, lazily, and hands each request its own cursor (a connection to the same
  database instance: cheap, and safe to use from the request's thread). The lake's metadata is
  read per transaction, so a snapshot another process publishes is visible at once.
- :func:`build_serving_index` runs at publish time (``lakehouse.publish``): it copies the new
  snapshot's rows, with their DuckLake row ids, into a DuckDB file
  ``<var>/serving/<table>/<snapshot>.duckdb``, sorted by the primary key, with an ART index on
  every key and personal field (what ``verify`` and keyed queries match on). The file is written
  under a temporary name and renamed, so a reader sees a whole index or none.
- :meth:`ServingLake.source` attaches (read-only) the serving index of the snapshot a read asks
  for, the first time a worker is asked for it, and detaches the older ones of that table. With no
  index (a failed build, another machine), reads fall back to the lake: slower, never different.

``lakehouse.read.compile_plan`` compiles a plan against a :class:`Source` the same way as against
the lake: the same columns, masks, conditions and order (the hidden order hashes the same DuckLake
row id), so the two paths return the same rows.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb

from catalog.settings import Settings
from lakehouse.connection import (
    LAKE,
    _new_connection,
    attach_lake,
    quote_ident,
    quote_literal,
)

__all__ = ["ROWID", "LakeOpener", "ServingLake", "Source", "build_serving_index", "serving_path"]

log = logging.getLogger(__name__)

ROWID = "__zt_rowid"
"""The serving table's copy of each row's DuckLake row id (the hidden order hashes it)."""

_ROWS = "rows"
_META = "zt_index"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a plan reads a snapshot from when a serving index holds it."""

    relation: str
    """The qualified table, e.g. ``srv_3."rows"``."""
    indexed: tuple[str, ...]
    """Fields with an ART index, most selective first: an exact match on one of them is a
    point lookup."""


class LakeOpener(Protocol):
    """A request's way to the lake (``exchange_api.deps.LazyLake``): a connection, opened when
    first called, and the serving index of a snapshot when this worker has one."""

    def __call__(self) -> duckdb.DuckDBPyConnection: ...

    def source(self, table: str, snapshot_id: int | None) -> Source | None: ...


def serving_path(settings: Settings, table: str, snapshot_id: int) -> Path:
    return settings.var_dir / "serving" / table / f"{snapshot_id}.duckdb"


def build_serving_index(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    *,
    table: str,
    fields: tuple[str, ...],
    primary_key: tuple[str, ...],
    indexed: tuple[str, ...],
    snapshot_id: int,
) -> Path:
    """Copy snapshot ``snapshot_id`` of lake table ``table`` into its serving index file."""
    final = serving_path(settings, table, snapshot_id)
    final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    alias = f"srv_build_{os.getpid()}_{threading.get_ident()}"
    columns = ", ".join(quote_ident(f) for f in fields)
    # Stored in the keyset order of lakehouse.read (key NULLS LAST, then row id), so a page in
    # key order needs no sort; the row id is indexed for a keyset page's position look-up.
    order = ", ".join([*(f"{quote_ident(k)} NULLS LAST" for k in primary_key), quote_ident(ROWID)])
    con.execute(f"ATTACH '{quote_literal(str(temporary))}' AS {alias}")
    try:
        con.execute(
            f"CREATE TABLE {alias}.{_ROWS} AS SELECT rowid AS {ROWID}, {columns} "
            f"FROM {LAKE}.{quote_ident(table)} AT (VERSION => ?) ORDER BY {order}",
            [snapshot_id],
        )
        for number, name in enumerate(dict.fromkeys((*indexed, ROWID))):
            con.execute(f"CREATE INDEX ix_{number} ON {alias}.{_ROWS} ({quote_ident(name)})")
        con.execute(
            f"CREATE TABLE {alias}.{_META} AS SELECT ?::VARCHAR[] AS fields",
            [list(dict.fromkeys(indexed))],
        )
        con.execute(f"CHECKPOINT {alias}")
    finally:
        con.execute(f"DETACH {alias}")
    temporary.chmod(0o600)  # the rows unmasked, like the lake's own files: the service's alone
    _fsync(temporary)
    temporary.replace(final)
    _fsync(final.parent)
    _prune(final.parent, snapshot_id)
    return final


KEEP = 2
"""Serving indexes kept per table: the newest and the one before it, which a worker may still be
reading (a worker that has the file open keeps reading it even after it is unlinked)."""


def _prune(folder: Path, newest: int) -> None:
    """Remove a table's serving indexes older than the :data:`KEEP` newest."""
    built = sorted(
        (int(path.stem), path) for path in folder.glob("*.duckdb") if path.stem.isdigit()
    )
    for snapshot, path in built[:-KEEP]:
        if snapshot < newest:
            path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ServingLake:
    """One worker's DuckDB: the lake attached once, serving indexes attached as asked for."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._attached: dict[str, tuple[int, Source]] = {}
        self._names = 0

    def _base(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._con is None:
                con = _new_connection(self._settings)
                try:
                    con.execute("SET enable_progress_bar = false")
                    attach_lake(con, self._settings)
                except BaseException:
                    con.close()
                    raise
                self._con = con
            return self._con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection of its own for one request (close it when done)."""
        return self._base().cursor()

    def source(self, table: str, snapshot_id: int | None) -> Source | None:
        """The serving index of ``table`` at ``snapshot_id``, attached; None when there is none."""
        if snapshot_id is None:
            return None
        current = self._attached.get(table)
        if current is not None and current[0] == snapshot_id:
            return current[1]
        path = serving_path(self._settings, table, snapshot_id)
        if not path.is_file():
            return None
        base = self._base()
        with self._lock:
            current = self._attached.get(table)
            if current is not None and current[0] == snapshot_id:
                return current[1]
            if current is not None and current[0] > snapshot_id:
                return None  # an older snapshot: read it from the lake
            self._names += 1
            alias = f"srv_{self._names}"
            try:
                base.execute(f"ATTACH '{quote_literal(str(path))}' AS {alias} (READ_ONLY)")
            except duckdb.Error as exc:  # a damaged file must not stop reads: use the lake
                log.warning("serving index %s cannot be attached: %s", path, exc)
                return None
            row = base.execute(f"SELECT fields FROM {alias}.{_META}").fetchone()
            indexed = tuple(row[0]) if row else ()
            source = Source(relation=f"{alias}.{quote_ident(_ROWS)}", indexed=indexed)
            self._attached[table] = (snapshot_id, source)
            if current is not None:
                self._retire(base, current[1])
        return source

    def _retire(self, base: duckdb.DuckDBPyConnection, old: Source) -> None:
        """Detach an index no longer current; a read still using it keeps it until it ends."""
        alias = old.relation.split(".", 1)[0]
        try:
            base.execute(f"DETACH {alias}")
        except duckdb.Error as exc:
            log.info("serving index %s stays attached for now: %s", alias, exc)

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
            self._con = None
            self._attached.clear()
