"""Standardising: GBK decoded in DuckDB, headers matched, values normalised and typed in SQL."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from catalog.settings import Settings
from lakehouse.errors import MalformedSource
from lakehouse.standardize import standardize
from schemas.loader import DatasetContract, SourceFormat
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
    assert list(rows[0]) == ["_row", *FIELDS, "_cast_errors"]
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


def test_a_header_only_file_is_zero_rows(settings: Settings, tmp_path: Path) -> None:
    source = factories.write_csv(tmp_path / "header.csv", [])
    staged = standardize(settings, factories.contract(), 12, source)
    assert staged.rows_in == 0
    assert _read(staged.staging_path) == []


def test_restandardising_replaces_the_file_whole(settings: Settings, tmp_path: Path) -> None:
    contract = factories.contract()
    first = factories.write_csv(tmp_path / "a.csv", [r.cells for r in factories.source_rows(3)])
    second = factories.write_csv(tmp_path / "b.csv", [r.cells for r in factories.source_rows(5)])
    standardize(settings, contract, 13, first)
    staged = standardize(settings, contract, 13, second)
    assert len(_read(staged.staging_path)) == 5
    assert _staging_files(settings) == ["13.parquet"]
