"""JSON sources: an array of objects, or NDJSON (one object per line), read streaming.

Numbers keep the text they were written with (``parse_int``/``parse_float`` return the literal),
so an 18-digit ID number written as a JSON number loses nothing. Each object's keys are matched
to the contract's source columns (surrounding spaces ignored); a key the contract does not know is
listed as an extra column; a key absent from an object is an empty value. A nested object or array
is refused, naming the key and the line where the object starts. The array is parsed one element
at a time from a sliding buffer, so memory is bounded by the largest object (at most 16 MiB).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from lakehouse.errors import MalformedSource
from lakehouse.sources.rows import RowWriter, cell_text

__all__ = ["JsonRead", "read_json"]

_READ = 1 << 20
_MAX_RECORD = 16 << 20
_DECODER = json.JSONDecoder(parse_int=str, parse_float=str)
_SPACE = " \t\r\n"


@dataclass(frozen=True, slots=True)
class JsonRead:
    """The contract columns some object had, and the keys the contract does not know."""

    seen: frozenset[str]
    extra: tuple[str, ...]


def read_json(
    path: Path, source_name: str, kind: str, encoding: str, columns: Sequence[str], target: Path
) -> JsonRead:
    """Write the objects of ``path`` (``kind`` json or ndjson) to ``target`` as ``columns``."""
    keys = {column.strip(): i for i, column in enumerate(columns)}
    seen: set[str] = set()
    extra: dict[str, None] = {}
    codec = "utf-8-sig" if encoding in ("utf-8", "utf-8-sig") else encoding
    try:
        with path.open(encoding=codec, newline="") as handle, RowWriter(target, columns) as out:
            records = (
                _ndjson(handle, source_name) if kind == "ndjson" else _array(handle, source_name)
            )
            for line, record in records:
                cells = [""] * len(columns)
                for key, value in record.items():
                    at = keys.get(key.strip())
                    if at is None:
                        extra.setdefault(key.strip())
                        continue
                    seen.add(columns[at])
                    cells[at] = cell_text(value, source_name, line, key)
                out.write(line, cells)
            rows = out.rows
    except UnicodeDecodeError as exc:
        raise MalformedSource(
            source_name, f"bytes are not valid {encoding} ({exc.reason})"
        ) from None
    if rows == 0:
        raise MalformedSource(source_name, "the file holds no JSON objects")
    return JsonRead(frozenset(seen), tuple(extra))


def _object(value: Any, source_name: str, line: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedSource(source_name, "expected a JSON object", line=line)
    return value


def _ndjson(handle: TextIO, source_name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            value = _DECODER.decode(text)
        except json.JSONDecodeError as exc:
            raise MalformedSource(
                source_name, f"not valid JSON ({exc.msg}, column {exc.colno})", line=number
            ) from None
        yield number, _object(value, source_name, number)


def _array(handle: TextIO, source_name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    buffer = handle.read(_READ).lstrip("\ufeff")
    at = len(buffer) - len(buffer.lstrip(_SPACE))
    line = 1 + buffer.count("\n", 0, at)
    if buffer[at : at + 1] != "[":
        raise MalformedSource(source_name, "not a JSON array", line=line)
    at += 1
    first = True
    eof = False
    while True:
        if not eof and len(buffer) - at < _READ // 2:
            more = handle.read(_READ)
            eof = not more
            line += buffer.count("\n", 0, at)
            buffer, at = buffer[at:] + more, 0
        start = len(buffer) - len(buffer[at:].lstrip(_SPACE))
        line_at = line + buffer.count("\n", 0, start)
        char = buffer[start : start + 1]
        if not char and eof:
            raise MalformedSource(source_name, "the file ends inside the array", line=line_at)
        if char == "]":
            if buffer[start + 1 :].strip(_SPACE) or handle.read(1).strip(_SPACE):
                raise MalformedSource(source_name, "text after the end of the array", line=line_at)
            return
        if not first:
            if char != ",":
                raise MalformedSource(
                    source_name, "expected ',' or ']' between objects", line=line_at
                )
            start += 1
        try:
            begin = len(buffer) - len(buffer[start:].lstrip(_SPACE))
            value, end = _DECODER.raw_decode(buffer, begin)
        except json.JSONDecodeError as exc:
            if not eof and len(buffer) < _MAX_RECORD:
                more = handle.read(_READ)
                eof = not more
                buffer += more
                continue
            where = line + buffer.count("\n", 0, exc.pos)
            ended = not buffer[exc.pos :].strip(_SPACE)
            problem = "the file ends inside the array" if ended else exc.msg
            raise MalformedSource(source_name, f"not valid JSON ({problem})", line=where) from None
        obj_line = line + buffer.count("\n", 0, begin)
        yield obj_line, _object(value, source_name, obj_line)
        first = False
        at = end
