"""The demo extract: GBK bytes, realistic quirks, and exactly the defects its manifest lists."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from lakehouse.samples import DEFECT_RULES, SampleManifest, write_social_insurance_extract
from schemas import generators, load_contract

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
