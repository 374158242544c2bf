"""户籍人口基本信息 (公安局) and 企业登记信息 (市场监管局): the register extracts."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

from faker import Faker

from lakehouse.samples.extract import (
    HOME_PREFIX,
    SampleManifest,
    _gbk_text,
    _home_regions,
    _unique_id,
    _write,
    _written_id,
)
from lakehouse.samples.social_insurance import _MONTH, UNKNOWN_REGION
from schemas import generators

HOUSEHOLD = "gaj_household_registration"
ENTERPRISE = "scjgj_enterprise_registration"
EXCEL_EPOCH = dt.date(1899, 12, 30)
UNKNOWN_ETHNICITY = "60"  # GB/T 3304 stops at 56 (plus 97 and 98)

HOUSEHOLD_DEFECT_RULES = (
    "citizen_id.check_digit",
    "citizen_id.format",
    "cross.id_birth_date",
    "cross.id_sex",
    "cast:registered_on",
    "ethnicity.known",
    "mobile.format",
    "admin_division.known",
    "primary_key.unique",
)
"""The rule codes a household manifest may name (one each per started 500 rows; the duplicate key
marks two rows)."""

ENTERPRISE_DEFECT_RULES = (
    "uscc.check_digit",
    "uscc.org_code",
    "citizen_id.format",
    "cast:established_on",
    "admin_division.known",
    "email.format",
    "landline.format",
    "primary_key.unique",
)
"""The rule codes an enterprise manifest may name (as above)."""


def _written_date(rng: random.Random, value: dt.date) -> str:
    """A date as a clerk or a spreadsheet wrote it; every form standardises to ``value``."""
    form = rng.randrange(6)
    if form == 0:
        return f"{value.year}年{value.month}月{value.day}日"
    if form == 1:
        return f"{value.year}/{value.month}/{value.day}"
    if form == 2:
        return f"{value:%Y%m%d}"
    if form == 3:
        return str((value - EXCEL_EPOCH).days)  # Excel serial day number
    return value.isoformat()


def _month_bounds(month: str) -> tuple[dt.date, dt.date]:
    match = _MONTH.match(month)
    if match is None:
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    first = dt.date(int(match.group(1)), int(match.group(2)), 1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def _between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def _person_id(rng: random.Random, seen: set[str], birth: dt.date, *, female: bool) -> str:
    """A valid, unused citizen ID of a person born on ``birth``, mostly born in Hangzhou."""
    home = _home_regions(birth.year)
    while True:
        region = rng.choice(home) if home and rng.random() < 0.85 else None
        value = generators.citizen_id(rng, region=region, birth=birth, female=female)
        if value not in seen:
            seen.add(value)
            return value


def _excel_id(rng: random.Random, seen: set[str], mangled: set[str]) -> str:
    """An ID as Excel shows it (``3.30106E+17``), distinct from those already written, so two
    mangled IDs never also collide as a duplicate key."""
    while True:
        value = generators.citizen_id(rng)
        if not value.isdigit() or value in seen:
            continue
        shown = generators.excel_mangled(value)
        if shown not in mangled:
            seen.add(value)
            mangled.add(shown)
            return shown


def _written_mobile(rng: random.Random, value: str) -> str:
    form = rng.randrange(5)
    if form == 0:
        return f"+86 {value}"
    if form == 1:
        return f"{value[:3]}-{value[3:7]}-{value[7:]}"
    return value


def _check_defect_rows(rows: int, kinds: int) -> int:
    per_kind = max(1, rows // 500)
    if rows < kinds * per_kind + 1:
        raise ValueError(f"too few rows ({rows}) to inject defects")
    return per_kind


def write_household_extract(
    path: Path,
    *,
    rows: int = 500,
    seed: int = 20261105,
    defects: bool = True,
    month: str = "2026-10",
) -> SampleManifest:
    """Write a 户籍人口基本信息 extract as of the end of ``month`` and return its manifest.

    Every row is valid after standardisation: the sex and birth date agree with the ID, and about
    one row in ten was registered during ``month`` (so the extract is fresh for a landing within
    two months of it). With ``defects`` the file holds, per started 500 rows, one each of: a wrong
    check digit, an Excel-mangled ID (``3.30106E+17``), a birth date that differs from the ID's,
    a sex that contradicts the ID, an impossible registration date (30 February), an unknown
    ethnicity code (60), a bad mobile number, an unknown region (999999), and a second row for a
    person already listed (both rows fail ``primary_key.unique``).
    """
    first, last = _month_bounds(month)
    kinds = 10
    per_kind = _check_defect_rows(rows, kinds) if defects else 0
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    seen: set[str] = set()
    mangled: set[str] = set()
    records: list[list[str]] = []
    for _ in range(rows):
        female = rng.random() < 0.5
        birth = generators.birth_date(rng, start=1940, end=2020)
        cid = _person_id(rng, seen, birth, female=female)
        if rng.random() < 0.1:
            registered = _between(rng, first, last)
        else:
            registered = _between(rng, max(birth, dt.date(1990, 1, 1)), last)
        sex = rng.choice(("2", "女", "女性") if female else ("1", "男", "男性"))
        ethnicity = rng.choice(("01", "汉族", "01", "汉")) if rng.random() < 0.9 else None
        records.append(
            [
                _written_id(rng, cid),
                _gbk_text(fake.name_female if female else fake.name_male),
                sex,
                ethnicity or generators.ethnicity_code(rng),
                _written_date(rng, birth),
                "浙江省杭州市" + _gbk_text(fake.street_address),
                generators.current_division(rng, HOME_PREFIX),
                _written_mobile(rng, generators.mobile(rng)) if rng.random() < 0.9 else "",
                _written_date(rng, registered),
            ]
        )

    found: dict[int, list[str]] = {}
    if defects:
        slots = rng.sample(range(rows), kinds * per_kind)
        for k in range(per_kind):
            check, excel, birth_row, sex_row, date_row, eth, mob, region, dup, original = slots[
                kinds * k : kinds * k + kinds
            ]
            cid = records[check][0]
            records[check][0] = generators.corrupt_check_char(_normal(cid), "0123456789X")
            records[excel][0] = _excel_id(rng, seen, mangled)
            real = dt.datetime.strptime(_normal(records[birth_row][0])[6:14], "%Y%m%d").date()
            records[birth_row][4] = _written_date(
                rng, real - dt.timedelta(days=rng.randint(1, 300))
            )
            male = int(_normal(records[sex_row][0])[16]) % 2 == 1
            records[sex_row][2] = rng.choice(("2", "女") if male else ("1", "男"))
            records[date_row][8] = rng.choice(("2025年2月30日", "2025-02-30", "20250230"))
            records[eth][3] = UNKNOWN_ETHNICITY
            records[mob][7] = rng.choice(("1234567890", "12812345678", "138001380000"))
            records[region][6] = UNKNOWN_REGION
            copy = list(records[original])
            copy[7] = generators.mobile(rng)  # a second registration of the same person
            records[dup] = copy
            for row, code in (
                (check, "citizen_id.check_digit"),
                (excel, "citizen_id.format"),
                (birth_row, "cross.id_birth_date"),
                (sex_row, "cross.id_sex"),
                (date_row, "cast:registered_on"),
                (eth, "ethnicity.known"),
                (mob, "mobile.format"),
                (region, "admin_division.known"),
                (dup, "primary_key.unique"),
                (original, "primary_key.unique"),
            ):
                found.setdefault(row + 1, []).append(code)
    return _write(path, HOUSEHOLD, records, found)


def _normal(value: str) -> str:
    """An ID as standardisation makes it: half-width, upper-case, no spaces."""
    return value.translate(_HALF_WIDTH).upper().replace(" ", "")


_HALF_WIDTH = str.maketrans("０１２３４５６７８９Ｘ", "0123456789X")


def _unique_uscc(rng: random.Random, codes: set[str]) -> str:
    while True:
        code = generators.uscc(rng, region=generators.current_division(rng, HOME_PREFIX))
        if code not in codes:
            codes.add(code)
            return code


def _bad_org_code_uscc(rng: random.Random) -> str:
    """A USCC whose final check character is right but whose embedded organisation code is not."""
    org = generators.organisation_code(rng)
    wrong = rng.choice([c for c in "0123456789X" if c != org[-1]])
    first17 = "91" + generators.current_division(rng, HOME_PREFIX) + org[:-1] + wrong
    return first17 + generators.uscc_check_char(first17)


def write_enterprise_extract(
    path: Path,
    *,
    rows: int = 500,
    seed: int = 20261124,
    defects: bool = True,
    day: dt.date = dt.date(2026, 11, 24),
) -> SampleManifest:
    """Write a 企业登记信息 extract as of ``day`` and return its manifest.

    Every row is valid after standardisation; some enterprises were established on ``day``. With
    ``defects`` the file holds, per started 500 rows, one each of: a wrong USCC check character,
    a USCC whose embedded organisation code fails its check (final character right), an
    Excel-mangled legal-representative ID, an impossible date of establishment (29 February
    2019), an unknown region (999999), a malformed e-mail, a malformed landline, and a second row
    for an enterprise already listed (both rows fail ``primary_key.unique``).
    """
    kinds = 9
    per_kind = _check_defect_rows(rows, kinds) if defects else 0
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    seen_ids: set[str] = set()
    codes: set[str] = set()
    records: list[list[str]] = []
    for number in range(rows):
        while (
            code := generators.uscc(rng, region=generators.current_division(rng, HOME_PREFIX))
        ) in codes:
            pass
        codes.add(code)
        established = day if number % 50 == 0 else _between(rng, dt.date(1992, 1, 1), day)
        capital = Decimal(rng.randrange(1_000, 10_000_000)) / 100  # 万元
        records.append(
            [
                code.lower() if rng.random() < 0.05 else code,
                _gbk_text(fake.company),
                _gbk_text(fake.name),
                _written_id(rng, _unique_id(rng, seen_ids)),
                rng.choice((f"{capital:,.2f}", f"{capital:.2f}", f"￥{capital:.2f}")),
                _written_date(rng, established),
                generators.current_division(rng, HOME_PREFIX),
                f"31{rng.randrange(10_000):04d}",
                generators.landline(rng, extension=rng.random() < 0.1),
                generators.email(rng) if rng.random() < 0.8 else "",
            ]
        )

    found: dict[int, list[str]] = {}
    if defects:
        slots = rng.sample(range(rows), kinds * per_kind)
        for k in range(per_kind):
            check, org, excel, date_row, region, mail, phone, dup, original = slots[
                kinds * k : kinds * k + kinds
            ]
            records[check][0] = generators.corrupt_check_char(
                records[check][0].upper(), generators.USCC_ALPHABET
            )
            records[org][0] = _bad_org_code_uscc(rng)
            records[excel][3] = _excel_id(rng, seen_ids, set())
            records[date_row][5] = rng.choice(("2019年2月29日", "2019-02-29", "20190229"))
            records[region][6] = UNKNOWN_REGION
            records[mail][9] = rng.choice(("zhang@@example.com", "li.example.com", "wang@example"))
            records[phone][8] = rng.choice(("0571-1234", "571-88886666", "0571-0123456"))
            copy = list(records[original])
            copy[8] = generators.landline(rng)  # the same enterprise sent twice
            records[dup] = copy
            for row, code in (
                (check, "uscc.check_digit"),
                (org, "uscc.org_code"),
                (excel, "citizen_id.format"),
                (date_row, "cast:established_on"),
                (region, "admin_division.known"),
                (mail, "email.format"),
                (phone, "landline.format"),
                (dup, "primary_key.unique"),
                (original, "primary_key.unique"),
            ):
                found.setdefault(row + 1, []).append(code)
    return _write(path, ENTERPRISE, records, found)
