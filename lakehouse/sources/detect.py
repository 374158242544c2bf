"""What a landed file is: its kind (CSV, XLSX, JSON, NDJSON) and, for text, its encoding.

Judged from the first 64 KiB and the contract's ``source:`` block, before a row is read:

* magic bytes first: a zip is an xlsx workbook only if it holds ``xl/workbook.xml``, otherwise
  "a zip archive, not …"; ELF, PDF, gzip, 7z, RAR, PNG, JPEG, an OLE2 document (.xls, or an
  encrypted xlsx) and any file with NUL or many control bytes are "not a text file";
* then the encoding: a byte-order mark decides; ``encoding: auto`` tries UTF-8, then GBK, then
  GB18030 on the sample; a declared encoding is checked against the sample, so a UTF-8 file
  declared GBK (which would decode into mojibake: 张三 → 寮犱笁) and a GBK line inside a UTF-8
  sample (mixed encodings) are refused with the line.

Messages name ``source_name``, the file the user gave, never the raw-zone hash name.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lakehouse.errors import MalformedSource
from schemas.source_format import SourceFormat

__all__ = ["SNIFF_BYTES", "Detected", "detect", "looks_utf8_cjk"]

SNIFF_BYTES = 1 << 16
_GB_FAMILY = {"gbk", "gb2312", "gb18030"}
_CJK = re.compile("[\u4e00-\u9fff]")
_UTF8_CJK_RUN = re.compile(rb"(?:[\xe4-\xe9][\x80-\xbf]{2}){2,}")
_CONTROL = bytes([*range(0, 9), 11, 14, *range(16, 26), *range(28, 32), 127])
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x7fELF", "an ELF executable"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"MZ", "a Windows executable"),
    (b"\xd0\xcf\x11\xe0", "an OLE2 document (an .xls workbook or an encrypted xlsx)"),
)
_WHAT = {
    "csv": "a CSV text file",
    "json": "a JSON text file",
    "ndjson": "an NDJSON text file",
    "xlsx": "an xlsx workbook",
    "sql": "a CSV extract",
    "auto": "a CSV, JSON or xlsx file",
}


@dataclass(frozen=True, slots=True)
class Detected:
    """The kind of a landed file and, for text, the codec it is read with ('' for xlsx)."""

    kind: str
    encoding: str


def detect(path: Path, source_name: str, source: SourceFormat) -> Detected:
    """The kind and encoding of ``path``, or :class:`MalformedSource` saying why it is not one
    the contract accepts."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    wanted = "csv" if source.format == "sql" else source.format
    what = _WHAT[source.format]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip(path, source_name, wanted, what)
    if wanted == "xlsx":
        raise MalformedSource(source_name, f"not an xlsx workbook ({_describe(head)})")
    if not head.strip():
        raise MalformedSource(source_name, "the file is empty")
    binary = _binary(head)
    if binary:
        nul = head.find(b"\x00")
        line = head[:nul].count(b"\n") + 1 if "NUL" in binary else None
        raise MalformedSource(
            source_name, f"not a text file ({binary}), expected {what}", line=line
        )
    kind = _text_kind(head, source_name, wanted)
    # a sql extract is written as UTF-8 by lakehouse.sources.database, whatever the contract says
    declared = "utf-8" if source.format == "sql" else source.encoding
    return Detected(kind, _encoding(head, source_name, declared))


def _zip(path: Path, source_name: str, wanted: str, what: str) -> Detected:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        raise MalformedSource(source_name, f"a damaged zip archive, not {what}") from None
    if "xl/workbook.xml" not in names:
        raise MalformedSource(source_name, f"a zip archive, not {what}")
    if wanted not in ("xlsx", "auto"):
        raise MalformedSource(
            source_name, f"an xlsx workbook, not {what} (the contract's source format)"
        )
    return Detected("xlsx", "")


def _describe(head: bytes) -> str:
    if not head.strip():
        return "the file is empty"
    return _binary(head) or "a text file"


def _binary(head: bytes) -> str:
    """Why ``head`` is not text ('' when it may be)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    nul = head.find(b"\x00")
    if nul >= 0:
        return f"it contains NUL bytes (byte {nul + 1})"
    control = sum(head.count(bytes([c])) for c in _CONTROL)
    if control > max(2, len(head) // 100):
        return "it is mostly control bytes"
    return ""


def _text_kind(head: bytes, source_name: str, wanted: str) -> str:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if wanted in ("json", "ndjson") or (wanted == "auto" and start in (b"[", b"{")):
        if start == b"[" and wanted != "ndjson":
            return "json"
        if start == b"{":
            return "ndjson"
        expected = "one JSON object per line" if wanted == "ndjson" else "a JSON array or objects"
        raise MalformedSource(source_name, f"not JSON: expected {expected}", line=1)
    return "csv"


def looks_utf8_cjk(sample: bytes) -> bool:
    """True when ``sample`` is UTF-8 (a character cut at its end allowed) holding CJK text."""
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return bool(_CJK.search(text))


def _valid(sample: bytes, codec: str) -> bool:
    try:
        codecs.getincrementaldecoder(codec)().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _encoding(head: bytes, source_name: str, declared: str) -> str:
    declared_codec = "auto" if declared.lower() == "auto" else _codec(declared)
    if head.startswith(codecs.BOM_UTF8):
        if declared_codec not in ("auto", "utf-8", "utf-8-sig"):
            raise MalformedSource(
                source_name,
                f"the file is UTF-8 (it starts with a byte-order mark) but the contract "
                f"declares {declared}",
            )
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if declared_codec not in ("auto", "utf-16"):
            raise MalformedSource(
                source_name, f"the file is UTF-16 but the contract declares {declared}"
            )
        return "utf-16"
    if declared_codec == "auto":
        for codec in ("utf-8", "gbk", "gb18030"):
            if _valid(head, codec):
                if codec != "utf-8":
                    _refuse_utf8_lines(head, source_name, codec)
                return codec
        _raise_undecodable(head, source_name, "utf-8, gbk or gb18030", "gb18030")
    if declared_codec in _GB_FAMILY:
        if looks_utf8_cjk(head):
            raise MalformedSource(
                source_name,
                f"the contract declares {declared} but the file is UTF-8 "
                "(re-export it as declared, or change the contract's source encoding)",
            )
        _refuse_utf8_lines(head, source_name, declared)
    if declared_codec == "utf-8" and not _valid(head, "utf-8"):
        hint = "; the file looks like GBK" if _valid(head, "gb18030") else ""
        _raise_undecodable(head, source_name, f"utf-8{hint}", "utf-8")
    return declared_codec


def _refuse_utf8_lines(head: bytes, source_name: str, declared: str) -> None:
    """UTF-8 text among GBK text (mixed encodings) in the sample, refused with its line: two or
    more UTF-8 CJK characters in a row, a byte pattern that GBK text does not produce (none in
    3.5 MB of generated GBK names, companies and addresses), and that GBK would decode without
    error into mojibake. Past the sample it is not looked for (a regex over every byte would
    cost more than the transcoding)."""
    found = _UTF8_CJK_RUN.search(head)
    if found:
        raise MalformedSource(
            source_name,
            f"mixed encodings: this line has UTF-8 text, the file is {declared}",
            line=head.count(b"\n", 0, found.start()) + 1,
        )


def _raise_undecodable(head: bytes, source_name: str, what: str, codec: str) -> None:
    try:
        codecs.getincrementaldecoder(codec)().decode(head, final=False)
    except UnicodeDecodeError as exc:
        line = head[: exc.start].count(b"\n") + 1
        raise MalformedSource(
            source_name, f"bytes are not valid {what} (byte {exc.start + 1})", line=line
        ) from None
    raise MalformedSource(source_name, f"bytes are not valid {what}")


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name.replace("_", "-")
    except LookupError:
        raise MalformedSource("contract", f"encoding '{name}' is not supported") from None
