"""A table or query from any SQLAlchemy URL, extracted incrementally into a CSV file to land.

:func:`extract` runs ``SELECT *`` over the contract's ``source.table`` (or its ``source.query``
as a subquery), only rows whose ``source.watermark`` column is greater than ``since`` when one is
given, ordered by the watermark, streamed ``chunk`` rows at a time into a CSV with a header of the
result's column names (written under a temporary name and renamed): UTF-8 and commas by default,
or the ``encoding`` and ``delimiter`` the dataset's contract reads its CSV extracts in, with
``title_lines`` lines above the header when the contract's ``header_line`` skips some. That file
is landed like any delivered file, so the raw zone keeps exactly what was read. A value the
encoding cannot hold refuses the extract, naming its row and column. The returned watermark (the
largest value read, as text) is what the next extract continues from: persisting it is the
caller's part (``lakehouse.db_ingest``). Identifiers are quoted by the database's own dialect;
``since`` is a bound parameter.
"""

from __future__ import annotations

import csv
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from lakehouse.errors import MalformedSource
from lakehouse.sources.rows import cell_text
from schemas.source_format import SourceFormat

__all__ = ["Extract", "extract"]


@dataclass(frozen=True, slots=True)
class Extract:
    """The extract file written, its row count, and the watermark to continue from."""

    path: Path
    rows: int
    watermark: str | None


def _statement(engine: sa.Engine, source: SourceFormat, since: str | None) -> sa.TextClause:
    quote = engine.dialect.identifier_preparer.quote
    if source.table:
        relation = ".".join(quote(part) for part in source.table.split("."))
    elif source.query:
        relation = f"({source.query}) AS zt_source"
    else:
        raise MalformedSource("contract", "a sql source needs a table or a query")
    sql = f"SELECT * FROM {relation}"
    if source.watermark:
        mark = quote(source.watermark)
        sql += f" WHERE {mark} > :since" if since is not None else ""
        sql += f" ORDER BY {mark}"
    if since is None:
        return sa.text(sql)
    # untyped, so the database reads the text as the watermark column's type (a timestamp …)
    return sa.text(sql).bindparams(sa.bindparam("since", since, type_=sa.types.NullType()))


def extract(
    url: str,
    source: SourceFormat,
    target: Path,
    *,
    since: str | None = None,
    chunk: int = 10_000,
    encoding: str = "utf-8",
    delimiter: str = ",",
    title_lines: int = 0,
) -> Extract:
    """Extract the rows after ``since`` into ``target`` (see the module docstring)."""
    if since is not None and not source.watermark:
        raise MalformedSource("contract", "an incremental extract needs source.watermark")
    engine = sa.create_engine(url)
    name = target.name
    temp = target.with_name(f".{name}.{uuid.uuid4().hex}.tmp")
    watermark = since
    rows = 0
    try:
        with engine.connect() as conn, temp.open("w", encoding=encoding, newline="") as out:
            result = conn.execution_options(stream_results=True, yield_per=chunk).execute(
                _statement(engine, source, since)
            )
            columns = list(result.keys())
            mark = columns.index(source.watermark) if source.watermark in columns else None
            if source.watermark and mark is None:
                raise MalformedSource(
                    name, f"the result has no watermark column {source.watermark}"
                )
            writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
            for _ in range(title_lines):
                writer.writerow([f"extract of {source.table or 'a query'}"])
            writer.writerow(columns)
            for rows, row in enumerate(result, start=1):
                texts = [cell_text(v, name, rows + 1, c) for v, c in zip(row, columns, strict=True)]
                _write(writer, texts, name, rows, columns, encoding)
                if mark is not None and row[mark] is not None:
                    watermark = texts[mark]
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
        engine.dispose()
    return Extract(target, rows, watermark)


def _write(
    writer: Any, texts: list[str], name: str, row: int, columns: list[str], encoding: str
) -> None:
    try:
        writer.writerow(texts)
    except UnicodeEncodeError as exc:
        for column, text in zip(columns, texts, strict=True):
            try:
                text.encode(encoding)
            except UnicodeEncodeError as bad:
                char = text[bad.start : bad.end]
                raise MalformedSource(
                    name, f"row {row}, column {column}: {char!r} cannot be written as {encoding}"
                ) from None
        raise MalformedSource(name, f"row {row} cannot be written as {encoding}") from exc
