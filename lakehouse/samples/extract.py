"""The parts every demo extract shares: the manifest, GBK writing, people and IDs."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from schemas import generators, load_contract

ENCODING = "gbk"
HOME_PREFIX = "3301"  # 杭州市: where most insured people and employers are registered
_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@dataclass(frozen=True, slots=True)
class SampleManifest:
    """What was written: where, how many data rows, the encoding, the bytes' SHA-256, and which
    data rows (1-based, header excluded) carry which defects."""

    path: Path
    rows: int
    encoding: str
    sha256: str
    defects: dict[int, list[str]]


def _write(
    path: Path, dataset: str, records: list[list[str]], found: dict[int, list[str]]
) -> SampleManifest:
    """Write ``records`` under the contract's source headers as GBK CSV with CRLF."""
    contract = load_contract(dataset)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([f.source_column for f in contract.fields])
    writer.writerows(records)
    data = buffer.getvalue().encode(ENCODING)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return SampleManifest(
        path=path,
        rows=len(records),
        encoding=ENCODING,
        sha256=hashlib.sha256(data).hexdigest(),
        defects={row: sorted(codes) for row, codes in sorted(found.items())},
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
