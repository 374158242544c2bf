"""A code-list file (代码表) as uploaded: bytes → entries, or a refusal naming the line and why.

The file is CSV with the header ``code,label`` or ``code,label,parent``, in UTF-8 (a BOM is
dropped) or GBK/GB18030 (what a spreadsheet saved on a Chinese Windows writes). Parsing is
pure and whole: the caller gets every entry or an error, never a part, so nothing is stored from
a file that fails anywhere.

Normalisation: a code is NFKC-folded (full-width ``０１`` is ``01``, ``Ａ`` is ``A``) and trimmed,
then must match ``[0-9A-Za-z][0-9A-Za-z._-]{0,63}``; a label is trimmed (an ideographic space
too) and kept as written, Chinese punctuation and all. The header is folded the same way, so a
full-width ``ｃｏｄｅ`` header is accepted.

Refusals are :class:`catalog.errors.InvalidInput` (``TooLarge`` for size) with these codes, the
message naming the line (1 is the header):

==============================  ===============================================================
``code_list.too_large``         more than :data:`MAX_BYTES` bytes or :data:`MAX_ENTRIES` rows
``code_list.bad_encoding``      neither UTF-8 nor GB18030 (of which GBK is a part); or a NUL
``code_list.bad_header``        the first line is not ``code,label`` (or ``code,label,parent``)
``code_list.bad_row``           a line with the wrong number of columns, or CSV it cannot read
``code_list.bad_code``          an empty or malformed code
``code_list.bad_label``         an empty label, or one over 200 characters
``code_list.duplicate_code``    a code given twice (after folding), naming both lines
``code_list.unknown_parent``    a parent that is not a code of the same list
``code_list.empty``             a header and no codes
==============================  ===============================================================
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from catalog.errors import InvalidInput, TooLarge

__all__ = ["MAX_BYTES", "MAX_ENTRIES", "ParsedEntry", "decode", "parse_code_list"]

MAX_BYTES = 4 * 1024 * 1024
"""The largest code-list file accepted (GB/T 2260, the largest shipped, is about 250 KB)."""
MAX_ENTRIES = 100_000
_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")
_LABEL_MAX = 200
_BLANK = " \t\r\n\u3000\ufeff"


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    line: int
    code: str
    label: str
    parent: str = ""


def _refuse(line: int, reason: str, code: str) -> InvalidInput:
    return InvalidInput(f"line {line}: {reason}", code=code, line=line)


def decode(data: bytes) -> str:
    """The text of ``data``: UTF-8 (BOM dropped), else GB18030; refused when neither."""
    if len(data) > MAX_BYTES:
        raise TooLarge(
            f"a code list may be at most {MAX_BYTES} bytes; this one is {len(data)}",
            code="code_list.too_large",
            max_bytes=MAX_BYTES,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise _refuse(
                line, "the file is neither UTF-8 nor GBK/GB18030 text", "code_list.bad_encoding"
            ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise _refuse(line, "the file holds a NUL character", "code_list.bad_encoding")
    return text


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip(_BLANK)


def _header(row: list[str]) -> bool:
    """True when the header has a ``parent`` column; refused when it is not a known header."""
    names = [_fold(cell).lower() for cell in row]
    if names == ["code", "label"]:
        return False
    if names == ["code", "label", "parent"]:
        return True
    raise _refuse(
        1,
        f"the header must be 'code,label' or 'code,label,parent', not {','.join(names)!r}",
        "code_list.bad_header",
    )


def _entry(line: int, row: list[str], width: int) -> ParsedEntry:
    if len(row) != width:
        raise _refuse(line, f"expected {width} columns, found {len(row)}", "code_list.bad_row")
    code = _fold(row[0])
    if not _CODE.fullmatch(code):
        raise _refuse(
            line,
            f"code {code!r} is not 1-64 letters, digits, '.', '_' or '-' (starting with a "
            "letter or digit)",
            "code_list.bad_code",
        )
    label = row[1].strip(_BLANK)
    if not label or len(label) > _LABEL_MAX:
        raise _refuse(
            line, f"the label of {code!r} is empty or over {_LABEL_MAX} characters",
            "code_list.bad_label",
        )  # fmt: skip
    parent = _fold(row[2]) if width == 3 else ""
    return ParsedEntry(line, code, label, parent)


def parse_code_list(data: bytes) -> tuple[ParsedEntry, ...]:
    """Every entry of the code-list file ``data``, in file order, or a refusal (see above)."""
    reader = csv.reader(io.StringIO(decode(data), newline=""), strict=True)
    entries: list[ParsedEntry] = []
    seen: dict[str, int] = {}
    width = 0
    try:
        for row in reader:
            line = reader.line_num
            if width == 0:
                width = 3 if _header(row) else 2
                continue
            if not row or all(not cell.strip(_BLANK) for cell in row):
                continue  # a blank line (a trailing newline, a spreadsheet's empty row)
            entry = _entry(line, row, width)
            if entry.code in seen:
                raise _refuse(
                    line,
                    f"code {entry.code!r} is already on line {seen[entry.code]}",
                    "code_list.duplicate_code",
                )
            seen[entry.code] = line
            entries.append(entry)
            if len(entries) > MAX_ENTRIES:
                raise TooLarge(
                    f"a code list may hold at most {MAX_ENTRIES} codes",
                    code="code_list.too_large",
                )
    except csv.Error as exc:
        raise _refuse(reader.line_num, f"not readable as CSV: {exc}", "code_list.bad_row") from None
    if width == 0:
        raise _refuse(
            1, "the file is empty: it needs the header 'code,label'", "code_list.bad_header"
        )
    if not entries:
        raise _refuse(2, "the file has a header and no codes", "code_list.empty")
    for entry in entries:
        if entry.parent and entry.parent not in seen:
            raise _refuse(
                entry.line,
                f"parent {entry.parent!r} of {entry.code!r} is not a code of this list",
                "code_list.unknown_parent",
            )
    return tuple(entries)
