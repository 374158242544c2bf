"""Demo extracts: realistic source files with an exactly-known set of defects.

``write_social_insurance_extract`` writes what a municipal social-insurance bureau really sends: a
GBK-encoded CSV with Chinese headers, months in mixed formats, amounts with thousands
separators, and a few citizen IDs with a lowercase ``x`` or full-width digits. Standardisation
fixes those, so they are not defects. With ``defects=True`` it also injects a small set of real
defects and lists them in the :class:`SampleManifest` by data-row number and the rule code the
quality step should report, so tests and the demo can check the pipeline catches exactly them.

Everything is drawn from one seeded ``random.Random`` and a seeded Faker, so the same arguments
always give the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from faker import Faker

from schemas import generators, load_contract

__all__ = ["DEFECT_RULES", "SampleManifest", "write_social_insurance_extract"]

DATASET = "rsj_social_insurance"
ENCODING = "gbk"
HOME_PREFIX = "3301"  # 杭州市: where most insured people and employers are registered
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

_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
_MONTH = re.compile(r"\A(\d{4})-(0[1-9]|1[0-2])\Z")


@dataclass(frozen=True, slots=True)
class SampleManifest:
    """What was written: where, how many data rows, the encoding, the bytes' SHA-256, and which
    data rows (1-based, header excluded) carry which defects."""

    path: Path
    rows: int
    encoding: str
    sha256: str
    defects: dict[int, list[str]]


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

    contract = load_contract(DATASET)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([f.source_column for f in contract.fields])
    writer.writerows(records)
    data = buffer.getvalue().encode(ENCODING)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return SampleManifest(
        path=path,
        rows=rows,
        encoding=ENCODING,
        sha256=hashlib.sha256(data).hexdigest(),
        defects=dict(sorted(found.items())),
    )


def _gbk_text(make: Callable[[], str]) -> str:
    """A Faker value that GBK can encode (a rare character would break the whole file)."""
    for _ in range(100):
        value = make()
        try:
            value.encode(ENCODING)
        except UnicodeEncodeError:
            continue
        return value
    raise RuntimeError("Faker keeps producing text GBK cannot encode")


def _distinct(make: Callable[[], str], count: int) -> list[str]:
    values: dict[str, None] = {}
    for _ in range(count * 50):
        values.setdefault(make())
        if len(values) == count:
            return list(values)
    raise RuntimeError(f"cannot make {count} distinct values")


def _birth(rng: random.Random) -> dt.date:
    return dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 45))


def _home_regions(year: int) -> list[str]:
    """County codes under Hangzhou that existed in ``year`` (an ID must fit its birth year)."""
    return [
        code
        for code, start, end in generators.division_codes()
        if code.startswith(HOME_PREFIX)
        and (start is None or start <= year)
        and (end is None or end >= year)
    ]


def _unique_id(rng: random.Random, seen: set[str]) -> str:
    """A valid citizen ID not used before: mostly born in Hangzhou, some from elsewhere."""
    while True:
        birth = _birth(rng)
        home = _home_regions(birth.year)
        if home and rng.random() < 0.85:
            value = generators.citizen_id(rng, region=rng.choice(home), birth=birth)
        else:
            value = generators.citizen_id(rng, birth=birth)
        if value not in seen:
            seen.add(value)
            return value


def _impossible_birth_date(rng: random.Random, seen: set[str]) -> str:
    """An ID with a good check character whose birth date is 30 February."""
    while True:
        year = rng.randrange(1960, 2005)
        region = rng.choice(_home_regions(year))
        first17 = f"{region}{year}0230{rng.randrange(0, 1000):03d}"
        value = first17 + generators.ric_check_char(first17)
        if value not in seen:
            seen.add(value)
            return value


def _written_id(rng: random.Random, value: str) -> str:
    """How a clerk typed the ID: sometimes lowercase ``x``, sometimes full-width digits."""
    if value.endswith("X") and rng.random() < 0.5:
        return value[:-1] + "x"
    if rng.random() < 0.02:
        return value.translate(_FULL_WIDTH)
    return value


def _amount_text(rng: random.Random, amount: Decimal) -> str:
    return f"{amount:,.2f}" if rng.random() < 0.3 else f"{amount:.2f}"
