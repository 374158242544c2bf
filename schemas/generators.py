"""Valid-by-construction values for the national-standard data elements, and their defects.

Pure functions over a ``random.Random`` so tests and the demo are reproducible. python-stdnum is
the oracle the ID and USCC values are tested against (``tests/quality/test_oracle.py``); every
generator's output passes its element's SQL checks (``tests/schemas/test_generators.py``).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from functools import lru_cache

from schemas.loader import CODES_DIR

__all__ = [
    "USCC_ALPHABET",
    "birth_date",
    "citizen_id",
    "corrupt_check_char",
    "current_division",
    "email",
    "ethnicity_code",
    "excel_mangled",
    "full_width",
    "landline",
    "legacy_citizen_id",
    "mobile",
    "org_check_char",
    "organisation_code",
    "postal_code",
    "ric_check_char",
    "sex_code",
    "uscc",
    "uscc_check_char",
    "uscc_types",
]

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
    return rng.choice(_current_divisions(prefix))


def ric_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a GB 11643 number."""
    total = sum(int(d) * w for d, w in zip(first17, _RIC_WEIGHTS, strict=True))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


@lru_cache(maxsize=256)
def _divisions_in(year: int) -> tuple[str, ...]:
    """County-level codes that existed in ``year``."""
    return tuple(
        c
        for c, start, end in division_codes()
        if (start is None or start <= year) and (end is None or end >= year)
    )


@lru_cache(maxsize=64)
def _current_divisions(prefix: str) -> tuple[str, ...]:
    return tuple(c for c, _, end in division_codes() if end is None and c.startswith(prefix))


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
        region = rng.choice(_divisions_in(birth.year))
    sequence = rng.randrange(0, 500) * 2
    if female is None:
        female = rng.random() < 0.5
    sequence += 0 if female else 1
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + ric_check_char(first17)


def legacy_citizen_id(
    rng: random.Random, *, region: str | None = None, birth: dt.date | None = None
) -> str:
    """A valid 15-digit pre-1999 citizen ID: region, ``yymmdd`` (19yy), 3-digit sequence."""
    if birth is None:
        birth = dt.date(1920, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 79))
    if not 1900 <= birth.year <= 1999:
        raise ValueError("a 15-digit citizen ID encodes a birth year 1900-1999")
    if region is None:
        region = rng.choice(_divisions_in(max(birth.year, 1980)))
    return f"{region}{birth:%y%m%d}{rng.randrange(1, 1000):03d}"


def org_check_char(body: str) -> str:
    """GB 11714 check character of 8 body characters: C9 = 11 - (Σ mod 11), 10 → X, 11 → 0."""
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def organisation_code(rng: random.Random, *, alphabet: str = USCC_ALPHABET) -> str:
    """A valid GB 11714 organisation code (8 characters plus check character).

    The body is drawn from the USCC alphabet by default, so the code can be embedded in a USCC;
    pass ``alphabet=_ORG_ALPHABET`` for any GB 11714 code."""
    body = "".join(rng.choice(alphabet) for _ in range(8))
    return body + org_check_char(body)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


@lru_cache(maxsize=1)
def uscc_types() -> tuple[str, ...]:
    """Valid (registration authority, organisation type) pairs of GB 32100, e.g. ``91``."""
    return _codes("gb32100_types.csv")


def uscc(rng: random.Random, *, region: str | None = None, kind: str | None = None) -> str:
    """A valid GB 32100 code: a company (``91``) unless ``kind`` names another pair, or
    ``kind="any"`` draws one of every valid authority/type pair."""
    if kind == "any":
        kind = rng.choice(uscc_types())
    kind = kind or "91"
    region = region or current_division(rng)
    first17 = kind + region + organisation_code(rng)
    return first17 + uscc_check_char(first17)


def corrupt_check_char(value: str, alphabet: str) -> str:
    """The same value with a different, wrong final character."""
    wrong = [c for c in alphabet if c != value[-1]]
    return value[:-1] + random.Random(value).choice(wrong)


def excel_mangled(value: str) -> str:
    """A long digit string as Excel shows it after reading it as a number: ``1.10101E+17``.

    (An ID ending in X stays text in Excel, so only all-digit values are mangled.)"""
    if not value.isdigit():
        raise ValueError("Excel reads only an all-digit value as a number")
    mantissa, exponent = f"{int(value):.5E}".split("E")
    return f"{mantissa.rstrip('0').rstrip('.')}E+{int(exponent)}"


def full_width(value: str) -> str:
    """ASCII characters as their full-width forms (what some Chinese input methods type)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


# --- code-list and contact elements ---


@lru_cache(maxsize=8)
def _codes(csv_name: str) -> tuple[str, ...]:
    with (CODES_DIR / csv_name).open(encoding="utf-8", newline="") as handle:
        return tuple(row["code"] for row in csv.DictReader(handle))


def sex_code(rng: random.Random) -> str:
    """A GB/T 2261.1 code, mostly 1 and 2."""
    return rng.choices(_codes("gb2261_1.csv"), weights=(1, 48, 48, 3))[0]


def ethnicity_code(rng: random.Random) -> str:
    """A GB/T 3304 two-digit code (one of the 58 shipped, 97 and 98 included)."""
    return rng.choice(_codes("gb3304.csv"))


def birth_date(rng: random.Random, *, start: int = 1930, end: int = 2020) -> dt.date:
    first = dt.date(start, 1, 1)
    return first + dt.timedelta(days=rng.randrange((dt.date(end, 12, 31) - first).days + 1))


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


_AREA_CODES = ("010", "020", "021", "022", "023", "024", "025", "027", "028", "029", "0571",
               "0574", "0351", "0431", "0871", "0991", "0755")  # fmt: skip


def landline(rng: random.Random, *, extension: bool = False) -> str:
    """``AREA-LOCAL``: 3-digit areas have 8-digit numbers, 4-digit areas 7 or 8."""
    area = rng.choice(_AREA_CODES)
    digits = 8 if len(area) == 3 else rng.choice((7, 8))
    local = str(rng.randint(2, 9)) + "".join(rng.choice("0123456789") for _ in range(digits - 1))
    return f"{area}-{local}" + (f"-{rng.randrange(1, 10_000)}" if extension else "")


def postal_code(rng: random.Random) -> str:
    return f"{rng.randrange(10, 86)}{rng.randrange(10_000):04d}"


def email(rng: random.Random) -> str:
    local = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))
    separator = rng.choice(("", ".", "_", "-", "+"))
    domain = rng.choice(("example.com", "mail.example.cn", "zj.gov.cn", "xn--fiqs8s.example"))
    return f"{local[:4]}{separator}{local[4:]}@{domain}"
