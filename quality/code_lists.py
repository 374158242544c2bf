"""Code lists (``schemas/codes/*.csv``) as DuckDB tables, and membership predicates over them.

Every code list a contract's checks need is loaded once per database into a regular table named
by :func:`code_table_name` (``gb2261_1.csv`` → ``_code_gb2261_1``; the GB/T 2260 list keeps its
historical name ``_gb2260``). A check then reads ``value NOT IN (SELECT code FROM table)``, which
DuckDB runs as one hash join, vectorised. Codes are read as text (``all_varchar``), so ``01``
stays ``01``.

:func:`code_tables` is the pure part (contract → tables and files); :func:`ensure_code_lists`
executes it on a connection and is what :func:`quality.validate.validate` should call.

The catalog holds code lists too (``catalog.elements``: admins add them; the shipped files seed
them). Given ``lists`` — a mapping of list name (``gb2261_1``, no ``.csv``) to its codes, as
``catalog.elements.catalog_code_lists(session)`` returns — a list found there is loaded from
those values (replacing a table of the same name: the catalog is the source of truth), and a
list in neither the mapping nor ``schemas/codes/`` is refused. Without ``lists`` everything is
as before: the shipped files only. An element names a list as ``gb2261_1.csv`` (the shipped
form) or ``gb2261_1``; both are the same list and the same table.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import duckdb

from quality.errors import UnsupportedContract
from schemas.loader import CODES_DIR, DataElement, DatasetContract, load_elements

GB2260_CSV = "gb2260.csv"
GB2260_TABLE = "_gb2260"
"""The table the GB/T 2260 division codes are loaded into."""

_LIST_NAME = re.compile(r"[a-z0-9_]+")

CodeListSource = Mapping[str, Sequence[str]]
"""Code-list name (no ``.csv``) → its codes: the catalog's lists, for :func:`ensure_code_lists`."""

# checks whose predicates read a code list although the element names none in its params
_IMPLIED_CODE_LISTS: dict[str, tuple[str, ...]] = {
    "gb11643": (GB2260_CSV,),
    "gb32100": (GB2260_CSV,),
}


def list_name(reference: str) -> str:
    """The name of the list ``reference`` names (``gb2261_1.csv`` and ``gb2261_1`` alike)."""
    name = reference.removesuffix(".csv")
    if not _LIST_NAME.fullmatch(name):
        raise UnsupportedContract(f"code list '{reference}' is not a plain lower-case name")
    return name


def code_table_name(csv_name: str) -> str:
    """The DuckDB table holding the codes of the list ``csv_name`` (``x.csv`` or ``x``)."""
    name = list_name(csv_name)
    if name == GB2260_CSV.removesuffix(".csv"):
        return GB2260_TABLE
    return "_code_" + name


def code_list_path(csv_name: str) -> Path:
    path = CODES_DIR / f"{list_name(csv_name)}.csv"  # validates the name
    if not path.is_file():
        raise UnsupportedContract(f"code list '{csv_name}' is not shipped in {CODES_DIR.name}/")
    return path


def element_code_lists(element: DataElement) -> tuple[str, ...]:
    """The code-list files ``element``'s check reads."""
    named = element.params.get("code_list")
    implied = _IMPLIED_CODE_LISTS.get(element.check, ())
    return tuple(dict.fromkeys((*implied, *([str(named)] if named else []))))


def code_tables(
    contract: DatasetContract, elements: dict[str, DataElement] | None = None
) -> dict[str, Path]:
    """Table name → CSV path of every code list ``contract``'s element checks read."""
    elements = load_elements() if elements is None else elements
    tables: dict[str, Path] = {}
    for spec in contract.fields:
        if spec.element is None:
            continue
        for csv_name in element_code_lists(elements[spec.element]):
            tables[code_table_name(csv_name)] = code_list_path(csv_name)
    return tables


def create_code_table_sql(table: str) -> str:
    """DDL loading the ``code`` column of the CSV bound as ``$1`` into ``table``, once."""
    return (
        f'CREATE TABLE IF NOT EXISTS "{table}" AS SELECT DISTINCT code FROM '
        "read_csv($1, header = true, delim = ',', quote = '\"', all_varchar = true)"
    )


def load_code_values(con: duckdb.DuckDBPyConnection, table: str, codes: Sequence[str]) -> None:
    """(Re)create ``table`` holding the distinct ``codes`` (bound as one parameter)."""
    con.execute(f'CREATE OR REPLACE TABLE "{table}" (code VARCHAR)')
    if codes:
        con.execute(
            f'INSERT INTO "{table}" SELECT DISTINCT unnest(CAST($1 AS VARCHAR[]))',
            [[str(c) for c in codes]],
        )


def ensure_code_lists(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    elements: dict[str, DataElement] | None = None,
    *,
    lists: CodeListSource | None = None,
) -> dict[str, str]:
    """Load every code list ``contract`` needs into its table: from ``lists`` when it holds the
    list, else from the shipped file (a no-op for a file's table already present). Returns
    table → where the codes came from (``catalog:<name>`` or the file's path)."""
    if lists is None:
        tables = code_tables(contract, elements)
        for table, path in tables.items():
            con.execute(create_code_table_sql(table), [str(path)])
        return {table: str(path) for table, path in tables.items()}
    elements = load_elements() if elements is None else elements
    loaded: dict[str, str] = {}
    for spec in contract.fields:
        if spec.element is None:
            continue
        for reference in element_code_lists(elements[spec.element]):
            name, table = list_name(reference), code_table_name(reference)
            if table in loaded:
                continue
            if name in lists:
                load_code_values(con, table, lists[name])
                loaded[table] = f"catalog:{name}"
            else:
                path = code_list_path(reference)  # refused when not shipped either
                con.execute(create_code_table_sql(table), [str(path)])
                loaded[table] = str(path)
    return loaded


def ensure_all_code_lists(
    con: duckdb.DuckDBPyConnection, lists: CodeListSource | None = None
) -> None:
    """Load every shipped code list, then every list of ``lists`` (replacing a shipped one of
    the same name): the tables every check may read."""
    for path in sorted(CODES_DIR.glob("*.csv")):
        con.execute(create_code_table_sql(code_table_name(path.name)), [str(path)])
    for name, codes in (lists or {}).items():
        load_code_values(con, code_table_name(name), codes)


def in_code_list(value: str, table: str, *, negate: bool = False) -> str:
    """``value`` is (or with ``negate``, is not) a code in ``table``."""
    operator = "NOT IN" if negate else "IN"
    return f'{value} {operator} (SELECT code FROM "{table}")'


@lru_cache(maxsize=16)
def codes(csv_name: str) -> tuple[str, ...]:
    """The ``code`` column of a shipped code list, in file order (read once per process)."""
    with code_list_path(csv_name).open(encoding="utf-8", newline="") as handle:
        return tuple(row["code"] for row in csv.DictReader(handle))
