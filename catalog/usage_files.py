"""Usage and reconciliation reports as files an auditor opens in Excel: CSV and XLSX.

- **CSV**: UTF-8 with a byte-order mark by default (without it Excel on a Chinese Windows reads
  UTF-8 as GBK and shows mojibake); ``gbk`` for older tools, refused (422
  ``usage.encoding_unrepresentable``) when a name has a character GBK cannot hold (rare 生僻字 —
  ask for ``gb18030``, which holds all of Unicode, or UTF-8). CRLF line ends, as Excel writes.
- **XLSX**: openpyxl in write-only mode (rows streamed into the file, not held as cell objects),
  one sheet for the lines, one for the totals (usage), one for the filters the report was made
  with.

Free text in a report comes from departments (a request's purpose, a dataset's title), so it is
written as text, never as a formula: in CSV a cell starting with ``= + - @`` (or a tab or
carriage return) gets a leading ``'``, the usual defence against formula injection; in XLSX every
string cell is typed as a string, so ``=HYPERLINK(…)`` stays those characters. Characters XML
cannot carry (control characters) become U+FFFD.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from catalog.errors import InvalidInput
from catalog.usage_tables import Table

__all__ = [
    "ENCODINGS",
    "FileFormat",
    "RenderedFile",
    "csv_bytes",
    "parse_encoding",
    "parse_format",
    "xlsx_bytes",
]

Encoding = Literal["utf-8", "gbk", "gb18030"]
ENCODINGS: tuple[Encoding, ...] = ("utf-8", "gbk", "gb18030")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        if self is FileFormat.CSV:
            return "text/csv"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def parse_format(value: str | None) -> FileFormat:
    try:
        return FileFormat((value or "").strip().lower())
    except ValueError:
        raise InvalidInput("format must be csv or xlsx", code="usage.bad_format") from None


def parse_encoding(value: str | None) -> Encoding:
    text = (value or "utf-8").strip().lower().replace("_", "-")
    text = "utf-8" if text == "utf8" else text
    for known in ENCODINGS:
        if text == known:
            return known
    raise InvalidInput(
        "encoding must be utf-8, gbk or gb18030", code="usage.bad_encoding", value=text[:20]
    )


@dataclass(frozen=True, slots=True)
class RenderedFile:
    name: str
    media_type: str
    body: bytes
    row_count: int


def _csv_text(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_bytes(table: Table, encoding: Encoding = "utf-8") -> bytes:
    """The table's header and rows as CSV in ``encoding`` (UTF-8 with a BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_text(v) for v in row])
    text = out.getvalue()
    if encoding == "utf-8":
        return "\ufeff".encode() + text.encode("utf-8")
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        raise InvalidInput(
            f"line {line} has a character {encoding.upper()} cannot hold; ask for gb18030 or utf-8",
            code="usage.encoding_unrepresentable",
            line=line,
        ) from None


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    if value is None:
        return None
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return cell
    return value


def _write(
    sheet: WriteOnlyWorksheet, headers: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    sheet.append([_xlsx_cell(sheet, h) for h in headers])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    """One sheet per table (write-only workbook)."""
    book = Workbook(write_only=True)
    for table in tables:
        sheet = book.create_sheet(title=table.title[:31])
        _write(sheet, table.headers, table.rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
