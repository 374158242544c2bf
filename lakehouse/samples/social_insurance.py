"""社会保险缴费 (人社局): the social-insurance extract."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from pathlib import Path

from faker import Faker

from lakehouse.samples.extract import (
    HOME_PREFIX,
    SampleManifest,
    _amount_text,
    _distinct,
    _gbk_text,
    _impossible_birth_date,
    _unique_id,
    _write,
    _written_id,
)
from schemas import generators

DATASET = "rsj_social_insurance"
UNKNOWN_REGION = "999999"

DEFECT_RULES = (
    "citizen_id.check_digit",
    "citizen_id.birth_date",
    "citizen_id.format",
    "admin_division.known",
    "primary_key.unique",
    "amount.range",
)
"""The rule codes a manifest may name."""

_MONTH = re.compile(r"\A(\d{4})-(0[1-9]|1[0-2])\Z")


def write_social_insurance_extract(
    path: Path,
    *,
    rows: int = 500,
    seed: int = 20261125,
    defects: bool = True,
    employers: int = 25,
    month: str = "2026-10",
) -> SampleManifest:
    """Write a 社会保险缴费 extract for ``month`` and return its manifest.

    With ``defects`` the file holds, per started 500 rows, one each of: a wrong check digit, an
    impossible birth date (0230), an Excel-mangled ID (``3.30106E+17``), an unknown region code
    (999999), a negative amount, and one row repeating another row's primary key.
    """
    match = _MONTH.match(month)
    if match is None:
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    per_kind = max(1, rows // 500)
    if employers < 1:
        raise ValueError("need at least one employer")
    if defects and rows < 7 * per_kind + 1:
        raise ValueError(f"too few rows ({rows}) to inject defects")
    year, mon = int(match.group(1)), int(match.group(2))
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)

    companies = [
        (generators.uscc(rng, region=generators.current_division(rng, HOME_PREFIX)), name)
        for name in _distinct(lambda: _gbk_text(fake.company), employers)
    ]
    months = (f"{year}-{mon:02d}", f"{year}{mon:02d}", f"{year}年{mon}月")
    seen: set[str] = set()
    records: list[list[str]] = []
    for _ in range(rows):
        uscc, employer_name = rng.choice(companies)
        records.append(
            [
                _written_id(rng, _unique_id(rng, seen)),
                _gbk_text(fake.name),
                uscc,
                employer_name,
                rng.choice(months),
                _amount_text(rng, Decimal(rng.randrange(30_000, 1_500_000)) / 100),
                generators.current_division(rng, HOME_PREFIX),
            ]
        )

    found: dict[int, list[str]] = {}
    if defects:
        slots = rng.sample(range(rows), 7 * per_kind)
        for k in range(per_kind):
            check, birth, excel, region, amount, dup, original = slots[7 * k : 7 * k + 7]
            records[check][0] = generators.corrupt_check_char(_unique_id(rng, seen), "0123456789X")
            records[birth][0] = _impossible_birth_date(rng, seen)
            records[excel][0] = f"{int(_unique_id(rng, seen)[:17]) * 10:.5E}"
            records[region][6] = UNKNOWN_REGION
            records[amount][5] = f"-{Decimal(rng.randrange(100, 100_000)) / 100:.2f}"
            copy = list(records[original])
            copy[4] = rng.choice([m for m in months if m != copy[4]])
            copy[5] = _amount_text(rng, Decimal(rng.randrange(30_000, 1_500_000)) / 100)
            records[dup] = copy
            found[check + 1] = ["citizen_id.check_digit"]
            found[birth + 1] = ["citizen_id.birth_date"]
            found[excel + 1] = ["citizen_id.format"]
            found[region + 1] = ["admin_division.known"]
            found[amount + 1] = ["amount.range"]
            found[dup + 1] = ["primary_key.unique"]
            found[original + 1] = ["primary_key.unique"]

    return _write(path, DATASET, records, found)
