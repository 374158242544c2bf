"""Rows of a workbook, a JSON file or a query, written as the UTF-8 CSV that standardising reads.

Column 0 (``__line``) is the row's line in the user's file (the Excel row number, the JSON line),
so every later message can name it. :func:`cell_text` turns a Python cell into the text a CSV
export would hold, refusing what cannot be trusted: a number of 16 or more digits (Excel keeps
15 significant digits, so an ID number stored as a number has already lost its last digits), a
nested JSON value, a NUL character.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from lakehouse.errors import MalformedSource

__all__ = ["LINE_COLUMN", "RowWriter", "cell_text"]

LINE_COLUMN = "__line"
_EXACT = 10**15  # doubles hold every integer below this exactly, and Excel shows 15 digits


def cell_text(value: Any, source_name: str, line: int, column: str) -> str:
    """The text of one cell; :class:`MalformedSource` for a value that cannot be trusted."""
    if value is None:
        return ""
    if isinstance(value, str):
        if "\x00" in value:
            raise MalformedSource(source_name, f"column {column}: a NUL character", line=line)
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | decimal.Decimal):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= _EXACT:
            raise MalformedSource(
                source_name,
                f"column {column}: a number of 16 or more digits stored as a number, which "
                "Excel cannot hold exactly (an ID number?): store the column as text",
                line=line,
                columns=(column,),
            )
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    kind = "a nested object" if isinstance(value, dict) else f"a {type(value).__name__} value"
    raise MalformedSource(
        source_name, f"column {column}: {kind}, not text or a number", line=line, columns=(column,)
    )


class RowWriter:
    """A UTF-8 CSV of ``__line`` and ``columns``, written row by row."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.path = path
        self.columns = tuple(columns)
        self.rows = 0
        self._handle = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle, lineterminator="\n")
        self._writer.writerow((LINE_COLUMN, *self.columns))

    def write(self, line: int, cells: Sequence[str]) -> None:
        self._writer.writerow((line, *cells))
        self.rows += 1

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._handle.close()
