"""An independent reading of the scenario extracts: the files read back with the standard library
(and openpyxl), normalised here, and the truth's rules applied to them — none of the generator's
code. The tests compare what this computes with what the generator said before writing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from schemas.loader import DatasetContract

_WIDE = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
_MONTH = re.compile(r"(\d{4})(?:[-年](\d{1,2})月?|(\d{2}))")


def half_width(value: str) -> str:
    return "".join(_WIDE.get(c, c) for c in value).strip()


def month(value: str) -> str:
    match = _MONTH.fullmatch(value)
    assert match is not None, value
    return f"{match.group(1)}-{int(match.group(2) or match.group(3)):02d}"


def read_rows(contract: DatasetContract, path: Path) -> list[dict[str, str]]:
    """The extract's rows keyed by field name, cells as half-width text."""
    fmt, encoding = contract.source.format, contract.source.encoding
    raw: list[dict[str, Any]]
    if fmt == "csv":
        text = path.read_bytes().decode(encoding)
        raw = list(csv.DictReader(io.StringIO(text), delimiter=contract.source.delimiter))
    elif fmt == "json":
        raw = json.loads(path.read_text(encoding=encoding))
    elif fmt == "ndjson":
        raw = [json.loads(line) for line in path.read_text(encoding=encoding).splitlines()]
    else:
        book = load_workbook(path, read_only=True)
        sheet = book[contract.source.sheet] if contract.source.sheet else book.active
        assert sheet is not None
        cells = [list(r) for r in sheet.iter_rows(values_only=True)]
        book.close()
        raw = [dict(zip(cells[0], r, strict=True)) for r in cells[1:]]
    names = {f.source_column: f.name for f in contract.fields}
    return [
        {names[k]: half_width("" if v is None else str(v)) for k, v in row.items()} for row in raw
    ]


def eligible(rows: dict[str, list[dict[str, str]]]) -> dict[str, tuple[str, ...]]:
    """The 数字助残 rule over the four extracts."""
    status = {r["citizen_id"].upper(): r["assistance_type"] for r in rows["mzj_assistance_status"]}
    grade = {r["citizen_id"].upper(): int(r["care_grade"]) for r in rows["wjw_care_assessment"]}
    paid = {(r["citizen_id"].upper(), r["subsidy_type"]) for r in rows["czj_disability_subsidies"]}
    found: dict[str, tuple[str, ...]] = {}
    for r in rows["cl_disabled_persons"]:
        cid = r["citizen_id"].upper()
        wants = []
        if status.get(cid) in ("低保", "低边"):
            wants.append("生活补贴")
        if int(r["disability_level"]) <= 2 or grade.get(cid, 0) >= 3:
            wants.append("护理补贴")
        missed = tuple(sorted(s for s in wants if (cid, s) not in paid))
        if missed:
            found[cid] = missed
    return dict(sorted(found.items()))


def rows_per_county(rows: dict[str, list[dict[str, str]]]) -> dict[str, int]:
    return dict(sorted(Counter(r["region"] for r in rows["mzt_assistance_recipients"]).items()))


def cases_on_time(
    rows: dict[str, list[dict[str, str]]], as_of: dt.datetime
) -> dict[str, tuple[int, int, int, int, int]]:
    """Per handling department over both case extracts: (replied by the deadline, cases,
    replied after it, unreplied past the deadline at ``as_of``, unreplied within it)."""
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for code in ("cgj_hotline_cases", "zjj_hotline_cases"):
        for r in rows[code]:
            deadline = dt.datetime.fromisoformat(r["deadline"])
            counts = tally[r["handling_department"]]
            counts[1] += 1
            if not r["replied_at"]:
                counts[3 if deadline < as_of else 4] += 1
            elif dt.datetime.fromisoformat(r["replied_at"]) <= deadline:
                counts[0] += 1
            else:
                counts[2] += 1
    return {k: (v[0], v[1], v[2], v[3], v[4]) for k, v in sorted(tally.items())}


def report_values(
    rows: dict[str, list[dict[str, str]]], street: str, period: str
) -> dict[str, str]:
    """The street-monthly report's platform fields, computed by hand from the extracts."""
    here = [r for r in rows["cl_disabled_persons"] if r["street"] == street]
    ids = {r["citizen_id"].upper() for r in here}
    paid = [
        r
        for r in rows["czj_disability_subsidies"]
        if month(r["period"]) == period and r["citizen_id"].upper() in ids
    ]
    living = [r for r in paid if r["subsidy_type"] == "生活补贴"]
    kinds = Counter(
        r["assistance_type"] for r in rows["mzj_assistance_status"] if r["street"] == street
    )
    unemployed = {
        r["citizen_id"].upper()
        for r in rows["rsj_employment_insurance"]
        if month(r["period"]) == period and r["employment_status"] == "登记失业"
    }
    values = {
        "disabled_persons": len(ids),
        "severe_disabled_persons": sum(1 for r in here if int(r["disability_level"]) <= 2),
        "dibao_persons": kinds["低保"],
        "dibian_persons": kinds["低边"],
        "living_subsidy_persons": len({r["citizen_id"].upper() for r in living}),
        "living_subsidy_amount": sum((Decimal(r["amount"]) for r in living), Decimal("0.00")),
        "care_subsidy_persons": len(
            {r["citizen_id"].upper() for r in paid if r["subsidy_type"] == "护理补贴"}
        ),
        "unemployed_disabled_persons": len(ids & unemployed),
    }
    return {k: f"{v:.2f}" if isinstance(v, Decimal) else str(v) for k, v in values.items()}
