"""Code lists (``schemas/codes/*.csv``) as DuckDB tables, and membership predicates over them.

Every code list a contract's checks need is loaded once per database into a regular table named
by :func:`code_table_name` (``gb2261_1.csv`` → ``_code_gb2261_1``; the GB/T 2260 list keeps its
historical name ``_gb2260``). A check then reads ``value NOT IN (SELECT code FROM table)``, which
DuckDB runs as one hash join, vectorised. Codes are read as text (``all_varchar``), so ``01``
stays ``01``.

:func:`code_tables` is the pure part (contract → tables and files); :func:`ensure_code_lists`
executes it on a connection and is what :func:`quality.validate.validate` should call.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

import duckdb

from quality.errors import UnsupportedContract
from schemas.loader import CODES_DIR, DataElement, DatasetContract, load_elements

GB2260_CSV = "gb2260.csv"
GB2260_TABLE = "_gb2260"
"""The table the GB/T 2260 division codes are loaded into."""

_CSV_NAME = re.compile(r"[a-z0-9_]+\.csv")

# checks whose predicates read a code list although the element names none in its params
_IMPLIED_CODE_LISTS: dict[str, tuple[str, ...]] = {
    "gb11643": (GB2260_CSV,),
    "gb32100": (GB2260_CSV,),
}


def code_table_name(csv_name: str) -> str:
    """The DuckDB table holding the codes of ``csv_name`` (a file in ``schemas/codes``)."""
    if not _CSV_NAME.fullmatch(csv_name):
        raise UnsupportedContract(f"code list '{csv_name}' is not a plain lower-case .csv name")
    if csv_name == GB2260_CSV:
        return GB2260_TABLE
    return "_code_" + csv_name.removesuffix(".csv")


def code_list_path(csv_name: str) -> Path:
    code_table_name(csv_name)  # validates the name
    path = CODES_DIR / csv_name
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


def ensure_code_lists(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    elements: dict[str, DataElement] | None = None,
) -> dict[str, Path]:
    """Load every code list ``contract`` needs into its table (a no-op for tables present)."""
    tables = code_tables(contract, elements)
    for table, path in tables.items():
        con.execute(create_code_table_sql(table), [str(path)])
    return tables


def ensure_all_code_lists(con: duckdb.DuckDBPyConnection) -> None:
    """Load every shipped code list (tests and the CLI; contracts need only theirs)."""
    for path in sorted(CODES_DIR.glob("*.csv")):
        con.execute(create_code_table_sql(code_table_name(path.name)), [str(path)])


def in_code_list(value: str, table: str, *, negate: bool = False) -> str:
    """``value`` is (or with ``negate``, is not) a code in ``table``."""
    operator = "NOT IN" if negate else "IN"
    return f'{value} {operator} (SELECT code FROM "{table}")'


@lru_cache(maxsize=16)
def codes(csv_name: str) -> tuple[str, ...]:
    """The ``code`` column of a shipped code list, in file order (read once per process)."""
    with code_list_path(csv_name).open(encoding="utf-8", newline="") as handle:
        return tuple(row["code"] for row in csv.DictReader(handle))
