"""Standardising: GBK decoded in DuckDB, headers matched, values normalised and typed in SQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from catalog.settings import Settings
from lakehouse.errors import MalformedSource
from lakehouse.standardize import normalised_text, standardize, typed_column
from quality.dataset_rules import contract_rules
from quality.one_pass import flag_columns
from schemas.loader import DatasetContract, FieldSpec, load_elements
from schemas.source_format import SourceFormat
from tests.lakehouse import factories

FIELDS = (
    "citizen_id",
    "person_name",
    "employer_uscc",
    "employer_name",
    "period",
    "amount",
    "region",
)


def _read(path: Path) -> list[dict[str, Any]]:
    con = duckdb.connect()
    try:
        result = con.execute(f"SELECT * FROM read_parquet('{path}') ORDER BY _row")
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    finally:
        con.close()


def _staging_files(settings: Settings) -> list[str]:
    if not settings.staging_dir.exists():
        return []
    return sorted(p.name for p in settings.staging_dir.iterdir())


def test_normalises_every_value_as_the_contract_says(settings: Settings, tmp_path: Path) -> None:
    expected = list(factories.source_rows(40))
    source = factories.write_csv(tmp_path / "in.csv", [r.cells for r in expected])

    staged = standardize(settings, factories.contract(), 11, source)

    assert staged.staging_path == settings.staging_dir / "11.parquet"
    assert staged.rows_in == 40
    assert staged.columns == FIELDS
    assert staged.extra_columns == ()
    assert _staging_files(settings) == ["11.parquet"]
    rows = _read(staged.staging_path)
    rules = contract_rules(factories.contract())
    flags = [name for name, _ in flag_columns(rules)]
    assert list(rows[0]) == ["_row", *FIELDS, "_cast_errors", *flags, "_failed_rules", "_passed"]
    assert len(flags) == len(rules) > 20
    assert all(row["_passed"] and row["_failed_rules"] == [] for row in rows)
    for i, (row, want) in enumerate(zip(rows, expected, strict=True), start=1):
        assert row["_row"] == i
        assert row["citizen_id"] == want.citizen_id
        assert row["person_name"] == want.person_name
        assert row["employer_uscc"] == want.employer_uscc
        assert row["period"] == want.period
        assert row["amount"] == Decimal(want.amount)
        assert row["region"] == want.cells[6]
        assert row["_cast_errors"] == []


CASES: list[tuple[str, str, object]] = [
    ("１１０１０１１９９００３０７６６３ｘ", "citizen_id", "11010119900307663X"),
    (" 110101 19900307 663x\u3000", "citizen_id", "11010119900307663X"),
    ("９１３３０１００ＭＡ２ｂ１２３４５Ｘ", "employer_uscc", "91330100MA2B12345X"),
    ("\u3000张\u3000三 ", "person_name", "张 三"),
    ("2023年5月", "period", "2023-05"),
    ("２０２３年１２月", "period", "2023-12"),
    ("202305", "period", "2023-05"),
    ("2023/5", "period", "2023-05"),
    ("2023.5", "period", "2023-05"),
    ("2023-05", "period", "2023-05"),
    ("2023年13月", "period", "2023年13月"),  # kept as text for the quality rule to show
    ("1,234.50", "amount", Decimal("1234.50")),
    ("１，２３４．５元", "amount", Decimal("1234.50")),
    ("  88元 ", "amount", Decimal("88.00")),
    ("12,345,678.9", "amount", Decimal("12345678.90")),
    ("\u3000", "amount", None),  # blank is NULL, not a cast error
]


def test_single_value_normalisation(settings: Settings, tmp_path: Path) -> None:
    """One file, one varied value per row (each standardize pays for loading ``encodings``)."""
    template = next(factories.source_rows(1)).cells
    rows = []
    for raw, field, _ in CASES:
        cells = dict(zip(FIELDS, template, strict=True))
        cells[field] = raw
        rows.append(tuple(cells.values()))
    source = factories.write_csv(tmp_path / "cases.csv", rows)
    out = _read(standardize(settings, factories.contract(), 1, source).staging_path)
    got = [(raw, field, row[field]) for (raw, field, _), row in zip(CASES, out, strict=True)]
    assert got == CASES
    assert all(row["_cast_errors"] == [] for row in out)


def test_a_bad_amount_is_null_and_listed_in_cast_errors(settings: Settings, tmp_path: Path) -> None:
    rows = [list(r.cells) for r in factories.source_rows(3)]
    rows[1][5] = "一千二百元"
    source = factories.write_csv(tmp_path / "bad_amount.csv", rows)
    out = _read(standardize(settings, factories.contract(), 2, source).staging_path)
    assert [r["_cast_errors"] for r in out] == [[], ["amount"], []]
    assert out[1]["amount"] is None
    assert out[1]["_row"] == 2


def test_headers_tolerate_spaces_full_width_and_extra_columns(
    settings: Settings, tmp_path: Path
) -> None:
    header = [f" {h}\u3000" for h in factories.HEADER] + ["备注"]
    rows = [(*r.cells, "无") for r in factories.source_rows(2)]
    source = factories.write_csv(tmp_path / "spaced.csv", rows, header=header)
    staged = standardize(settings, factories.contract(), 3, source)
    assert staged.rows_in == 2
    assert staged.extra_columns == ("备注",)


def test_utf8_with_bom_when_the_contract_says_utf8(settings: Settings, tmp_path: Path) -> None:
    contract = _with_encoding(factories.contract(), "utf-8")
    want = list(factories.source_rows(3))
    source = factories.write_csv(tmp_path / "u.csv", [r.cells for r in want], encoding="utf-8-sig")
    out = _read(standardize(settings, contract, 4, source).staging_path)
    assert [r["person_name"] for r in out] == [r.person_name for r in want]


def _with_encoding(contract: DatasetContract, encoding: str) -> DatasetContract:
    return dataclasses.replace(contract, source=SourceFormat(encoding=encoding))


def test_utf8_file_declared_gbk_is_refused_not_read_as_mojibake(
    settings: Settings, tmp_path: Path
) -> None:
    rows = [r.cells for r in factories.source_rows(5)]
    source = factories.write_csv(tmp_path / "utf8.csv", rows, encoding="utf-8")
    with pytest.raises(MalformedSource) as caught:
        standardize(settings, factories.contract(), 5, source)
    assert caught.value.code == "source.malformed"
    assert "utf8.csv" in str(caught.value)
    assert "UTF-8" in str(caught.value)
    assert _staging_files(settings) == []


def test_undecodable_bytes_name_the_line(settings: Settings, tmp_path: Path) -> None:
    rows = [r.cells for r in factories.source_rows(4)]
    source = factories.write_csv(tmp_path / "broken.csv", rows)
    lines = source.read_bytes().split(b"\r\n")
    lines[3] = lines[3].replace(b",", b",\xff\xfe", 1)  # line 4 of the file
    source.write_bytes(b"\r\n".join(lines))
    with pytest.raises(MalformedSource) as caught:
        standardize(settings, factories.contract(), 6, source)
    assert caught.value.line == 4
    assert "broken.csv, line 4" in str(caught.value)
    assert "gbk" in str(caught.value)
    assert _staging_files(settings) == []


@pytest.mark.parametrize("cut", [1, -1])
def test_a_ragged_row_names_its_line_and_leaves_no_staging_file(
    settings: Settings, tmp_path: Path, cut: int
) -> None:
    rows: list[tuple[str, ...]] = [r.cells for r in factories.source_rows(6)]
    rows[4] = rows[4][:-1] if cut == 1 else (*rows[4], "多余")
    source = factories.write_csv(tmp_path / "ragged.csv", rows)
    with pytest.raises(MalformedSource) as caught:
        standardize(settings, factories.contract(), 7, source)
    assert caught.value.line == 6  # header is line 1, the fifth data row is line 6
    assert "ragged.csv, line 6" in str(caught.value)
    found = 6 if cut == 1 else 8
    assert f"expected 7 columns, found {found}" in str(caught.value)
    for row in rows:
        assert row[0] not in str(caught.value)  # personal data stays out of error text
    assert _staging_files(settings) == []


def test_a_missing_required_column_is_named(settings: Settings, tmp_path: Path) -> None:
    header = [h for h in factories.HEADER if h != "缴费金额"]
    rows = [tuple(c for i, c in enumerate(r.cells) if i != 5) for r in factories.source_rows(2)]
    source = factories.write_csv(tmp_path / "no_amount.csv", rows, header=header)
    with pytest.raises(MalformedSource) as caught:
        standardize(settings, factories.contract(), 8, source)
    assert caught.value.columns == ("缴费金额",)
    assert "missing required columns: 缴费金额" in str(caught.value)
    assert _staging_files(settings) == []


def test_a_missing_optional_column_is_null(settings: Settings, tmp_path: Path) -> None:
    header = [h for h in factories.HEADER if h != "单位名称"]
    rows = [tuple(c for i, c in enumerate(r.cells) if i != 3) for r in factories.source_rows(2)]
    source = factories.write_csv(tmp_path / "no_name.csv", rows, header=header)
    out = _read(standardize(settings, factories.contract(), 9, source).staging_path)
    assert [r["employer_name"] for r in out] == [None, None]


def test_an_empty_file_is_malformed(settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "empty.csv"
    source.write_bytes(b"")
    with pytest.raises(MalformedSource, match="empty.csv: the file is empty"):
        standardize(settings, factories.contract(), 10, source)


def test_a_header_only_file_is_refused(settings: Settings, tmp_path: Path) -> None:
    """An extract with no rows is a failed export, not an empty month (a replace-mode publish of
    it would empty the table)."""
    source = factories.write_csv(tmp_path / "header.csv", [])
    with pytest.raises(MalformedSource, match="header.csv, line 1: .* no data rows"):
        standardize(settings, factories.contract(), 12, source)
    assert _staging_files(settings) == []


def test_restandardising_replaces_the_file_whole(settings: Settings, tmp_path: Path) -> None:
    contract = factories.contract()
    first = factories.write_csv(tmp_path / "a.csv", [r.cells for r in factories.source_rows(3)])
    second = factories.write_csv(tmp_path / "b.csv", [r.cells for r in factories.source_rows(5)])
    standardize(settings, contract, 13, first)
    staged = standardize(settings, contract, 13, second)
    assert len(_read(staged.staging_path)) == 5
    assert _staging_files(settings) == ["13.parquet"]


# -- the data-element normalisations, evaluated as the SQL the standardize step runs ------------

ELEMENT_CASES: list[tuple[str, str, object]] = [
    ("date", "2023-05-06", dt.date(2023, 5, 6)),
    ("date", "2023年5月6日", dt.date(2023, 5, 6)),
    ("date", "２０２３年５月６日", dt.date(2023, 5, 6)),
    ("date", "2023/5/6", dt.date(2023, 5, 6)),
    ("date", "2023.5.6", dt.date(2023, 5, 6)),
    ("date", "20230506", dt.date(2023, 5, 6)),
    ("date", "45052", dt.date(2023, 5, 6)),  # Excel serial
    ("date", "1", dt.date(1899, 12, 31)),
    ("date", "2023-05-06 08:30:00", dt.date(2023, 5, 6)),
    ("date", "2023-02-30", None),  # not a date: a cast error
    ("date", "0", None),
    ("date", "045052", None),  # six digits: neither a serial nor YYYYMMDD
    ("date", "2023年5月", None),
    ("birth_date", "1990年3月7日", dt.date(1990, 3, 7)),
    ("sex", "男", "1"),
    ("sex", "男性", "1"),
    ("sex", "M", "1"),
    ("sex", "ｆ", "2"),
    ("sex", "女", "2"),
    ("sex", "女性", "2"),
    ("sex", "未知", "0"),
    ("sex", "未说明", "9"),
    ("sex", "1", "1"),
    ("sex", "２", "2"),
    ("sex", "男的", "男的"),  # kept for the quality rule to show
    ("ethnicity", "汉族", "01"),
    ("ethnicity", "汉", "01"),
    ("ethnicity", "维吾尔族", "05"),
    ("ethnicity", "基诺", "56"),
    ("ethnicity", "ha", "01"),
    ("ethnicity", "1", "01"),
    ("ethnicity", "08", "08"),
    ("ethnicity", "其他未识别民族", "97"),
    ("ethnicity", "穿青人", "穿青人"),
    ("mobile", "+86 138 0013 8000", "13800138000"),
    ("mobile", "0086-13800138000", "13800138000"),
    ("mobile", "8613800138000", "13800138000"),
    ("mobile", "１３８-００１３-８０００", "13800138000"),
    ("mobile", "86123", "86123"),
    ("landline", "0571 87654321", "0571-87654321"),
    ("landline", "(0571)87654321", "0571-87654321"),
    ("landline", "（０５７１）８７６５４３２１", "0571-87654321"),
    ("landline", "057187654321", "0571-87654321"),
    ("landline", "02087654321", "020-87654321"),
    ("landline", "+86 571 8765 4321", "0571-87654321"),
    ("landline", "0571-87654321转123", "0571-87654321-123"),
    ("landline", "87654321", "87654321"),
    ("org_code", "71610585-2", "716105852"),
    ("org_code", "ma27xr5h-1", "MA27XR5H1"),
    ("email", " Zhang.San@Example.COM ", "Zhang.San@example.com"),
    ("email", "ｌｉ＠ＭＡＩＬ．ＣＮ", "li@mail.cn"),
    ("amount", "￥1,234.50", Decimal("1234.50")),
    ("amount", "¥88元", Decimal("88.00")),
    ("amount", "１，２３４．５元", Decimal("1234.50")),
    ("citizen_id", "1.10101E+17", "1.10101E+17"),  # left for citizen_id.format
]


def test_element_normalisation_sql() -> None:
    """Every case through ``normalised_text``/``typed_column`` in one DuckDB query per element."""
    elements = load_elements()
    got: list[tuple[str, str, object]] = []
    con = duckdb.connect()
    try:
        for code in dict.fromkeys(c for c, _, _ in ELEMENT_CASES):
            raws = [raw for c, raw, _ in ELEMENT_CASES if c == code]
            spec = FieldSpec("v", "v", "v", elements[code].duckdb_type, element=code)
            text = normalised_text(spec, "raw")
            typed = typed_column(spec, "t") or "t"
            rows = con.execute(
                f"SELECT {typed} FROM (SELECT i, {text} AS t FROM "
                "(SELECT unnest($1) AS raw, generate_subscripts($1, 1) AS i)) ORDER BY i",
                [raws],
            ).fetchall()
            got += [(code, raw, row[0]) for raw, row in zip(raws, rows, strict=True)]
    finally:
        con.close()
    order = {case[:2]: n for n, case in enumerate(ELEMENT_CASES)}
    assert sorted(got, key=lambda case: order[case[:2]]) == ELEMENT_CASES


def test_new_elements_through_standardize(settings: Settings, tmp_path: Path) -> None:
    """A GBK file with sex, ethnicity, birth date and phone columns, standardised end to end; an
    unparseable date is NULL and listed in ``_cast_errors``."""
    base = factories.contract()
    extra = (
        FieldSpec("sex", "性别", "性别", "VARCHAR", element="sex"),
        FieldSpec("ethnicity", "民族", "民族", "VARCHAR", element="ethnicity"),
        FieldSpec("birth_date", "出生日期", "出生日期", "DATE", element="birth_date"),
        FieldSpec("mobile", "手机", "手机", "VARCHAR", element="mobile"),
    )
    contract = dataclasses.replace(base, fields=(*base.fields, *extra))
    template = next(factories.source_rows(1)).cells
    cells = [
        ("男", "汉族", "1990年3月7日", "+86 138 0013 8000"),
        ("女性", "5", "45052", "138-0013-8000"),
        ("9", "蒙古", "1990-02-30", "13800138000"),
    ]
    source = factories.write_csv(
        tmp_path / "people.csv",
        [(*template, *row) for row in cells],
        header=(*factories.HEADER, "性别", "民族", "出生日期", "手机"),
    )
    out = _read(standardize(settings, contract, 21, source).staging_path)
    assert [(r["sex"], r["ethnicity"], r["birth_date"], r["mobile"]) for r in out] == [
        ("1", "01", dt.date(1990, 3, 7), "13800138000"),
        ("2", "05", dt.date(2023, 5, 6), "13800138000"),
        ("9", "02", None, "13800138000"),
    ]
    assert [r["_cast_errors"] for r in out] == [[], [], ["birth_date"]]
