"""DuckDB never installs or autoloads an extension: every one comes from its pinned PyPI package's
file. A query that needs an extension not loaded fails at once, naming it; an explicit INSTALL —
even ``FROM core`` — fails before any download; a LOAD by name finds nothing in a user's
``~/.duckdb``. (Inside the air-gapped namespace a download could not succeed anyway; these fail
the same way on a machine with internet, which is the point.)"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from catalog.settings import Settings
from lakehouse.connection import NO_EXTENSIONS, connect, extension_path

BUILT_IN = {"core_functions", "icu", "json", "parquet"}
"""What the duckdb 1.5.5 wheel has compiled in (everything else is an extension package)."""


@pytest.fixture
def con(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(settings, lake=False) as connection:
        yield connection


def _setting(con: duckdb.DuckDBPyConnection, name: str) -> object:
    row = con.execute("SELECT value FROM duckdb_settings() WHERE name = ?", [name]).fetchone()
    assert row is not None, name
    return row[0]


def _loaded(con: duckdb.DuckDBPyConnection) -> set[str]:
    query = "SELECT extension_name FROM duckdb_extensions() WHERE loaded"
    return {str(row[0]) for row in con.execute(query).fetchall()}


def test_nothing_is_installed_or_loaded_on_the_side(con: duckdb.DuckDBPyConnection) -> None:
    assert _setting(con, "autoinstall_known_extensions") == "false"
    assert _setting(con, "autoload_known_extensions") == "false"
    assert _setting(con, "allow_unsigned_extensions") == "false"
    assert _setting(con, "allow_community_extensions") == "false"
    for name in ("extension_directory", "custom_extension_repository"):
        assert _setting(con, name) == NO_EXTENSIONS
    assert _setting(con, "autoinstall_extension_repository") == NO_EXTENSIONS
    assert _loaded(con) == BUILT_IN
    installed = con.execute(
        "SELECT extension_name FROM duckdb_extensions() WHERE installed AND NOT loaded"
    ).fetchall()
    assert installed == []  # nothing waits in an extension directory to be loaded by name


@pytest.mark.parametrize(
    "sql",
    [
        "INSTALL httpfs",
        "INSTALL httpfs FROM core",
        "FORCE INSTALL excel",
        "INSTALL h3 FROM community",
        "INSTALL spatial FROM 'http://127.0.0.1:9/'",
        "LOAD httpfs",
        "LOAD excel",
    ],
)
def test_install_and_load_by_name_fail_without_a_download(
    con: duckdb.DuckDBPyConnection, sql: str
) -> None:
    started = time.monotonic()
    with pytest.raises(duckdb.Error) as failed:
        con.execute(sql)
    assert time.monotonic() - started < 5  # refused here, not after a network timeout
    assert "/dev/null" in str(failed.value)  # the extension directory, not a download
    assert "http" not in str(failed.value).split("\n")[0].replace("httpfs", "")


@pytest.mark.parametrize(
    ("sql", "extension"),
    [
        ("SELECT * FROM 'https://example.com/extract.csv'", "httpfs"),
        ("SELECT * FROM read_json('https://example.com/a.json')", "httpfs"),
        ("SELECT * FROM read_parquet('s3://lake/data/x.parquet')", "httpfs"),
        ("SELECT * FROM read_xlsx('extract.xlsx')", "excel"),
        ("SELECT * FROM sqlite_scan('catalog.sqlite', 'datasets')", "sqlite_scanner"),
        ("ATTACH 'ducklake:catalog.sqlite' AS other", "ducklake"),
    ],
)
def test_a_query_needing_an_unloaded_extension_fails(
    con: duckdb.DuckDBPyConnection, sql: str, extension: str
) -> None:
    with pytest.raises(duckdb.Error) as failed:
        con.execute(sql)
    assert extension in str(failed.value)
    assert _loaded(con) == BUILT_IN


def test_the_pinned_packages_still_load_by_file(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"LOAD '{extension_path('httpfs')}'")
    row = con.execute(
        "SELECT loaded, install_path FROM duckdb_extensions() WHERE extension_name = 'httpfs'"
    ).fetchone()
    assert row is not None and row[0] is True
    assert not Path(NO_EXTENSIONS).parent.is_dir()  # /dev/null: nothing can be written there
