"""The one way to open DuckDB: offline extensions, signature checks on, the lake attached.

Extensions come from the ``duckdb-extension-*`` PyPI packages pinned beside ``duckdb`` and are
loaded from their installed files; auto-install and auto-load are switched off, so nothing is
ever fetched at run time, and ``allow_unsigned_extensions`` stays false so DuckDB checks each
extension's signature on LOAD. The extension directory and both repositories point at
:data:`NO_EXTENSIONS`, a path that cannot exist, so an ``INSTALL`` (even ``FROM core``) fails
before any download and a ``LOAD`` by name finds nothing a user's ``~/.duckdb`` may hold.
"""

from __future__ import annotations

import contextlib
import importlib
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from catalog.settings import Settings
from schemas.errors import ZhongtaiError

LAKE = "lake"
"""The alias the DuckLake catalog is attached under in every connection."""

NO_EXTENSIONS = "/dev/null/zhongtai-no-extensions"
"""Where DuckDB would install and look up extensions by name: under a device, never a folder."""
_FIRST_ATTACH_TRIES = 5
_INIT_RACE = "Failed to initialize DuckLake"

_EXTENSION_PACKAGES = {
    "ducklake": "duckdb_extension_ducklake",
    "sqlite_scanner": "duckdb_extension_sqlite_scanner",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "httpfs": "duckdb_extension_httpfs",
}


class LakehouseError(ZhongtaiError):
    """Base of the lakehouse exceptions (see ``lakehouse.errors``): the lake could not answer."""

    code = "lakehouse.error"
    status = 503


class ExtensionMissing(LakehouseError):
    code = "lakehouse.extension_missing"
    status = 503


def extension_path(name: str) -> Path:
    """The ``.duckdb_extension`` file shipped by the PyPI package for ``name``."""
    package = _EXTENSION_PACKAGES[name]
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise ExtensionMissing(f"DuckDB extension package '{package}' is not installed") from exc
    base = Path(module.__file__ or "").parent / "extensions" / f"v{duckdb.__version__}"
    path = base / f"{name}.duckdb_extension"
    if not path.is_file():
        raise ExtensionMissing(
            f"{package} has no build for DuckDB {duckdb.__version__} (looked for {path})"
        )
    return path


def load_extensions(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    for name in names:
        con.execute(f"LOAD '{extension_path(name)}'")


def _new_connection(settings: Settings, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A connection held to ``duckdb_memory_limit``, spilling past it under ``spill_dir``."""
    settings.spill_dir.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(
        database,
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_unsigned_extensions": False,
            "allow_community_extensions": False,
            "extension_directory": NO_EXTENSIONS,
            "custom_extension_repository": NO_EXTENSIONS,
            "autoinstall_extension_repository": NO_EXTENSIONS,
            "memory_limit": settings.duckdb_memory_limit,
            "temp_directory": str(settings.spill_dir),
            "threads": settings.duckdb_threads,
        },
    )


def attach_lake(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Attach the DuckLake named by the settings as ``lake``, creating it on first use."""
    metadata = settings.resolved_lake_catalog
    data_path = settings.resolved_lake_data_path
    if metadata.startswith("sqlite:"):
        load_extensions(con, "ducklake", "sqlite_scanner")
        write_ahead_log(Path(metadata.removeprefix("sqlite:")))
    elif metadata.startswith("postgres:"):
        load_extensions(con, "ducklake", "postgres_scanner")
    else:
        raise LakehouseError(f"unsupported lake catalog '{metadata}' (use sqlite: or postgres:)")
    if data_path.startswith("s3://"):
        object_store_secret(con, settings)
    elif "://" not in data_path:
        Path(data_path).mkdir(parents=True, exist_ok=True)
    override = ", OVERRIDE_DATA_PATH true" if follows_var_dir(settings) else ""
    attach = (
        f"ATTACH 'ducklake:{quote_literal(metadata)}' AS {LAKE} "
        f"(DATA_PATH '{quote_literal(data_path)}'{override})"
    )
    for attempt in range(_FIRST_ATTACH_TRIES):
        try:
            con.execute(attach)
            return
        except duckdb.Error as exc:
            if "does not match existing data path" in str(exc):
                raise _data_path_mismatch(str(exc), data_path) from None
            # Processes opening a fresh PostgreSQL lake catalog at once all try to create
            # DuckLake's tables; one wins, the others fail on PostgreSQL's unique catalog
            # index once the winner has committed — and then find the lake made: open it.
            lost_race = metadata.startswith("postgres:") and _INIT_RACE in str(exc)
            if not lost_race or attempt == _FIRST_ATTACH_TRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def follows_var_dir(settings: Settings) -> bool:
    """Whether the lake is the embedded default: its catalog and its data folder both derived
    from ``var_dir`` (neither ``ZHONGTAI_LAKE_CATALOG`` nor ``ZHONGTAI_LAKE_DATA_PATH`` set).

    DuckLake keeps each file's path relative to the data path, but records the data path itself,
    absolute, in its catalog, and refuses another one on ATTACH. For the embedded default that
    refusal is always wrong: the catalog file and the data folder sit side by side under
    ``var/lake/``, so a var dir copied or moved (a restore to another directory or host) has its
    files exactly where the settings say, and the recorded path is only the old place. Such a
    lake is attached with ``OVERRIDE_DATA_PATH`` (for this connection: nothing is rewritten).

    A data path the operator set is never overridden: pointing ``ZHONGTAI_LAKE_DATA_PATH`` at
    the wrong bucket or prefix would otherwise read an empty or foreign lake and write new files
    where the old ones are not. That mismatch is refused (``lake.data_path_mismatch``); a lake
    really moved to a new bucket or prefix is restored there with ``zhongtai backup restore``,
    which records the new data path in the lake's catalog."""
    return not settings.lake_catalog and not settings.lake_data_path


def _data_path_mismatch(message: str, given: str) -> LakehouseError:
    recorded = message.rsplit("in the catalog", 1)[-1].split('"')
    where = recorded[1] if len(recorded) > 1 else "another place"
    return LakehouseError(
        f"the lake's catalog records its data files at '{where}', but ZHONGTAI_LAKE_DATA_PATH "
        f"is '{given}': set ZHONGTAI_LAKE_DATA_PATH to '{where}' (or check "
        "ZHONGTAI_LAKE_CATALOG names the right lake); a lake moved to a new bucket or prefix "
        "is brought there with `zhongtai backup restore`",
        code="lake.data_path_mismatch",
    )


def object_store_secret(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Load httpfs and give this connection (only: the secret is temporary, in memory) the
    object-store credentials of the settings."""
    load_extensions(con, "httpfs")
    options = [
        "TYPE s3",
        f"REGION '{quote_literal(settings.s3_region)}'",
        f"URL_STYLE '{settings.s3_url_style}'",
        f"USE_SSL {'true' if settings.s3_use_ssl else 'false'}",
    ]
    if settings.s3_endpoint:
        options.append(f"ENDPOINT '{quote_literal(settings.s3_endpoint)}'")
    if settings.s3_access_key_id:
        options.append(f"KEY_ID '{quote_literal(settings.s3_access_key_id)}'")
        options.append(f"SECRET '{quote_literal(settings.s3_secret_access_key)}'")
    con.execute(f"CREATE OR REPLACE TEMPORARY SECRET zhongtai_lake ({', '.join(options)})")


def write_ahead_log(path: Path) -> None:
    """Put the lake's SQLite metadata file in WAL mode (creating it if need be), once: the mode
    is kept in the file. In SQLite's default rollback-journal mode every reader's shared lock
    blocks a writer's commit, so a busy exchange API could make publishes fail ("database is
    locked"); with a write-ahead log readers and the one writer do not block each other."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
        row = db.execute("PRAGMA journal_mode").fetchone()
        if row is None or str(row[0]).lower() != "wal":
            db.execute("PRAGMA journal_mode=WAL")


def quote_literal(value: str) -> str:
    """Escape a value for a single-quoted SQL literal (settings only, never request text)."""
    return value.replace("'", "''")


@contextmanager
def connect(settings: Settings, *, lake: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with (by default) the lake attached through the offline extensions."""
    con = _new_connection(settings)
    try:
        con.execute("SET enable_progress_bar = false")
        if lake:
            attach_lake(con, settings)
        yield con
    finally:
        con.close()


def probe_lake(settings: Settings) -> None:
    """Attach the lake and list its tables, creating nothing: a SQLite lake catalog that does not
    exist yet is an error here, not a new lake. Raises ``LakehouseError`` or DuckDB's own error."""
    metadata = settings.resolved_lake_catalog
    if metadata.startswith("sqlite:") and not Path(metadata.removeprefix("sqlite:")).is_file():
        raise LakehouseError("the lake catalog does not exist", code="lake.not_found")
    with connect(settings) as con:
        con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ?", [LAKE])


def quote_ident(name: str) -> str:
    """Quote an identifier that came from the catalog (never from a request)."""
    return '"' + name.replace('"', '""') + '"'
