"""The data-element standards and code lists are complete, documented and compile to DuckDB SQL."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import yaml

from quality.code_lists import code_table_name, element_code_lists, ensure_all_code_lists
from quality.elements import element_checks
from schemas.loader import CODES_DIR, ELEMENTS_DIR, DataElement, load_elements, parse_element

ELEMENT_FILES = sorted(ELEMENTS_DIR.glob("*.yaml"))
CODE_LISTS = sorted(CODES_DIR.glob("*.csv"))
_STANDARD = re.compile(
    r"GB(/T)? \d+(\.\d+)?(-\d{4})?"  # a national standard
    r"|GA/T [\d.]+-\d{4}|RFC \d+( .+)?"  # a sector standard or an RFC
    r"|.*[（(].+[)）]"  # a regulation or numbering plan, with its issuer or edition
)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    ensure_all_code_lists(connection)
    yield connection
    connection.close()


def test_every_issue_element_is_defined() -> None:
    assert set(load_elements()) >= {
        "citizen_id", "uscc", "org_code", "admin_division", "sex", "ethnicity", "mobile",
        "landline", "postal_code", "email", "date", "birth_date", "amount", "address",
        "org_name", "person_name",
    }  # fmt: skip


@pytest.mark.parametrize("path", ELEMENT_FILES, ids=lambda p: p.stem)
def test_element_names_its_standard_and_version(path: Path) -> None:
    element = parse_element(path)
    assert element.code == path.stem
    assert _STANDARD.fullmatch(element.standard), element.standard
    assert re.fullmatch(r"\d{4}", element.version), element.version
    if re.search(r"-\d{4}$", element.standard):
        assert element.standard.endswith(element.version)
    assert element.description


@pytest.mark.parametrize("path", ELEMENT_FILES, ids=lambda p: p.stem)
def test_every_check_compiles_and_runs_in_duckdb(
    con: duckdb.DuckDBPyConnection, path: Path
) -> None:
    element = parse_element(path)
    checks = element_checks('"v"', element)
    assert checks, f"{element.code} compiles to no check"
    columns = ", ".join(f"COALESCE(({p}), FALSE) AS {name!r}" for name, p in checks.items())
    con.execute(f"SELECT {columns} FROM (SELECT CAST(NULL AS {element.duckdb_type}) AS v)")


@pytest.mark.parametrize(
    ("code", "standard"),
    [
        ("citizen_id", "GB 11643-1999"),
        ("uscc", "GB 32100-2015"),
        ("org_code", "GB 11714-1997"),
        ("sex", "GB/T 2261.1-2003"),
        ("ethnicity", "GB/T 3304-1991"),
        ("mobile", "电信网编号计划（2017年版）"),
        ("landline", "电信网编号计划（2017年版）"),
    ],
)
def test_standards_named_as_published(code: str, standard: str) -> None:
    assert load_elements()[code].standard == standard


@pytest.mark.parametrize("path", CODE_LISTS, ids=lambda p: p.stem)
def test_every_code_list_has_source_and_date(path: Path) -> None:
    meta = yaml.safe_load(path.with_suffix(".yaml").read_text(encoding="utf-8"))
    assert meta["code_list"] == path.name
    assert len(meta["source"]) > 40 and meta["standard"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(meta["retrieved"]))
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames and reader.fieldnames[0] == "code"
    assert set(reader.fieldnames) == set(meta["columns"])
    assert all(row["code"] for row in rows)
    assert meta["rows"] == len(rows)


def _codes(name: str) -> dict[str, str]:
    with (CODES_DIR / name).open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def test_sex_codes_are_those_of_gb_2261_1() -> None:
    assert _codes("gb2261_1.csv") == {
        "0": "未知的性别",
        "1": "男性",
        "2": "女性",
        "9": "未说明的性别",
    }


def test_ethnicity_codes_are_the_56_and_two_extensions() -> None:
    codes = _codes("gb3304.csv")
    assert list(codes) == [f"{i:02d}" for i in range(1, 57)] + ["97", "98"]
    assert len(set(codes.values())) == 58
    assert (codes["01"], codes["05"], codes["56"]) == ("汉族", "维吾尔族", "基诺族")
    assert all(name.endswith("族") for code, name in codes.items() if int(code) <= 56)


def test_every_code_list_an_element_names_is_shipped() -> None:
    elements: dict[str, DataElement] = load_elements()
    for element in elements.values():
        for name in element_code_lists(element):
            assert (CODES_DIR / name).is_file(), (element.code, name)
            assert code_table_name(name).startswith("_")
