"""XLSX workbooks: checked as hostile zip archives, then read with python-calamine.

Before calamine opens a workbook, its zip directory is checked: more than 1 GiB declared, or a
member over 32 MiB that expands more than 100-fold, is a zip bomb; ``xl/vbaProject.bin`` is a
macro; ``xl/externalLinks/`` are links to other workbooks, whose cached values may be stale. Each
refuses the file. A formula cell in the sheet read is refused too (its value is whatever Excel
last cached, or nothing when another program wrote the file), naming its cell and row, unless
the contract says ``formula_cells: allow``.

The sheet is the contract's ``sheet:`` or the first; the header is row ``header_line`` (Excel's
row number, so title rows above it are skipped); empty rows are skipped; a value to the right of
the last header column is refused. Rows go to a :class:`~lakehouse.sources.rows.RowWriter` with
their Excel row numbers. Calamine holds one sheet in memory (Excel's limit is 1,048,576 rows).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

import python_calamine as calamine

from lakehouse.errors import MalformedSource
from lakehouse.sources.rows import RowWriter, cell_text
from schemas.source_format import SourceFormat

__all__ = ["XlsxRead", "read_xlsx"]

MAX_EXPANDED = 1 << 30
BOMB_MEMBER = 32 << 20
BOMB_RATIO = 100
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_FORMULA = re.compile(rb'<c r="([A-Z]+)([0-9]+)"[^>]*>\s*<f[ >/]')
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class XlsxRead:
    """What was read: the sheet's name and its header cells."""

    sheet: str
    header: tuple[str, ...]


def read_xlsx(path: Path, source_name: str, source: SourceFormat, target: Path) -> XlsxRead:
    """Check ``path`` and write its sheet's rows to ``target`` (see the module docstring)."""
    try:
        with zipfile.ZipFile(path) as archive:
            _check_archive(archive, source_name)
            sheets = _sheet_parts(archive, source_name)
            sheet_name = source.sheet or (next(iter(sheets)) if sheets else "")
            if sheet_name not in sheets:
                raise MalformedSource(
                    source_name, f"no sheet named {sheet_name} (sheets: {', '.join(sheets)})"
                )
            if source.formula_cells == "refuse":
                _refuse_formulas(archive, sheets[sheet_name], sheet_name, source_name)
        workbook = calamine.CalamineWorkbook.from_path(str(path))
        rows = workbook.get_sheet_by_name(sheet_name).iter_rows()
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        KeyError,
        OSError,
        ValueError,
        NotImplementedError,
        calamine.CalamineError,
    ) as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MalformedSource(source_name, f"a damaged xlsx workbook ({problem})") from None
    return XlsxRead(sheet_name, _write_rows(rows, source_name, source, sheet_name, target))


def _write_rows(
    rows: Iterator[list[Any]], source_name: str, source: SourceFormat, sheet: str, target: Path
) -> tuple[str, ...]:
    """The sheet's rows from ``header_line`` on, to ``target``; the header cells returned."""
    header: list[str] = []
    names: list[str] = []
    writer: RowWriter | None = None
    try:
        for number, cells in enumerate(rows, start=1):
            if number < source.header_line:
                continue
            if number == source.header_line:
                header = [cell_text(c, source_name, number, "header") for c in cells]
                while header and not header[-1].strip():
                    header.pop()
                if not header:
                    raise MalformedSource(source_name, "the header row is empty", line=number)
                writer = RowWriter(target, header)
                names = [h.strip() or _column(i) for i, h in enumerate(header)]
                continue
            assert writer is not None
            texts = [
                cell_text(c, source_name, number, names[i] if i < len(names) else _column(i))
                for i, c in enumerate(cells)
            ]
            if not any(t.strip() for t in texts):
                continue
            if any(t.strip() for t in texts[len(header) :]):
                raise MalformedSource(
                    source_name,
                    f"sheet {sheet}: a value right of the last header column",
                    line=number,
                )
            writer.write(number, (texts + [""] * len(header))[: len(header)])
    finally:
        if writer is not None:
            writer.__exit__(None, None, None)
    if writer is None:
        raise MalformedSource(
            source_name, f"sheet {sheet} has no row {source.header_line} (the header)"
        )
    if writer.rows == 0:
        raise MalformedSource(
            source_name, "the sheet has a header but no data rows", line=source.header_line
        )
    return tuple(header)


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _check_archive(archive: zipfile.ZipFile, source_name: str) -> None:
    members = archive.infolist()
    if sum(m.file_size for m in members) > MAX_EXPANDED:
        raise MalformedSource(source_name, "expands to more than 1 GiB (a zip bomb?)")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > BOMB_MEMBER and ratio > BOMB_RATIO:
            raise MalformedSource(
                source_name, f"{member.filename} expands {ratio:.0f}-fold (a zip bomb?)"
            )
        if member.filename.lower().endswith("vbaproject.bin"):
            raise MalformedSource(
                source_name, "the workbook contains macros (VBA): save it as a plain .xlsx"
            )
        if member.filename.startswith("xl/externalLinks/"):
            raise MalformedSource(
                source_name,
                "the workbook has external links to other workbooks, whose values may be "
                "stale: paste the values and save it again",
            )


def _sheet_parts(archive: zipfile.ZipFile, source_name: str) -> dict[str, str]:
    """Sheet name → the zip member holding it, in workbook order."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        raise MalformedSource(source_name, "a damaged xlsx workbook (no sheet list)") from None
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("p:Relationship", _NS)}
    parts: dict[str, str] = {}
    for sheet in book.findall("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        parts[sheet.get("name", "")] = str(PurePosixPath(member))
    return parts


def _refuse_formulas(archive: zipfile.ZipFile, member: str, sheet: str, source_name: str) -> None:
    """Stream the sheet's XML looking for a formula element (``<f>``)."""
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            data = tail + chunk
            found = _FORMULA.search(data)
            if found:
                column, row = found.group(1).decode(), int(found.group(2))
                raise MalformedSource(
                    source_name,
                    f"sheet {sheet}, cell {column}{row} holds a formula: export the values "
                    "(or the contract may say formula_cells: allow)",
                    line=row,
                )
            tail = data[-512:]
