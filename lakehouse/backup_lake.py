"""The lake in a backup: DuckLake's metadata tables as Parquet, and every file under its data path.

**Export.** The metadata catalog (SQLite or PostgreSQL) is read through DuckDB's attached
``__ducklake_metadata_lake``: each of its tables (the inlined-data tables DuckLake makes as it
goes included) becomes ``metadata/<table>.parquet``. A publish may commit meanwhile, so the
export is bracketed by two reads of the snapshot list (newest id and count); if they differ, the
export is made again (:data:`_TRIES` times, then ``backup.busy``). Data and delete files are
immutable once committed and never rewritten in place, so copying them after the metadata is
safe: every file the exported metadata names exists (a file written later is an unreferenced
extra, and harmless). The export records which files the metadata references and the backup
fails (``backup.incomplete``) if one of them could not be copied.

**Restore.** A fresh lake is made where the settings point (DuckLake creates its own schema, so
column types are its own on either engine), every metadata table is emptied and filled from the
backup, tables DuckLake had made on the fly are created from their Parquet, and the data path the
lake records is set to the settings' one: a lake restored to another directory, bucket or prefix
then attaches without any override (``lakehouse.connection.follows_var_dir``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from catalog.errors import Conflict, NotReady
from catalog.settings import Settings
from lakehouse.connection import (
    LAKE,
    connect,
    load_extensions,
    quote_ident,
    quote_literal,
)

__all__ = [
    "LakeState",
    "export_metadata",
    "lake_is_empty",
    "lake_state",
    "restore_metadata",
    "wipe_metadata",
]

META = f"__ducklake_metadata_{LAKE}"
_TRIES = 5

_REFERENCED = """
WITH schemas AS (
    SELECT schema_id, any_value(path) AS path, bool_and(CAST(path_is_relative AS BOOLEAN)) AS rel
    FROM read_parquet(?) GROUP BY schema_id),
tables AS (
    SELECT table_id, any_value(schema_id) AS schema_id, any_value(path) AS path,
           bool_and(CAST(path_is_relative AS BOOLEAN)) AS rel
    FROM read_parquet(?) GROUP BY table_id),
files AS (
    SELECT table_id, path, CAST(path_is_relative AS BOOLEAN) AS rel FROM read_parquet(?)
    UNION ALL
    SELECT table_id, path, CAST(path_is_relative AS BOOLEAN) AS rel FROM read_parquet(?))
SELECT CASE WHEN NOT f.rel THEN f.path
            WHEN NOT t.rel THEN t.path || f.path
            WHEN NOT s.rel THEN s.path || t.path || f.path
            ELSE s.path || t.path || f.path END
FROM files f JOIN tables t USING (table_id) JOIN schemas s ON s.schema_id = t.schema_id
ORDER BY 1
"""


@dataclass(frozen=True, slots=True)
class LakeState:
    snapshot_ids: tuple[int, ...]
    table_rows: dict[str, int]
    """Rows of each lake table at the newest snapshot, by ``schema.table``."""


def _metadata_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    rows = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_catalog = ? AND table_name LIKE 'ducklake%' ORDER BY table_name",
        [catalog],
    ).fetchall()
    return [(str(s), str(t)) for s, t in rows]


def _fingerprint(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    row = con.execute(
        f"SELECT coalesce(max(snapshot_id), -1), count(*) FROM {META}.ducklake_snapshot"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _state(con: duckdb.DuckDBPyConnection) -> LakeState:
    ids = con.execute(f"SELECT snapshot_id FROM {META}.ducklake_snapshot ORDER BY 1").fetchall()
    names = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY 1, 2",
        [LAKE],
    ).fetchall()
    rows: dict[str, int] = {}
    for schema, name in names:
        found = con.execute(
            f"SELECT count(*) FROM {LAKE}.{quote_ident(schema)}.{quote_ident(name)}"
        ).fetchone()
        rows[f"{schema}.{name}"] = int(found[0]) if found else 0
    return LakeState(tuple(int(i) for (i,) in ids), rows)


def lake_state(settings: Settings) -> LakeState:
    """Snapshot ids and rows per table of the lake the settings name, as it is now."""
    with connect(settings) as con:
        return _state(con)


def export_metadata(settings: Settings, folder: Path) -> tuple[LakeState, list[str]]:
    """Write every metadata table into ``folder`` as Parquet at one lake snapshot (module doc);
    the lake's state there, and the keys (below the data path) of every file it references."""
    folder.mkdir(parents=True, exist_ok=True)
    with connect(settings) as con:
        _attach_raw(con, settings, read_only=True)
        for _ in range(_TRIES):
            for old in folder.glob("*.parquet"):
                old.unlink()
            before = _fingerprint(con)
            for schema, name in _metadata_tables(con, "meta"):
                source = f"meta.{quote_ident(schema)}.{quote_ident(name)}"
                target = quote_literal(str(folder / f"{name}.parquet"))
                con.execute(f"COPY (SELECT * FROM {source}) TO '{target}' (FORMAT parquet)")
            state = _state(con)
            if _fingerprint(con) == before:
                break
        else:
            raise NotReady(
                f"the lake committed during each of {_TRIES} exports; try again when it is quieter",
                code="backup.busy",
            )
    return state, referenced_files(folder, settings.resolved_lake_data_path)


def referenced_files(folder: Path, data_path: str) -> list[str]:
    """Keys (relative to the data path) of every data and delete file the exported metadata in
    ``folder`` names; an absolute path outside ``data_path`` is ``backup.outside_data_path``."""
    parts = ("ducklake_schema", "ducklake_table", "ducklake_data_file", "ducklake_delete_file")
    with contextlib.closing(duckdb.connect()) as con:
        rows = con.execute(_REFERENCED, [str(folder / f"{p}.parquet") for p in parts]).fetchall()
    keys: list[str] = []
    for (path,) in rows:
        text = str(path)
        if text.startswith(("/", "s3://")) or "://" in text:
            if not text.startswith(data_path):
                raise Conflict(
                    f"the lake references {text}, outside its data path {data_path}",
                    code="backup.outside_data_path",
                )
            text = text.removeprefix(data_path)
        keys.append(text)
    return keys


def _attach_raw(con: duckdb.DuckDBPyConnection, settings: Settings, *, read_only: bool) -> str:
    """Attach the lake's metadata database directly (not through DuckLake) as ``meta``; the
    schema its tables live in. DuckLake's own ``__ducklake_metadata_lake`` does not list them."""
    metadata = settings.resolved_lake_catalog
    mode = ", READ_ONLY" if read_only else ""
    if metadata.startswith("sqlite:"):
        load_extensions(con, "sqlite_scanner")
        path = metadata.removeprefix("sqlite:")
        con.execute(f"ATTACH '{quote_literal(path)}' AS meta (TYPE sqlite{mode})")
    else:
        load_extensions(con, "postgres_scanner")
        dsn = metadata.removeprefix("postgres:")
        con.execute(f"ATTACH '{quote_literal(dsn)}' AS meta (TYPE postgres{mode})")
    found = con.execute(
        "SELECT table_schema FROM information_schema.tables WHERE table_catalog = 'meta' "
        "AND table_name = 'ducklake_snapshot'"
    ).fetchone()
    if found:
        return str(found[0])
    return "main" if metadata.startswith("sqlite:") else "public"


@contextmanager
def _raw_metadata(settings: Settings) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """A DuckDB connection with only the lake's metadata database attached, as ``meta``."""
    with connect(settings, lake=False) as con:
        yield con, _attach_raw(con, settings, read_only=False)


def lake_is_empty(settings: Settings) -> bool:
    """No lake catalog yet, or one with nothing ever committed past its creation."""
    metadata = settings.resolved_lake_catalog
    if metadata.startswith("sqlite:") and not Path(metadata.removeprefix("sqlite:")).is_file():
        return True
    with _raw_metadata(settings) as (con, schema):
        if not _metadata_tables(con, "meta"):
            return True
        row = con.execute(
            f"SELECT count(*) FROM meta.{quote_ident(schema)}.ducklake_snapshot "
            "WHERE snapshot_id > 0"
        ).fetchone()
        return row is None or int(row[0]) == 0


def wipe_metadata(settings: Settings) -> None:
    """Drop every DuckLake table of the lake's metadata database (``--force`` only)."""
    metadata = settings.resolved_lake_catalog
    if metadata.startswith("sqlite:"):
        base = Path(metadata.removeprefix("sqlite:"))
        for path in (base, Path(f"{base}-wal"), Path(f"{base}-shm")):
            path.unlink(missing_ok=True)
        return
    with _raw_metadata(settings) as (con, _schema):
        for schema, name in _metadata_tables(con, "meta"):
            con.execute(f"DROP TABLE meta.{quote_ident(schema)}.{quote_ident(name)}")


def restore_metadata(settings: Settings, folder: Path) -> None:
    """Fill a fresh lake's metadata from the Parquet files in ``folder`` and record the
    settings' data path in it (module doc). The lake must be empty (:func:`lake_is_empty`)."""
    if not lake_is_empty(settings):
        raise Conflict("the target lake is not empty", code="backup.target_not_empty")
    with connect(settings):
        pass  # DuckLake makes its schema, in its own column types, on the target engine
    files = sorted(folder.glob("*.parquet"))
    with _raw_metadata(settings) as (con, schema):
        present = {name for _, name in _metadata_tables(con, "meta")}
        con.execute("BEGIN")
        for name in sorted(present):
            con.execute(f"DELETE FROM meta.{quote_ident(schema)}.{quote_ident(name)}")
        for path in files:
            target = f"meta.{quote_ident(schema)}.{quote_ident(path.stem)}"
            source = f"read_parquet('{quote_literal(str(path))}')"
            if path.stem in present:
                con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM {source}")
            else:
                con.execute(f"CREATE TABLE {target} AS SELECT * FROM {source}")
        con.execute(
            f"UPDATE meta.{quote_ident(schema)}.ducklake_metadata SET value = ? "
            "WHERE key = 'data_path' AND scope IS NULL",
            [settings.resolved_lake_data_path],
        )
        con.execute("COMMIT")
