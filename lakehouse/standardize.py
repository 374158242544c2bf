"""Standardise a landed file: detect, decode, map headers to contract fields, normalise and type.

The kinds of source (:mod:`lakehouse.sources`): CSV in UTF-8 (with or without BOM), GBK, GB18030
or UTF-16, read by DuckDB's ``read_csv`` (other encodings through a streaming UTF-8 copy); XLSX,
JSON and NDJSON, whose rows are first written as a UTF-8 CSV carrying each row's line; a table or
query, extracted to a CSV file before landing (:func:`lakehouse.sources.database.extract`). The
contract's ``source:`` block says which kind, encoding (or ``auto``), delimiter, header line and
sheet to expect; what was detected is returned in :class:`Staged` for the batch to record.

Headers are matched to ``FieldSpec.source_column`` tolerating surrounding spaces, full-width
spaces and a BOM. Normalisation is one SQL projection built from the contract
(``normalised_text``/``typed_column`` in :mod:`lakehouse.normalise`), never Python per row. In the
same pass, a value no batch may publish stops the batch (DuckDB's ``error()``, raised only on the
row that has it), naming the user's file, the line and the column but never the value:

* a number in scientific notation (``1.10101E+17``): the file went through Excel, which kept 15
  digits of an 18-digit ID, and no rule can restore them. With ``excel_numbers: refuse`` the
  batch stops here; by default (``quarantine``) the row is held back instead: by its data
  element's format rule where the field has one (``citizen_id.format``, ``uscc.format`` …), or
  else as ``cast:<field>`` (a typed field's value is then NULL, never the number Excel made up);
  either way it is never published;
* a text cell starting ``=``, ``+``, ``-`` or ``@`` (other than a plain signed number): a
  spreadsheet formula, which would run in every department's Excel that opens the published data
  (CSV/formula injection); refused, unless the contract says ``formula_cells: allow``. Refused
  rather than quarantined because rewriting it would alter the data, and because it is almost
  always an export fault or an attack on the file, which the department should see at once;
* a value in a column with no header name (a delimiter too many on a line).

A typed column whose non-empty text fails its ``TRY_CAST`` becomes NULL *and* its field name is
listed in ``_cast_errors``, so the publish step can quarantine it instead of losing the value.
``_row`` is the 1-based data-row number (``WITH ORDINALITY``; DuckDB keeps insertion order, so
the Parquet file is in source order too).

The same statement checks every row rule of the contract (:mod:`quality.one_pass`): beside the
data it writes one BOOLEAN flag column per rule, ``_failed_rules`` and ``_passed``, so the validate
step judges those flags (Great Expectations aggregates them) and the publish step splits on
``_passed``, and neither reads the data again to evaluate a rule.

Every message names ``source_name``, the file the user gave (the batch's ``source_name``), never
the raw-zone hash name. The output is one Parquet file, ``staging_dir/<batch_id>.parquet``,
written under a temporary name and renamed, so it is either complete or absent; the temporary
UTF-8 copy is removed whatever happens.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from catalog.settings import Settings
from lakehouse.connection import connect, quote_ident, quote_literal
from lakehouse.errors import MalformedSource
from lakehouse.normalise import (
    FULL_WIDTH,
    HALF_WIDTH,
    STRIP,
    has_full_width,
    normalised_text,
    sql_string,
    typed_column,
)
from lakehouse.progress import watching
from lakehouse.sources import csv_text
from lakehouse.sources.csv_text import CsvLayout
from lakehouse.sources.detect import Detected, detect
from lakehouse.sources.json_records import read_json
from lakehouse.sources.xlsx import read_xlsx
from quality.code_lists import CodeListSource, ensure_all_code_lists
from quality.dataset_rules import contract_rules
from quality.one_pass import checked_query
from schemas.loader import DataElement, DatasetContract, FieldSpec

__all__ = [
    "Staged",
    "normalised_text",
    "staging_path_for",
    "standardize",
    "typed_column",
]

_FULL_WIDTH_ROW = "__full_width"
_CHECK = re.compile(r"zhongtai-check:(\w+):(\d+):(.*?)(?:\n|$)")


@dataclass(frozen=True, slots=True)
class Staged:
    """A standardised, checked batch: one Parquet file of ``_row``, the fields, ``_cast_errors``,
    the rule flags, ``_failed_rules`` and ``_passed``, and what was detected about the source (for
    the batch to record)."""

    staging_path: Path
    rows_in: int
    columns: tuple[str, ...]
    extra_columns: tuple[str, ...] = ()
    """Header columns the contract does not know: ignored, listed for the steward."""
    source_kind: str = "csv"
    """csv, xlsx, json or ndjson (a sql extract is landed and read as csv)."""
    encoding: str = ""
    """The codec the text was decoded with (utf-8, utf-8-sig, gbk, gb18030, utf-16); '' for xlsx."""
    sheet: str | None = None
    """The xlsx sheet read."""


@dataclass(frozen=True, slots=True)
class _Prepared:
    readable: Path
    plan: CsvLayout
    header: tuple[str, ...]
    line_column: bool
    extra: tuple[str, ...] = ()
    sheet: str | None = None
    encoding: str | None = None
    """The codec used when it is not the detected one."""


def staging_path_for(settings: Settings, batch_id: int) -> Path:
    return settings.staging_dir / f"{batch_id}.parquet"


def standardize(
    settings: Settings,
    contract: DatasetContract,
    batch_id: int,
    raw_path: Path,
    *,
    source_name: str | None = None,
    elements: dict[str, DataElement] | None = None,
    code_lists: CodeListSource | None = None,
) -> Staged:
    """Read ``raw_path`` as ``contract`` declares and write its standardised Parquet file;
    messages name ``source_name`` (the user's file name; default: the raw file's name).
    ``elements`` and ``code_lists`` are the catalog's (``catalog.elements``); without them
    the rules are compiled from the shipped files."""
    name = source_name or raw_path.name
    detected = detect(raw_path, name, contract.source)
    target = staging_path_for(settings, batch_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    copy = target.with_name(f".{target.name}.{uuid.uuid4().hex}.utf8.csv")
    try:
        ready = _prepare(raw_path, name, contract, detected, copy)
        offset = 1 if ready.line_column else 0
        positions, extra = _match_header(name, ready.header, contract, ready.plan.hint, offset)
        unnamed = [i + offset for i, h in enumerate(ready.header) if not _header_key(h)]
        unnamed += range(len(ready.header) + offset, ready.plan.width)
        line = "c0" if ready.line_column else "ordinality"
        select_sql = checked_query(
            _select_sql(
                csv_text.reader_sql(ready.readable, ready.plan), contract, positions, unnamed, line
            ),
            contract_rules(contract, elements),
        )
        with connect(settings, lake=False) as con:
            ensure_all_code_lists(con, code_lists)  # the tables the code-list rules read
            try:
                with watching(con, "standardise", ready.readable.stat().st_size):
                    row = con.execute(
                        f"COPY ({select_sql}) TO '{quote_literal(str(temp))}' "
                        "(FORMAT parquet, COMPRESSION zstd)"
                    ).fetchone()
            except duckdb.InvalidInputException as exc:
                raise _explain(exc, name, detected, ready) from exc
        rows_in = int(row[0]) if row else 0
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
        copy.unlink(missing_ok=True)
    return Staged(
        target,
        rows_in,
        contract.field_names,
        extra + ready.extra,
        detected.kind,
        ready.encoding or detected.encoding,
        ready.sheet,
    )


def _prepare(
    raw_path: Path, name: str, contract: DatasetContract, detected: Detected, copy: Path
) -> _Prepared:
    """A UTF-8 CSV DuckDB can read for ``raw_path``, and how to read it."""
    source = contract.source
    if detected.kind == "xlsx":
        read = read_xlsx(raw_path, name, source, copy)
        return _intermediate(copy, read.header, sheet=read.sheet)
    if detected.kind in ("json", "ndjson"):
        columns = tuple(f.source_column for f in contract.fields)
        got = read_json(raw_path, name, detected.kind, detected.encoding, columns, copy)
        missing = [f.source_column for f in contract.fields if f.required]
        missing = [c for c in missing if c not in got.seen]
        if missing:
            raise MalformedSource(
                name,
                f"missing required keys: {', '.join(missing)} (in every object)",
                columns=tuple(missing),
            )
        return _intermediate(copy, columns, extra=got.extra)
    plan = csv_text.layout(raw_path, name, detected.encoding, source)
    if detected.encoding in ("utf-8", "utf-8-sig"):
        csv_text.check_utf8_bytes(raw_path, name)
        return _Prepared(raw_path, plan, plan.header, False)
    try:
        csv_text.transcode(raw_path, name, detected.encoding, copy)
    except MalformedSource:
        # encoding: auto judged GBK from the first 64 KiB; GB18030 (its superset) may read on
        if source.encoding.lower() != "auto" or detected.encoding != "gbk":
            raise
        csv_text.transcode(raw_path, name, "gb18030", copy)
        return _Prepared(copy, plan, plan.header, False, encoding="gb18030")
    return _Prepared(copy, plan, plan.header, False)


def _intermediate(
    path: Path, header: tuple[str, ...], *, sheet: str | None = None, extra: tuple[str, ...] = ()
) -> _Prepared:
    plan = CsvLayout(("__line", *header), ",", len(header) + 1)
    return _Prepared(path, plan, header, True, extra, sheet)


def _checks(spec: FieldSpec, text: str, line: str, contract: DatasetContract) -> list[str]:
    """``WHEN … THEN error(…)`` arms stopping the batch on a value no batch may publish."""
    column = sql_string(spec.source_column)

    def stop(kind: str) -> str:
        return f"error('zhongtai-check:{kind}:' || CAST({line} AS VARCHAR) || ':' || {column})"

    arms = []
    if contract.source.excel_numbers == "refuse":
        arms.append(f"WHEN {_excel_number(text)} THEN {stop('excel')}")
    if typed_column(spec, text) is None and contract.source.formula_cells == "refuse":
        # prefix() is ~3x cheaper than left(); the regex runs only on the rare rows it selects
        starts = " OR ".join(f"prefix({text}, '{c}')" for c in "=@+-")
        arms.append(
            f"WHEN ({starts}) AND NOT ({text} IN ('=', '@') "
            f"OR regexp_full_match({text}, '[-+][0-9 .,()-]*')) THEN {stop('formula')}"
        )
    return arms


def _excel_number(text: str) -> str:
    return (
        f"(contains({text}, 'E+') AND "
        f"regexp_full_match({text}, '[-+]?[0-9]([.][0-9]*)?[eE][+][0-9]+'))"
    )


def _select_sql(
    reader: str,
    contract: DatasetContract,
    positions: dict[str, int],
    unnamed: list[int],
    line: str,
) -> str:
    texts: list[str] = []
    finals: list[str] = []
    errors: list[str] = []
    arms = [
        f"WHEN c{i} IS NOT NULL AND trim(c{i}) <> '' THEN "
        f"error('zhongtai-check:unnamed:' || CAST({line} AS VARCHAR) || ':')"
        for i in unnamed
    ]
    for spec in contract.fields:
        field = quote_ident(spec.name)
        text_name = quote_ident(f"__text_{spec.name}")
        # An optional field absent from the header is NULL in every row.
        raw = f"c{positions[spec.name]}" if spec.name in positions else "CAST(NULL AS VARCHAR)"
        texts.append(f"{normalised_text(spec, raw, _FULL_WIDTH_ROW)} AS {text_name}")
        if spec.name in positions:
            arms += _checks(spec, text_name, "__line_ref", contract)
        typed = typed_column(spec, text_name)
        # without a data element no rule would catch 1.10101E+17: held back as a cast error
        mangled = (
            _excel_number(text_name)
            if spec.element is None and contract.source.excel_numbers == "quarantine"
            else "FALSE"
        )
        if typed is None:
            finals.append(f"{text_name} AS {field}")
            failed = mangled
        else:
            value = (
                typed if mangled == "FALSE" else f"CASE WHEN {mangled} THEN NULL ELSE {typed} END"
            )
            finals.append(f"{value} AS {field}")
            failed = f"({text_name} IS NOT NULL AND {typed} IS NULL)"
            failed = failed if mangled == "FALSE" else f"{mangled} OR {failed}"
        if failed != "FALSE":
            errors.append(f"CASE WHEN {failed} THEN {sql_string(spec.name)} END")
    cast_errors = f"list_filter([{', '.join(errors)}], e -> e IS NOT NULL)" if errors else "[]"
    checked = f"CASE {' '.join(arms)} ELSE {cast_errors} END" if arms else cast_errors
    passed = ", ".join(f"c{i}" for i in unnamed)
    # One regex test per row for full-width characters, over the fields' raw values together,
    # instead of one per value (most rows have none; a row that has one is translated field by
    # field, which leaves the fields without any unchanged).
    used = ", ".join(f"c{p}" for p in sorted(set(positions.values()))) or "''"
    row_test = has_full_width(f"concat_ws('', {used})")
    return (
        f"SELECT CAST(ordinality AS BIGINT) AS _row, {', '.join(finals)}, "
        f"CAST({checked} AS VARCHAR[]) AS _cast_errors "
        f"FROM (SELECT ordinality, {line} AS __line_ref, {passed + ', ' if passed else ''}"
        f"{', '.join(texts)} FROM (SELECT *, {row_test} AS {_FULL_WIDTH_ROW} FROM {reader}))"
    )


# -- matching the header and explaining failures -------------------------------------------------


def _header_key(value: str) -> str:
    return value.translate(str.maketrans(FULL_WIDTH, HALF_WIDTH)).strip(STRIP)


def _match_header(
    name: str, header: tuple[str, ...], contract: DatasetContract, hint: str, offset: int
) -> tuple[dict[str, int], tuple[str, ...]]:
    """Field name → reader column (``c<offset + header position>``), and the header columns the
    contract does not use."""
    line = contract.source.header_line
    keys = [_header_key(h) for h in header]
    duplicates = sorted({k for k in keys if keys.count(k) > 1 and k})
    if duplicates:
        raise MalformedSource(
            name,
            f"duplicate header columns: {', '.join(duplicates)}",
            line=line,
            columns=tuple(duplicates),
        )
    index = {k: i for i, k in enumerate(keys)}
    positions: dict[str, int] = {}
    missing: list[str] = []
    for spec in contract.fields:
        key = _header_key(spec.source_column)
        if key in index:
            positions[spec.name] = index[key] + offset
        elif spec.required:
            missing.append(spec.source_column)
    if missing:
        raise MalformedSource(
            name,
            f"missing required columns: {', '.join(missing)} "
            f"(contract {contract.code}, encoding {contract.source.encoding}){hint}",
            line=line,
            columns=tuple(missing),
        )
    used = {p - offset for p in positions.values()}
    extra = tuple(h.strip(STRIP) for i, h in enumerate(header) if i not in used and _header_key(h))
    return positions, extra


def _explain(
    exc: duckdb.InvalidInputException, name: str, detected: Detected, ready: _Prepared
) -> MalformedSource:
    found = _CHECK.search(str(exc))
    if found is None:
        return csv_text.explain(exc, name, detected.encoding, ready.readable, ready.plan)
    kind, where, column = found.group(1), int(found.group(2)), found.group(3)
    line = where if ready.line_column else csv_text.physical_line(ready.readable, ready.plan, where)
    columns = (column,) if column else ()
    if kind == "excel":
        problem = (
            f"column {column}: a number in scientific notation (like 1.10101E+17): the file "
            "was saved by Excel, which keeps 15 digits; export the column as text"
        )
    elif kind == "formula":
        problem = (
            f"column {column}: a cell starting with =, +, - or @ is a spreadsheet formula "
            "(formula injection); the contract refuses formula cells"
        )
    else:
        problem = "a value in a column that has no header (a delimiter too many?)"
    return MalformedSource(name, problem, line=line, columns=columns)
