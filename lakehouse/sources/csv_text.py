"""CSV text: the header line, streaming transcoding to UTF-8, and DuckDB's errors explained.

DuckDB reads every data row (``read_csv`` with the sniffer off, all VARCHAR, strict mode), so a
ragged row or an unterminated quote is an error rather than a guess; this module reads only the
few lines it needs in Python to lay the reader out:

* the header is line ``header_line`` of the contract (lines above it, a title for instance, are
  skipped); ``delimiter: auto`` picks the most frequent of ``, ; tab |`` in it;
* a delimiter at the end of every data line but not of the header (a common export quirk) gives
  the reader one more, unnamed column, which must stay empty;
* quoted newlines and CRLF are DuckDB's to read; DuckDB counts records, not lines, so a line
  number it reports is turned back into the file's line by re-reading the file up to that row
  (on the error path only).

Files that are not UTF-8 are transcoded to a UTF-8 copy in Python, streaming, with a strict
decoder (line for line, so line numbers stay the source's). DuckDB's ``encodings`` extension was
tried and rejected: its GBK converter misdecodes a character that straddles its 32 MB read
buffer, refusing valid files, and it decodes ~16× slower than Python's codec.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lakehouse.errors import MalformedSource
from lakehouse.normalise import sql_string
from lakehouse.sources.detect import looks_utf8_cjk
from schemas.source_format import SourceFormat

__all__ = [
    "CsvLayout",
    "check_utf8_bytes",
    "explain",
    "layout",
    "physical_line",
    "reader_sql",
    "transcode",
]

HEAD_LIMIT = 1 << 20  # the header line and the first data line must fit in 1 MiB
LINE_LIMIT = 1 << 20  # a record longer than this is refused (a huge field)
_TRANSCODE_CHUNK = 1 << 22  # 4 MiB of source bytes at a time
_CANDIDATES = (",", "\t", ";", "|")
_DUCKDB_LINE = re.compile(r"CSV Error on Line: (\d+)")
_SHOWN = {"\t": "tab"}


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """How DuckDB is to read a UTF-8 CSV: header cells, delimiter, width, lines to skip."""

    header: tuple[str, ...]
    delimiter: str
    width: int
    skip: int = 0
    hint: str = ""
    """Said beside a header problem, e.g. that another delimiter looks likelier."""


def layout(path: Path, source_name: str, codec: str, source: SourceFormat) -> CsvLayout:
    """Read the header (and the first data line) of ``path`` decoded with ``codec``."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_LIMIT)
    try:
        text = codecs.getincrementaldecoder(codec)().decode(head, final=len(head) < HEAD_LIMIT)
    except UnicodeDecodeError as exc:
        # a bad byte below the first data line is the transcoder's to report, with its line
        line = head[: exc.start].count(b"\n") + 1
        text = head[: exc.start].decode(codec, errors="ignore")
        if line <= source.header_line + 1:
            raise MalformedSource(
                source_name, f"bytes are not valid {codec} (byte {exc.start + 1})", line=line
            ) from None
        text = text[: text.rfind("\n")]
    lines = text.lstrip("\ufeff").split("\n")
    index = source.header_line - 1
    if index >= len(lines) or (index == len(lines) - 1 and len(head) == HEAD_LIMIT):
        raise MalformedSource(
            source_name, f"no header line (the contract puts it on line {source.header_line})"
        )
    header_text = lines[index].rstrip("\r")
    if not header_text.strip():
        raise MalformedSource(source_name, "the header line is empty", line=source.header_line)
    delimiter = _delimiter(header_text, source.delimiter)
    header = _cells(header_text, delimiter)
    if not header:
        raise MalformedSource(
            source_name, "the header line cannot be read as CSV", line=source.header_line
        )
    width = len(header)
    data = [line.rstrip("\r") for line in lines[index + 1 :] if line.strip()]
    if not data:
        raise MalformedSource(
            source_name, "the file has a header but no data rows", line=source.header_line
        )
    first = _cells(data[0], delimiter) or []
    if header[-1] != "" and len(first) == width + 1 and first[-1] == "":
        width += 1  # a trailing delimiter on the data lines only
    return CsvLayout(
        tuple(header), delimiter, width, index, _delimiter_hint(header_text, delimiter, width)
    )


def _cells(line: str, delimiter: str) -> list[str] | None:
    """The cells of one line of CSV (None when it is not one: a stray CR, an open quote)."""
    try:
        return next(csv.reader(io.StringIO(line, newline=""), delimiter=delimiter, strict=True), [])
    except csv.Error:
        return None


def _delimiter(header: str, declared: str) -> str:
    if declared != "auto":
        return declared
    counts = {c: header.count(c) for c in _CANDIDATES}
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] else ","


def _delimiter_hint(header: str, delimiter: str, width: int) -> str:
    if width > 1:
        return ""
    for other in _CANDIDATES + ("，",):
        if other != delimiter and other in header:
            shown, declared = _SHOWN.get(other, other), _SHOWN.get(delimiter, delimiter)
            return f"; the header has one column: the file looks delimited by '{shown}', " + (
                f"not '{declared}'"
            )
    return ""


def reader_sql(path: Path, plan: CsvLayout) -> str:
    """``read_csv(...) WITH ORDINALITY`` of ``path`` (UTF-8) as columns ``c0`` … all VARCHAR."""
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(plan.width))
    literal = str(path).replace("'", "''")
    return (
        f"read_csv('{literal}', encoding='utf-8', delim={sql_string(plan.delimiter)}, "
        f"quote='\"', escape='\"', header=true, skip={plan.skip}, auto_detect=false, "
        f"strict_mode=true, all_varchar=true, max_line_size={LINE_LIMIT}, "
        f"columns={{{columns}}}) WITH ORDINALITY"
    )


def transcode(source: Path, source_name: str, codec: str, target: Path) -> None:
    """Stream ``source`` from ``codec`` into a UTF-8 file, refusing the first undecodable byte
    or NUL character with its line number (lines map one to one)."""
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    offset = 0
    newlines = 0
    with source.open("rb") as reader, target.open("wb") as writer:
        while True:
            chunk = reader.read(_TRANSCODE_CHUNK)
            final = not chunk
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                # exc.object is the decoder's pending bytes (part of one character, never a
                # newline) followed by this chunk
                pending = len(exc.object) - len(chunk)
                at = offset - pending + exc.start
                line = newlines + exc.object[: exc.start].count(b"\n") + 1
                problem = (
                    f"the file ends in the middle of a {codec} character (truncated?)"
                    if final
                    else f"bytes are not valid {codec} (byte {at + 1}){_utf8_hint(exc.object)}"
                )
                raise MalformedSource(source_name, problem, line=line) from None
            nul = text.find("\x00")
            if nul >= 0:
                line = newlines + text[:nul].count("\n") + 1
                raise MalformedSource(source_name, "not a text file (a NUL byte)", line=line)
            writer.write(text.encode("utf-8"))
            if final:
                return
            offset += len(chunk)
            newlines += chunk.count(b"\n")


def _utf8_hint(data: bytes) -> str:
    return "; that part looks like UTF-8 (mixed encodings?)" if looks_utf8_cjk(data[:4096]) else ""


def physical_line(path: Path, plan: CsvLayout, data_row: int, *, blanks: bool = False) -> int:
    """The line of ``path`` (UTF-8) on which data row ``data_row`` (1-based) starts; blank
    lines count as rows when ``blanks`` (as in DuckDB's error messages), not otherwise (as in
    ``WITH ORDINALITY``)."""
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        for _ in range(plan.skip):
            handle.readline()
        reader = csv.reader(handle, delimiter=plan.delimiter)
        last = 0
        row_number = -1  # the header is row 0
        try:
            for cells in reader:
                if cells or blanks:
                    row_number += 1
                    if row_number == data_row:
                        return plan.skip + last + 1
                last = reader.line_num
        except csv.Error:
            pass
    return plan.skip + last + 1


def explain(
    exc: duckdb.Error, source_name: str, codec: str, readable: Path, plan: CsvLayout
) -> MalformedSource:
    """DuckDB's CSV error as a message naming the user's file and line, quoting no data."""
    message = str(exc)
    found = _DUCKDB_LINE.search(message)
    line = None
    if found:
        data_row = int(found.group(1)) - plan.skip - 1
        line = (
            physical_line(readable, plan, data_row, blanks=True) if data_row > 0 else plan.skip + 1
        )
    columns = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if columns:
        problem = f"expected {columns.group(1)} columns, found {columns.group(2)}"
    elif "Invalid unicode" in message:
        problem = f"bytes are not valid {codec} (mixed encodings?)"
    elif "unterminated quote" in message:
        problem = "a quoted value is not terminated"
    elif "Maximum line size" in message:
        problem = f"a line longer than {LINE_LIMIT >> 20} MiB (a huge field?)"
    else:
        problem = f"cannot be read as CSV ({message.splitlines()[0]})"
    return MalformedSource(source_name, problem, line=line)


def check_utf8_bytes(path: Path, source_name: str) -> None:
    """What DuckDB would let through in a UTF-8 file: a NUL byte, or a last character cut short
    (a truncated file); refused with the line. One pass of ``bytes.find``, about 0.2 s a GB."""
    newlines = 0
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_TRANSCODE_CHUNK):
            nul = chunk.find(b"\x00")
            if nul >= 0:
                line = newlines + chunk.count(b"\n", 0, nul) + 1
                raise MalformedSource(source_name, "not a text file (a NUL byte)", line=line)
            newlines += chunk.count(b"\n")
            tail = (tail + chunk)[-4:]
    start = len(tail)
    while start > 0 and 0x80 <= tail[start - 1] <= 0xBF:
        start -= 1
    last = tail[max(start - 1, 0) :] if start > 0 and tail[start - 1] >= 0xC0 else b""
    if last:
        try:
            last.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedSource(
                source_name,
                "the file ends in the middle of a UTF-8 character (truncated?)",
                line=newlines + 1,
            ) from None
