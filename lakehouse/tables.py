"""The lake tables of a dataset, derived from its contract.

``lake.<code>`` holds published rows: the contract's typed fields, then ``_batch_id`` and ``_row``
(the batch and the 1-based data row of its source file, so any value traces back to its line).
``lake.<code>__quarantine`` holds the rows that failed a rule: the same columns plus
``failed_rules VARCHAR[]``.

``ensure_tables`` creates them when missing and otherwise checks that their column names are the
ones the contract implies, raising ``LakeSchemaMismatch`` on drift (a changed contract needs a
migration, not a silent second shape). Column *types* are left to the engine: an incompatible type
fails the INSERT, inside the publish transaction, which then rolls back. It runs inside whatever
transaction is open on ``con``, so publish creates tables and data in one snapshot.
"""

from __future__ import annotations

import re

import duckdb

from lakehouse.connection import LAKE, quote_ident
from lakehouse.errors import LakehouseError, LakeSchemaMismatch
from schemas.loader import DatasetContract

__all__ = [
    "QUARANTINE_SUFFIX",
    "SYSTEM_COLUMNS",
    "column_type",
    "ensure_tables",
    "quarantine_table",
    "table",
]

QUARANTINE_SUFFIX = "__quarantine"
SYSTEM_COLUMNS: tuple[tuple[str, str], ...] = (("_batch_id", "BIGINT"), ("_row", "BIGINT"))
_QUARANTINE_COLUMNS: tuple[tuple[str, str], ...] = (("failed_rules", "VARCHAR[]"),)
_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?$")


def column_type(duckdb_type: str) -> str:
    """A contract's column type, checked to be a plain type name before it goes into DDL."""
    if not _TYPE.match(duckdb_type):
        raise LakehouseError(f"contract type '{duckdb_type}' is not a plain DuckDB type")
    return duckdb_type


def table(contract: DatasetContract) -> str:
    """The quoted, qualified name of the published table: ``lake."<code>"``."""
    return f"{LAKE}.{quote_ident(contract.table_name)}"


def quarantine_table(contract: DatasetContract) -> str:
    return f"{LAKE}.{quote_ident(contract.table_name + QUARANTINE_SUFFIX)}"


def _columns(contract: DatasetContract, *, quarantine: bool) -> list[tuple[str, str]]:
    fields = [(f.name, column_type(f.duckdb_type)) for f in contract.fields]
    extra = _QUARANTINE_COLUMNS if quarantine else ()
    return [*fields, *SYSTEM_COLUMNS, *extra]


def ensure_tables(con: duckdb.DuckDBPyConnection, contract: DatasetContract) -> None:
    """Create ``lake.<code>`` and ``lake.<code>__quarantine`` if missing; refuse schema drift."""
    for quarantine in (False, True):
        name = contract.table_name + (QUARANTINE_SUFFIX if quarantine else "")
        columns = _columns(contract, quarantine=quarantine)
        existing = _existing_columns(con, name)
        if existing is None:
            body = ", ".join(f"{quote_ident(c)} {t}" for c, t in columns)
            con.execute(f"CREATE TABLE {LAKE}.{quote_ident(name)} ({body})")
        elif existing != [c for c, _ in columns]:
            raise LakeSchemaMismatch(
                f"lake table {name} has columns {existing}, "
                f"contract {contract.code} implies {[c for c, _ in columns]}"
            )


def _existing_columns(con: duckdb.DuckDBPyConnection, name: str) -> list[str] | None:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = 'main' AND table_name = ? "
        "ORDER BY column_index",
        [LAKE, name],
    ).fetchall()
    return [r[0] for r in rows] or None
