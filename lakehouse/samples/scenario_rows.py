"""Each scenario dataset's extract rows, written the way its department's system writes them.

Rows are keyed by the contract's source columns. Quirks the pipeline normalises, never defects:
dates as 2019年3月5日, 2019/3/5 or 20190305; months as 202611 or 2026年11月; and a few rows of the
残联 register (GBK) and the 民政 list typed with full-width digits and letters (``１２３``, ``Ａ``),
whose citizen IDs :func:`build_rows` returns per dataset.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from lakehouse.samples.registers import _written_date
from lakehouse.samples.scenario_model import Case, Payment, Person
from schemas import generators
from schemas.loader import SCHEMAS_DIR, load_contracts

__all__ = ["FULL_WIDTH_ROWS", "build_rows"]

Row = dict[str, str | int | float]
FULL_WIDTH_ROWS = {"cl_disabled_persons": 5, "mzj_assistance_status": 3}
RSJ_MONTHS = ("2026-10", "2026-11")


def _keyed(code: str) -> Callable[[dict[str, str | int | float]], Row]:
    """Rename a row's field names to the contract's source columns."""
    contract = load_contracts(SCHEMAS_DIR / "scenarios")[code]
    columns = {f.name: f.source_column for f in contract.fields}
    return lambda row: {columns[k]: v for k, v in row.items()}


def _full_width_address(value: str) -> str:
    """The address with its house numbers full-width and a building letter added: 3幢 → ３幢Ａ座."""
    return generators.full_width(value).replace("幢", "幢Ａ座", 1)


def _registry(rng: random.Random, people: Sequence[Person], wide: set[str]) -> list[Row]:
    key = _keyed("cl_disabled_persons")
    rows = []
    for p in people:
        if p.disability is None:
            continue
        full = p.citizen_id in wide
        rows.append(
            key(
                {
                    "citizen_id": generators.full_width(p.citizen_id) if full else p.citizen_id,
                    "person_name": p.name,
                    "disability_category": p.disability.category,
                    "disability_level": str(p.disability.level),
                    "address": _full_width_address(p.address) if full else p.address,
                    "street": p.street,
                    "region": p.region,
                    "mobile": generators.full_width(p.mobile) if full else p.mobile,
                    "certified_on": _written_date(rng, p.disability.certified_on),
                }
            )
        )
    return rows


def _municipal(rng: random.Random, people: Sequence[Person], wide: set[str]) -> list[Row]:
    key = _keyed("mzj_assistance_status")
    rows = []
    for p in people:
        if p.assistance is None or not p.in_hangzhou:
            continue
        full = p.citizen_id in wide
        rows.append(
            key(
                {
                    "citizen_id": generators.full_width(p.citizen_id) if full else p.citizen_id,
                    "person_name": p.name,
                    "household_no": p.assistance.household_no,
                    "assistance_type": p.assistance.kind,
                    "approved_on": _written_date(rng, p.assistance.approved_on),
                    "street": p.street,
                    "region": p.region,
                }
            )
        )
    return rows


def _provincial(people: Sequence[Person]) -> list[Row]:
    key = _keyed("mzt_assistance_recipients")
    return [
        key(
            {
                "citizen_id": p.citizen_id,
                "person_name": p.name,
                "assistance_type": p.assistance.kind,
                "monthly_amount": f"{p.assistance.monthly_amount:.2f}",
                "approved_on": p.assistance.approved_on.isoformat(),
                "address": p.address,
                "street": p.street,
                "region": p.region,
            }
        )
        for p in people
        if p.assistance is not None
    ]


def _employment(rng: random.Random, people: Sequence[Person]) -> list[Row]:
    key = _keyed("rsj_employment_insurance")
    return [
        key(
            {
                "citizen_id": p.citizen_id,
                "person_name": p.name,
                "period": month.replace("-", "") if rng.random() < 0.5 else month,
                "employment_status": p.employment,
                "insurance_status": p.insurance,
                "region": p.region,
            }
        )
        for p in people
        if p.in_hangzhou
        for month in RSJ_MONTHS
    ]


def _care(rng: random.Random, people: Sequence[Person]) -> list[Row]:
    key = _keyed("wjw_care_assessment")
    return [
        key(
            {
                "citizen_id": p.citizen_id,
                "person_name": p.name,
                "care_grade": p.care.grade,
                "assessed_on": _written_date(rng, p.care.assessed_on),
                "region": p.region,
            }
        )
        for p in people
        if p.care is not None
    ]


def _subsidies(people: Sequence[Person], payments: Sequence[Payment]) -> list[Row]:
    key = _keyed("czj_disability_subsidies")
    by_id = {p.citizen_id: p for p in people}
    return [
        key(
            {
                "citizen_id": x.citizen_id,
                "person_name": by_id[x.citizen_id].name,
                "subsidy_type": x.subsidy,
                "period": _month_in_chinese(x.period) if x.period.endswith("09") else x.period,
                "amount": float(x.amount),
                "region": by_id[x.citizen_id].region,
            }
        )
        for x in payments
    ]


def _month_in_chinese(month: str) -> str:
    """``2026-09`` as a clerk types it in a spreadsheet: ``2026年9月``."""
    year, mon = month.split("-")
    return f"{year}年{int(mon)}月"


def _cases(cases: Sequence[Case], owner: str) -> list[Row]:
    key = _keyed("cgj_hotline_cases" if owner.endswith("CGJ") else "zjj_hotline_cases")
    stamp = "%Y-%m-%d %H:%M:%S"
    return [
        key(
            {
                "case_id": c.case_id,
                "citizen_name": c.citizen_name,
                "mobile": c.mobile,
                "address": c.address,
                "category": c.category,
                "handling_department": c.handling_department,
                "received_at": c.received_at.strftime(stamp),
                "deadline": c.deadline.strftime(stamp),
                "replied_at": "" if c.replied_at is None else c.replied_at.strftime(stamp),
                "status": c.status,
                "reply": c.reply,
            }
        )
        for c in cases
        if c.owner == owner
    ]


def build_rows(
    rng: random.Random,
    people: Sequence[Person],
    payments: Sequence[Payment],
    cases: Sequence[Case],
) -> tuple[dict[str, tuple[Row, ...]], dict[str, tuple[str, ...]]]:
    """Every dataset's rows, and per dataset the citizen IDs written full-width."""
    registered = [p.citizen_id for p in people if p.disability is not None]
    municipal = [p.citizen_id for p in people if p.assistance is not None and p.in_hangzhou]
    wide = {
        code: tuple(sorted(rng.sample(pool, FULL_WIDTH_ROWS[code])))
        for code, pool in (
            ("cl_disabled_persons", registered),
            ("mzj_assistance_status", municipal),
        )
    }
    rows = {
        "cl_disabled_persons": _registry(rng, people, set(wide["cl_disabled_persons"])),
        "mzj_assistance_status": _municipal(rng, people, set(wide["mzj_assistance_status"])),
        "rsj_employment_insurance": _employment(rng, people),
        "wjw_care_assessment": _care(rng, people),
        "czj_disability_subsidies": _subsidies(people, payments),
        "mzt_assistance_recipients": _provincial(people),
        "cgj_hotline_cases": _cases(cases, "330102CGJ"),
        "zjj_hotline_cases": _cases(cases, "330102ZJJ"),
    }
    return {code: tuple(r) for code, r in rows.items()}, wide
