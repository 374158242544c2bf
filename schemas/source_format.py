"""How a dataset contract says its extracts arrive: the ``source:`` block, parsed and checked.

Every key is optional, so a contract written before these keys existed means what it meant::

    source:
      format: csv            # csv | xlsx | json | ndjson | sql | auto (csv, xlsx or json)
      encoding: gbk          # a Python codec (utf-8, gbk, gb18030 …) or auto: BOM, UTF-8, GBK,
                             #   GB18030 tried in that order, the one used reported per batch
      delimiter: ","         # one character, or auto (, ; tab | judged from the header line)
      header_line: 1         # 1-based line (xlsx: row) of the header; lines above it are skipped
      sheet: 明细            # xlsx: the sheet to read (default: the first)
      formula_cells: refuse  # refuse | allow: text cells starting = + - @ (CSV/formula injection)
      excel_numbers: quarantine  # quarantine | refuse: numbers Excel wrote as 1.10101E+17 (the
                             #   row, or the whole batch; see lakehouse.standardize)
      table: people          # sql: a table name, or
      query: SELECT …        #   a query (one of the two)
      watermark: updated_at  # sql: the column an incremental extract continues from

``header`` (a boolean) is kept for old contracts; a file without a header line is not supported.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any

__all__ = ["FORMATS", "SourceFormat", "parse_source"]

FORMATS = ("csv", "xlsx", "json", "ndjson", "sql", "auto")
FORMULA_POLICIES = ("refuse", "allow")
EXCEL_POLICIES = ("quarantine", "refuse")


@dataclass(frozen=True, slots=True)
class SourceFormat:
    format: str = "csv"
    encoding: str = "utf-8"
    delimiter: str = ","
    header: bool = True
    header_line: int = 1
    sheet: str | None = None
    formula_cells: str = "refuse"
    excel_numbers: str = "quarantine"
    table: str | None = None
    query: str | None = None
    watermark: str | None = None


def parse_source(raw: Any) -> SourceFormat:
    """The contract's ``source:`` mapping as a :class:`SourceFormat`; a ``ValueError`` saying
    what is wrong otherwise (the loader names the file)."""
    data: dict[str, Any] = raw or {}
    if not isinstance(data, dict):
        raise ValueError("must be a mapping")
    fmt = str(data.get("format", "csv")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"format '{fmt}' is not one of {', '.join(FORMATS)}")
    encoding = str(data.get("encoding", "utf-8"))
    if encoding.lower() != "auto":
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(f"encoding '{encoding}' is not a known codec") from None
    delimiter = str(data.get("delimiter", ","))
    if delimiter != "auto" and len(delimiter) != 1:
        raise ValueError(f"delimiter must be one character or auto, not '{delimiter}'")
    header_line = data.get("header_line", 1)
    if not isinstance(header_line, int) or isinstance(header_line, bool) or header_line < 1:
        raise ValueError("header_line must be a whole number from 1")
    formula = str(data.get("formula_cells", "refuse"))
    if formula not in FORMULA_POLICIES:
        raise ValueError(f"formula_cells must be one of {', '.join(FORMULA_POLICIES)}")
    excel = str(data.get("excel_numbers", "quarantine"))
    if excel not in EXCEL_POLICIES:
        raise ValueError(f"excel_numbers must be one of {', '.join(EXCEL_POLICIES)}")
    table, query = data.get("table"), data.get("query")
    if fmt == "sql" and (table is None) == (query is None):
        raise ValueError("format sql needs exactly one of table or query")
    sheet = data.get("sheet")
    watermark = data.get("watermark")
    return SourceFormat(
        format=fmt,
        encoding=encoding,
        delimiter=delimiter,
        header=bool(data.get("header", True)),
        header_line=header_line,
        sheet=None if sheet is None else str(sheet),
        formula_cells=formula,
        excel_numbers=excel,
        table=None if table is None else str(table),
        query=None if query is None else str(query),
        watermark=None if watermark is None else str(watermark),
    )
