"""The demo extract: GBK bytes, realistic quirks, and exactly the defects its manifest lists."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from lakehouse.samples import (
    DEFECT_RULES,
    ENTERPRISE_DEFECT_RULES,
    HOUSEHOLD_DEFECT_RULES,
    SampleManifest,
    write_enterprise_extract,
    write_household_extract,
    write_social_insurance_extract,
)
from schemas import generators, load_contract
from schemas.loader import CODES_DIR

HEADERS = [
    "身份证号码",
    "姓名",
    "单位统一社会信用代码",
    "单位名称",
    "缴费月份",
    "缴费金额",
    "参保地区划代码",
]
KNOWN_REGIONS = {code for code, _, _ in generators.division_codes()}


def _records(manifest: SampleManifest) -> tuple[list[str], list[list[str]]]:
    text = manifest.path.read_bytes().decode("gbk")
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    return header, rows


def _normal_id(value: str) -> str:
    return unicodedata.normalize("NFKC", value).upper()


def _normal_month(value: str) -> str:
    match = re.fullmatch(r"(\d{4})(?:-|年)?(\d{1,2})月?", value)
    assert match, value
    return f"{match.group(1)}-{int(match.group(2)):02d}"


def _problems(rows: list[list[str]]) -> dict[int, list[str]]:
    """Every defect found independently, with python-stdnum and the code list as oracles."""
    found: dict[int, list[str]] = defaultdict(list)
    keys: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for number, row in enumerate(rows, start=1):
        cid, _, uscc, _, period, amount, region = row
        normal = _normal_id(cid)
        try:
            ric.validate(normal)
        except InvalidChecksum:
            found[number].append("citizen_id.check_digit")
        except InvalidComponent:
            found[number].append("citizen_id.birth_date")
        except ValidationError:
            found[number].append("citizen_id.format")
        if region not in KNOWN_REGIONS:
            found[number].append("admin_division.known")
        if Decimal(amount.replace(",", "")) < 0:
            found[number].append("amount.range")
        keys[(normal, uscc, _normal_month(period))].append(number)
    for numbers in keys.values():
        if len(numbers) > 1:
            for number in numbers:
                found[number].append("primary_key.unique")
    return dict(sorted(found.items()))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleManifest:
    return write_social_insurance_extract(tmp_path_factory.mktemp("extract") / "rsj.csv")


def test_file_is_gbk_and_not_utf8(sample: SampleManifest) -> None:
    data = sample.path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    header, _ = _records(sample)
    contract = load_contract("rsj_social_insurance")
    assert header == HEADERS == [f.source_column for f in contract.fields]
    assert sample.encoding == "gbk"


def test_row_count(sample: SampleManifest) -> None:
    _, rows = _records(sample)
    assert len(rows) == sample.rows == 500
    assert all(len(row) == 7 for row in rows)


def test_defects_are_exactly_the_manifest(sample: SampleManifest) -> None:
    _, rows = _records(sample)
    assert _problems(rows) == sample.defects
    assert Counter(code for codes in sample.defects.values() for code in codes) == {
        "citizen_id.check_digit": 1,
        "citizen_id.birth_date": 1,
        "citizen_id.format": 1,
        "admin_division.known": 1,
        "amount.range": 1,
        "primary_key.unique": 2,
    }
    assert {c for codes in sample.defects.values() for c in codes} <= set(DEFECT_RULES)
    excel = next(n for n, codes in sample.defects.items() if codes == ["citizen_id.format"])
    assert re.fullmatch(r"\d\.\d{5}E\+17", rows[excel - 1][0])
    birth = next(n for n, codes in sample.defects.items() if codes == ["citizen_id.birth_date"])
    assert rows[birth - 1][0][10:14] == "0230"


def test_other_ids_are_valid_after_normalisation(sample: SampleManifest) -> None:
    _, rows = _records(sample)
    ids = [row[0] for n, row in enumerate(rows, start=1) if n not in sample.defects]
    assert all(ric.is_valid(_normal_id(cid)) for cid in ids)
    home = sum(_normal_id(cid).startswith("3301") for cid in ids)
    assert home > len(ids) * 0.7


def test_quirks_that_standardisation_fixes_are_present(sample: SampleManifest) -> None:
    _, rows = _records(sample)
    ids = [row[0] for row in rows]
    assert any(cid.endswith("x") for cid in ids)
    assert any("０" <= ch <= "９" for cid in ids for ch in cid)
    assert {_normal_month(row[4]) for row in rows} == {"2026-10"}
    assert {row[4] for row in rows} == {"2026-10", "202610", "2026年10月"}
    assert any("," in row[5] for row in rows)
    assert len({row[2] for row in rows}) == 25
    assert all(row[6].startswith("3301") or row[6] == "999999" for row in rows)


def test_without_defects_every_row_is_clean(tmp_path: Path) -> None:
    manifest = write_social_insurance_extract(tmp_path / "clean.csv", rows=120, defects=False)
    _, rows = _records(manifest)
    assert manifest.defects == {}
    assert _problems(rows) == {}
    assert len(rows) == 120


def test_same_seed_same_bytes(tmp_path: Path, sample: SampleManifest) -> None:
    again = write_social_insurance_extract(tmp_path / "again.csv")
    assert again.sha256 == sample.sha256
    assert again.defects == sample.defects
    other = write_social_insurance_extract(tmp_path / "other.csv", seed=1)
    assert other.sha256 != sample.sha256


def test_larger_extract_scales_the_defects(tmp_path: Path) -> None:
    manifest = write_social_insurance_extract(tmp_path / "big.csv", rows=1000, month="2026-02")
    _, rows = _records(manifest)
    assert _problems(rows) == manifest.defects
    assert len(manifest.defects) == 14
    assert {_normal_month(row[4]) for row in rows} == {"2026-02"}


@pytest.mark.parametrize("month", ["2026-13", "202610", "26-10"])
def test_month_must_be_iso(tmp_path: Path, month: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        write_social_insurance_extract(tmp_path / "x.csv", month=month)


# --- 户籍人口基本信息 and 企业登记信息 ---


def _ethnicity_names() -> dict[str, str]:
    """Every GB/T 3304 code, name and short name → code, read from the shipped list."""
    names: dict[str, str] = {}
    with (CODES_DIR / "gb3304.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for key in (row["code"], row["name"], row["name"].removesuffix("族")):
                names[key] = row["code"]
    return names


ETHNICITY = _ethnicity_names()
SEX = {"1": "1", "男": "1", "男性": "1", "2": "2", "女": "2", "女性": "2", "0": "0", "9": "9"}
EXCEL_EPOCH = dt.date(1899, 12, 30)


def _date(value: str) -> dt.date | None:
    """The oracle's reading of a written date (None: impossible)."""
    if re.fullmatch(r"[1-9]\d{0,4}", value):
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    found = re.fullmatch(r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?|(\d{4})(\d{2})(\d{2})", value)
    assert found, value
    parts = [int(p) for p in found.groups() if p is not None]
    try:
        return dt.date(*parts)
    except ValueError:
        return None


def _ric(value: str, found: list[str]) -> str:
    normal = _normal_id(value)
    try:
        ric.validate(normal)
    except InvalidChecksum:
        found.append("citizen_id.check_digit")
    except InvalidComponent:
        found.append("citizen_id.birth_date")
    except ValidationError:
        found.append("citizen_id.format")
    return normal


def _household_problems(rows: list[list[str]]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    keys: dict[str, list[int]] = defaultdict(list)
    for number, row in enumerate(rows, start=1):
        cid, _, sex, ethnicity, birth, _, region, mobile, registered = row
        problems = found[number]
        normal = _ric(cid, problems)
        if not problems:
            if ric.get_birth_date(normal) != _date(birth):
                problems.append("cross.id_birth_date")
            if SEX[sex] != ("1" if int(normal[16]) % 2 else "2"):
                problems.append("cross.id_sex")
        if _date(registered) is None:
            problems.append("cast:registered_on")
        if ethnicity not in ETHNICITY:
            problems.append("ethnicity.known")
        digits = re.sub(r"[\s-]", "", mobile).removeprefix("+86")
        if mobile and not re.fullmatch(r"1[3-9]\d{9}", digits):
            problems.append("mobile.format")
        if region not in KNOWN_REGIONS:
            problems.append("admin_division.known")
        keys[normal].append(number)
    for numbers in keys.values():
        if len(numbers) > 1:
            for number in numbers:
                found[number].append("primary_key.unique")
    return {n: sorted(codes) for n, codes in sorted(found.items()) if codes}


def _org_code_valid(code: str) -> bool:
    """GB 11714, written out independently of the generators."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    total = sum(
        alphabet.index(c) * w for c, w in zip(code[:8], (3, 7, 9, 10, 5, 8, 4, 2), strict=True)
    )
    check = 11 - total % 11
    return code[8] == {10: "X", 11: "0"}.get(check, str(check))


def _enterprise_problems(rows: list[list[str]]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    keys: dict[str, list[int]] = defaultdict(list)
    for number, row in enumerate(rows, start=1):
        code, _, _, rep_id, capital, established, region, postal, phone, mail = row
        problems = found[number]
        code = code.upper()
        try:
            uscc.validate(code)
            if not _org_code_valid(code[8:17]):
                problems.append("uscc.org_code")
        except InvalidChecksum:
            problems.append("uscc.check_digit")
        _ric(rep_id, problems)
        if _date(established) is None:
            problems.append("cast:established_on")
        if region not in KNOWN_REGIONS:
            problems.append("admin_division.known")
        if mail and not re.fullmatch(r"[\w.+-]+@([a-z0-9-]+\.)+[a-z][a-z0-9-]*", mail):
            problems.append("email.format")
        if not re.fullmatch(r"0\d{2,3}-[2-9]\d{6,7}(-\d{1,6})?", phone):
            problems.append("landline.format")
        assert re.fullmatch(r"\d{6}", postal)
        assert Decimal(capital.replace(",", "").removeprefix("￥")) >= 0
        keys[code].append(number)
    for numbers in keys.values():
        if len(numbers) > 1:
            for number in numbers:
                found[number].append("primary_key.unique")
    return {n: sorted(codes) for n, codes in sorted(found.items()) if codes}


def test_household_defects_are_exactly_the_manifest(tmp_path: Path) -> None:
    manifest = write_household_extract(tmp_path / "户籍.csv")
    header, rows = _records(manifest)
    assert header == [f.source_column for f in load_contract("gaj_household_registration").fields]
    assert len(rows) == manifest.rows == 500
    assert _household_problems(rows) == manifest.defects
    assert Counter(c for codes in manifest.defects.values() for c in codes) == {
        **dict.fromkeys(HOUSEHOLD_DEFECT_RULES, 1),
        "primary_key.unique": 2,
    }
    excel = next(n for n, c in manifest.defects.items() if c == ["citizen_id.format"])
    assert re.fullmatch(r"\d(\.\d{1,5})?E\+17", rows[excel - 1][0])
    # quirks standardisation fixes: names for codes, Excel serial dates, +86 mobiles
    assert {row[2] for row in rows} >= {"男", "女", "1", "2"}
    assert {row[3] for row in rows} >= {"汉族", "汉", "01"}
    assert any(re.fullmatch(r"\d{5}", row[4]) for row in rows)
    assert any("年" in row[4] for row in rows)
    assert any(row[7].startswith("+86") for row in rows)
    assert any(row[8].startswith("2026") and "10" in row[8] for row in rows)


def test_household_without_defects_and_same_seed(tmp_path: Path) -> None:
    clean = write_household_extract(tmp_path / "clean.csv", rows=120, defects=False)
    assert clean.defects == {} == _household_problems(_records(clean)[1])
    again = write_household_extract(tmp_path / "again.csv", rows=120, defects=False)
    assert again.sha256 == clean.sha256
    big = write_household_extract(tmp_path / "big.csv", rows=1000)
    assert _household_problems(_records(big)[1]) == big.defects
    assert len(big.defects) == 20
    with pytest.raises(ValueError, match="too few rows"):
        write_household_extract(tmp_path / "x.csv", rows=10)


def test_enterprise_defects_are_exactly_the_manifest(tmp_path: Path) -> None:
    manifest = write_enterprise_extract(tmp_path / "企业.csv")
    header, rows = _records(manifest)
    contract = load_contract("scjgj_enterprise_registration")
    assert header == [f.source_column for f in contract.fields]
    assert _enterprise_problems(rows) == manifest.defects
    assert Counter(c for codes in manifest.defects.values() for c in codes) == {
        **dict.fromkeys(ENTERPRISE_DEFECT_RULES, 1),
        "primary_key.unique": 2,
    }
    assert any(row[0] != row[0].upper() for row in rows)  # lowercase USCCs
    assert any(row[4].startswith("￥") or "," in row[4] for row in rows)
    assert max(_date(row[5]) or dt.date.min for row in rows) == dt.date(2026, 11, 24)
    clean = write_enterprise_extract(tmp_path / "clean.csv", rows=60, defects=False)
    assert _enterprise_problems(_records(clean)[1]) == {}
