"""Valid-by-construction values for the national-standard data elements, and their defects.

Pure functions over a ``random.Random`` so tests and the demo are reproducible. python-stdnum is
the oracle these are tested against (``tests/schemas/test_generators.py``).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from functools import lru_cache

from schemas.loader import CODES_DIR

_RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@lru_cache(maxsize=1)
def division_codes() -> tuple[tuple[str, int | None, int | None], ...]:
    """(code, valid_from, valid_to) for every county-level row of the shipped GB/T 2260 list."""
    rows = []
    with (CODES_DIR / "gb2260.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["code"].endswith("00"):
                continue  # province and prefecture rows are not registration addresses
            rows.append(
                (
                    row["code"],
                    int(row["valid_from"]) if row["valid_from"] else None,
                    int(row["valid_to"]) if row["valid_to"] else None,
                )
            )
    return tuple(rows)


def current_division(rng: random.Random, prefix: str = "") -> str:
    """A county-level code still in use, optionally under a province or city ``prefix``."""
    choices = [c for c, _, end in division_codes() if end is None and c.startswith(prefix)]
    return rng.choice(choices)


def ric_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a GB 11643 number."""
    total = sum(int(d) * w for d, w in zip(first17, _RIC_WEIGHTS, strict=True))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def citizen_id(
    rng: random.Random,
    *,
    region: str | None = None,
    birth: dt.date | None = None,
    female: bool | None = None,
) -> str:
    """A valid 18-character citizen ID whose region existed in the birth year."""
    if birth is None:
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
    if region is None:
        year = birth.year
        candidates = [
            c
            for c, start, end in division_codes()
            if (start is None or start <= year) and (end is None or end >= year)
        ]
        region = rng.choice(candidates)
    sequence = rng.randrange(0, 500) * 2
    if female is None:
        female = rng.random() < 0.5
    sequence += 0 if female else 1
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + ric_check_char(first17)


def organisation_code(rng: random.Random) -> str:
    """A valid GB 11714 organisation code (8 characters plus check character)."""
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    check = "X" if value == 10 else "0" if value == 11 else str(value)
    return body + check


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc(rng: random.Random, *, region: str | None = None) -> str:
    """A valid GB 32100 unified social credit code of a company (工商, 企业)."""
    authority, kind = rng.choice([("9", "1"), ("9", "2"), ("1", "1"), ("5", "1")])
    region = region or current_division(rng)
    first17 = authority + kind + region + organisation_code(rng)
    return first17 + uscc_check_char(first17)


def corrupt_check_char(value: str, alphabet: str) -> str:
    """The same value with a different, wrong final character."""
    wrong = [c for c in alphabet if c != value[-1]]
    return value[:-1] + random.Random(value).choice(wrong)
