"""Write the scenario world's rows as each contract's ``source:`` says the extract arrives:
CSV in its encoding (the 残联 register in GBK, CRLF), a JSON array, NDJSON, or an XLSX sheet.

The same world always gives the same bytes (the XLSX's timestamps are pinned), so writing it
again and ingesting the files again finds them published before.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook

from schemas.loader import SCHEMAS_DIR, DatasetContract, load_contracts

if TYPE_CHECKING:
    from lakehouse.samples.scenario_model import World

__all__ = ["EXTENSIONS", "write_extracts"]

EXTENSIONS = {"csv": ".csv", "json": ".json", "ndjson": ".ndjson", "xlsx": ".xlsx"}
_PINNED = dt.datetime(2026, 12, 1, 8, 0, 0)

Row = dict[str, str | int | float]


def _csv(contract: DatasetContract, rows: tuple[Row, ...]) -> bytes:
    columns = [f.source_column for f in contract.fields]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=contract.source.delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([row.get(c, "") for c in columns] for row in rows)
    return buffer.getvalue().encode(contract.source.encoding)


def _json(contract: DatasetContract, rows: tuple[Row, ...]) -> bytes:
    text = json.dumps(list(rows), ensure_ascii=False, indent=1)
    return text.encode(contract.source.encoding)


def _ndjson(contract: DatasetContract, rows: tuple[Row, ...]) -> bytes:
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return lines.encode(contract.source.encoding)


def _xlsx(contract: DatasetContract, rows: tuple[Row, ...]) -> bytes:
    columns = [f.source_column for f in contract.fields]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = contract.source.sheet or "Sheet1"
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c) if row.get(c) != "" else None for c in columns])
    book.properties.created = book.properties.modified = _PINNED
    raw = io.BytesIO()
    book.save(raw)
    return _pinned_zip(raw.getvalue())


def _pinned_zip(data: bytes) -> bytes:
    """The same ZIP with every member's date pinned (openpyxl stamps the time of saving)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _pinned_core(body)
            pinned = zipfile.ZipInfo(info.filename, date_time=_PINNED.timetuple()[:6])
            pinned.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(pinned, body)
    return out.getvalue()


def _pinned_core(body: bytes) -> bytes:
    """docProps/core.xml with its modified time pinned (openpyxl writes the time of saving)."""
    text = body.decode("utf-8")
    start = text.find("<dcterms:modified")
    if start < 0:
        return body
    open_end = text.index(">", start) + 1
    close = text.index("</dcterms:modified>", open_end)
    return (text[:open_end] + _PINNED.strftime("%Y-%m-%dT%H:%M:%SZ") + text[close:]).encode()


_WRITERS = {"csv": _csv, "json": _json, "ndjson": _ndjson, "xlsx": _xlsx}


def write_extracts(world: World, directory: Path) -> dict[str, Path]:
    """Write every dataset's extract under ``directory`` (one file per dataset, named by code and
    report month); return dataset code → path."""
    contracts = load_contracts(SCHEMAS_DIR / "scenarios")
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for code, rows in sorted(world.rows.items()):
        contract = contracts[code]
        fmt = contract.source.format
        path = directory / f"{code}_{world.report_month}{EXTENSIONS[fmt]}"
        path.write_bytes(_WRITERS[fmt](contract, rows))
        written[code] = path
    return written
