"""Standardise a landed CSV: decode, map headers to contract fields, normalise and type, in DuckDB.

The header line is read here (a few bytes, to match its columns to ``FieldSpec.source_column``
tolerating surrounding spaces, full-width spaces and a BOM); every data row is read by DuckDB's
``read_csv`` with the sniffer off, every column VARCHAR and strict mode on, so a ragged row or an
unterminated quote is an error with its line number rather than a guess. Normalisation is one SQL
projection built from the contract (``normalised_text``/``typed_column`` in
:mod:`lakehouse.normalise`), never Python per row.

Encodings: the contract names a Python codec (``gbk``, ``gb18030``, ``utf-8`` …). A file that is
not UTF-8 is transcoded to a temporary UTF-8 copy in Python, streaming, with a strict decoder, so
an undecodable byte is refused with its line number; DuckDB then reads UTF-8, the one encoding its
CSV reader handles natively. (DuckDB's ``encodings`` extension was tried and rejected: its GBK
converter misdecodes a character that straddles its 32 MB read buffer, refusing valid files, and
it decodes ~16× slower than Python's codec.) A file that is really UTF-8 but declared GBK is
refused: its bytes are often *valid* GBK that decodes to mojibake (张三 → 寮犱笁), so we check a
sample for UTF-8 CJK text first.

A typed column whose non-empty text fails its ``TRY_CAST`` becomes NULL *and* its field name is
listed in ``_cast_errors``, so the publish step can quarantine it instead of losing the value.
``_row`` is the 1-based data-row number in the source file (``WITH ORDINALITY``; DuckDB keeps
insertion order, so the Parquet file is in source order too).

The output is one Parquet file, ``staging_dir/<batch_id>.parquet``, written under a temporary name
and renamed, so it is either complete or absent.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from catalog.settings import Settings
from lakehouse.connection import connect, quote_ident, quote_literal
from lakehouse.errors import LakehouseError, MalformedSource
from lakehouse.normalise import (
    FULL_WIDTH,
    HALF_WIDTH,
    STRIP,
    normalised_text,
    sql_string,
    typed_column,
)
from schemas.loader import DatasetContract

__all__ = [
    "Staged",
    "normalised_text",
    "staging_path_for",
    "standardize",
    "typed_column",
]

_GB_FAMILY = {"gbk", "cp936", "gb2312", "gb18030"}
_TRANSCODE_CHUNK = 1 << 22  # 4 MiB of source bytes at a time

_HEADER_LIMIT = 1 << 20  # a header line longer than 1 MiB is not a header
_SNIFF_BYTES = 1 << 16
_CJK = re.compile("[\u4e00-\u9fff]")
_DUCKDB_LINE = re.compile(r"CSV Error on Line: (\d+)")


@dataclass(frozen=True, slots=True)
class Staged:
    """A standardised batch: one Parquet file of ``_row``, the fields and ``_cast_errors``."""

    staging_path: Path
    rows_in: int
    columns: tuple[str, ...]
    extra_columns: tuple[str, ...] = ()
    """Header columns the contract does not know: ignored, listed for the steward."""


def staging_path_for(settings: Settings, batch_id: int) -> Path:
    return settings.staging_dir / f"{batch_id}.parquet"


def standardize(
    settings: Settings, contract: DatasetContract, batch_id: int, raw_path: Path
) -> Staged:
    """Read ``raw_path`` as ``contract`` declares and write its standardised Parquet file."""
    name = raw_path.name
    codec = _codec(contract)
    header = _read_header(
        raw_path, "utf-8-sig" if codec == "utf-8" else codec, contract.source.delimiter
    )
    if contract.source.encoding.lower() in _GB_FAMILY:
        _refuse_utf8(raw_path, contract.source.encoding)
    positions, extra = _match_header(name, header, contract)

    target = staging_path_for(settings, batch_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    utf8_copy = target.with_name(f".{target.name}.{uuid.uuid4().hex}.utf8.csv")
    try:
        readable = raw_path
        if codec != "utf-8":
            _transcode(raw_path, codec, utf8_copy)
            readable = utf8_copy
        select_sql = _select_sql(readable, contract, len(header), positions)
        with connect(settings, lake=False) as con:
            try:
                row = con.execute(
                    f"COPY ({select_sql}) TO '{quote_literal(str(temp))}' "
                    "(FORMAT parquet, COMPRESSION zstd)"
                ).fetchone()
            except duckdb.InvalidInputException as exc:
                raise _malformed(name, contract, exc) from exc
        rows_in = int(row[0]) if row else 0
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
        utf8_copy.unlink(missing_ok=True)
    return Staged(target, rows_in, contract.field_names, extra)


def _select_sql(
    raw_path: Path,
    contract: DatasetContract,
    width: int,
    positions: dict[str, int],
) -> str:
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    reader = (
        f"read_csv('{quote_literal(str(raw_path))}', encoding='utf-8', "
        f"delim={sql_string(contract.source.delimiter)}, quote='\"', escape='\"', "
        f"header=true, skip=0, auto_detect=false, strict_mode=true, all_varchar=true, "
        f"columns={{{columns}}}) WITH ORDINALITY"
    )
    texts: list[str] = []
    finals: list[str] = []
    errors: list[str] = []
    for spec in contract.fields:
        field = quote_ident(spec.name)
        text_name = quote_ident(f"__text_{spec.name}")
        # An optional field absent from the header is NULL in every row.
        raw = f"c{positions[spec.name]}" if spec.name in positions else "CAST(NULL AS VARCHAR)"
        texts.append(f"{normalised_text(spec, raw)} AS {text_name}")
        typed = typed_column(spec, text_name)
        if typed is None:
            finals.append(f"{text_name} AS {field}")
        else:
            finals.append(f"{typed} AS {field}")
            errors.append(
                f"CASE WHEN {text_name} IS NOT NULL AND {typed} IS NULL "
                f"THEN {sql_string(spec.name)} END"
            )
    cast_errors = f"list_filter([{', '.join(errors)}], e -> e IS NOT NULL)" if errors else "[]"
    return (
        f"SELECT CAST(ordinality AS BIGINT) AS _row, {', '.join(finals)}, "
        f"CAST({cast_errors} AS VARCHAR[]) AS _cast_errors "
        f"FROM (SELECT ordinality, {', '.join(texts)} FROM {reader})"
    )


# -- reading the header and explaining failures --------------------------------------------------


def _codec(contract: DatasetContract) -> str:
    """The Python codec for the contract's declared encoding, normalised (``utf-8``, ``gbk`` …)."""
    try:
        return codecs.lookup(contract.source.encoding).name.replace("_", "-")
    except LookupError:
        raise LakehouseError(
            f"contract {contract.code}: encoding '{contract.source.encoding}' is not supported"
        ) from None


def _transcode(source: Path, codec: str, target: Path) -> None:
    """Stream ``source`` from ``codec`` into a UTF-8 file, refusing the first undecodable byte
    with its line number (lines map one to one, so DuckDB's line numbers stay the source's)."""
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    offset = 0
    newlines = 0
    with source.open("rb") as reader, target.open("wb") as writer:
        while True:
            chunk = reader.read(_TRANSCODE_CHUNK)
            final = not chunk
            try:
                writer.write(decoder.decode(chunk, final=final).encode("utf-8"))
            except UnicodeDecodeError as exc:
                # exc.object is the decoder's pending bytes (part of one character, never a
                # newline) followed by this chunk
                pending = len(exc.object) - len(chunk)
                at = offset - pending + exc.start
                line = newlines + exc.object[: exc.start].count(b"\n") + 1
                raise MalformedSource(
                    source.name, f"bytes are not valid {codec} (byte {at + 1})", line=line
                ) from None
            if final:
                return
            offset += len(chunk)
            newlines += chunk.count(b"\n")


def _read_header(raw_path: Path, encoding: str, delimiter: str) -> list[str]:
    name = raw_path.name
    with raw_path.open("rb") as handle:
        head = handle.read(_HEADER_LIMIT)
    if not head.strip():
        raise MalformedSource(name, "the file is empty")
    end = head.find(b"\n")
    if end < 0 and len(head) == _HEADER_LIMIT:
        raise MalformedSource(name, "no header line in the first 1 MiB", line=1)
    line = head if end < 0 else head[:end]
    try:
        text = line.decode(encoding)
    except UnicodeDecodeError as exc:
        raise MalformedSource(
            name,
            f"the header is not valid {encoding} (byte {exc.start + 1}){_utf8_hint(head)}",
            line=1,
        ) from None
    return next(csv.reader(io.StringIO(text.rstrip("\r")), delimiter=delimiter))


def _header_key(value: str) -> str:
    return value.translate(str.maketrans(FULL_WIDTH, HALF_WIDTH)).strip(STRIP)


def _match_header(
    name: str, header: list[str], contract: DatasetContract
) -> tuple[dict[str, int], tuple[str, ...]]:
    """Field name → header position, and the header columns the contract does not use."""
    keys = [_header_key(h) for h in header]
    duplicates = sorted({k for k in keys if keys.count(k) > 1 and k})
    if duplicates:
        raise MalformedSource(
            name,
            f"duplicate header columns: {', '.join(duplicates)}",
            line=1,
            columns=tuple(duplicates),
        )
    index = {k: i for i, k in enumerate(keys)}
    positions: dict[str, int] = {}
    missing: list[str] = []
    for spec in contract.fields:
        key = _header_key(spec.source_column)
        if key in index:
            positions[spec.name] = index[key]
        elif spec.required:
            missing.append(spec.source_column)
    if missing:
        raise MalformedSource(
            name,
            f"missing required columns: {', '.join(missing)} "
            f"(contract {contract.code}, encoding {contract.source.encoding})",
            line=1,
            columns=tuple(missing),
        )
    used = set(positions.values())
    extra = tuple(header[i].strip(STRIP) for i in range(len(header)) if i not in used)
    return positions, extra


def _utf8_hint(sample: bytes) -> str:
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return ""
    return "; the file looks like UTF-8" if _CJK.search(text) else ""


def _refuse_utf8(raw_path: Path, declared: str) -> None:
    """Refuse a UTF-8 file declared GBK/GB18030 before it decodes into plausible mojibake."""
    with raw_path.open("rb") as handle:
        sample = handle.read(_SNIFF_BYTES)
    if _utf8_hint(sample):
        raise MalformedSource(
            raw_path.name,
            f"the contract declares {declared} but the file is UTF-8 "
            "(re-export it as declared, or change the contract's source encoding)",
        )


def _malformed(name: str, contract: DatasetContract, exc: duckdb.Error) -> MalformedSource:
    """Turn DuckDB's CSV error into a message naming the file and line, without quoting data."""
    message = str(exc)
    found = _DUCKDB_LINE.search(message)
    line = int(found.group(1)) if found else None
    columns = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if columns:
        problem = f"expected {columns.group(1)} columns, found {columns.group(2)}"
    elif "Invalid unicode" in message:
        problem = f"bytes are not valid {contract.source.encoding}"
    elif "unterminated quote" in message:
        problem = "a quoted value is not terminated"
    else:
        problem = f"cannot be read as CSV ({message.splitlines()[0]})"
    return MalformedSource(name, problem, line=line)
