"""The quality engine runs the catalog's definitions: an element and a code list an admin added
(never a file in ``schemas/``) catch a bad code in a real validation, on both catalogs; and a
catalog list replaces a shipped one of the same name. Without a list source nothing changes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml
from sqlalchemy.orm import Session

from catalog import elements
from catalog.element_seed import seed_shipped
from catalog.models import Role
from quality.code_lists import code_table_name, ensure_all_code_lists, ensure_code_lists
from quality.elements import element_checks
from quality.errors import UnsupportedContract
from quality.validate import validate
from schemas import DatasetContract
from schemas.element_checks import ELEMENT_CHECKS, check_problem
from schemas.loader import DataElement, parse_contract
from tests.catalog import factories
from tests.quality.factories import load

DISTRICTS = "code,label\n３３０１０２,上城区\n330106,西湖区\n330108,滨江区\n".encode("gbk")


def _contract(tmp_path: Path, known: dict[str, DataElement]) -> DatasetContract:
    path = tmp_path / "zj_residents.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "code": "zj_residents",
                "title_zh": "辖区居民",
                "title_en": "Residents by district",
                "owner_department": "330100GAJ",
                "share_type": "unconditional",
                "update_cycle": "monthly",
                "fields": [
                    {"name": "person", "title_zh": "编号", "required": True},
                    {"name": "district", "title_zh": "辖区", "element": "district"},
                    {"name": "sex", "title_zh": "性别", "element": "sex"},
                ],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return parse_contract(path, known)


def _rows(*values: tuple[str, str]) -> list[dict[str, object]]:
    return [
        {"person": f"p{i}", "district": d, "sex": s, "_row": i, "_cast_errors": []}
        for i, (d, s) in enumerate(values, start=1)
    ]


def test_an_admin_added_code_list_catches_a_bad_code(
    catalog_session: Session, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    admin = factories.actor(
        catalog_session, factories.department(catalog_session), Role.ADMIN
    ).principal
    seed_shipped(catalog_session, elements=["sex"])  # GB/T 2261.1 from the shipped seed
    elements.add_code_list(catalog_session, "zj_districts", DISTRICTS, admin, title="辖区")
    elements.add_element(
        catalog_session,
        {
            "code": "district",
            "name_zh": "辖区代码",
            "name_en": "District code",
            "standard": "DB33/T 0001-2026",
            "version": "2026",
            "check": "code_list",
            "params": {"code_list": "zj_districts"},
        },
        admin,
    )
    catalog_session.commit()
    known = elements.catalog_elements(catalog_session)
    contract = _contract(tmp_path, known)
    rows = _rows(("330102", "1"), ("330199", "2"), ("330106", "3"), ("330108", "9"))
    load(con, "staged", contract, rows)

    outcome = validate(
        con,
        "staged",
        contract,
        batch_id=1,
        elements=known,
        code_lists=elements.catalog_code_lists(catalog_session),
    )
    assert outcome.rule_counts["district.known"] == 1
    assert outcome.rule_counts["sex.known"] == 1
    failing = con.execute(
        f"SELECT _row, failed_rules FROM {outcome.verdict_relation} ORDER BY _row"
    ).fetchall()
    assert failing == [(2, ["district.known"]), (3, ["sex.known"])]
    assert outcome.rows_quarantined == 2 and outcome.ge_success is False


def test_a_catalog_list_replaces_the_shipped_one_and_none_keeps_the_files(
    con: duckdb.DuckDBPyConnection,
) -> None:
    table = code_table_name("gb2261_1.csv")
    ensure_all_code_lists(con)
    assert con.execute(f'SELECT count(*) FROM "{table}"').fetchone() == (4,)
    ensure_all_code_lists(con, {"gb2261_1": ("1", "2", "2")})
    assert sorted(con.execute(f'SELECT code FROM "{table}"').fetchall()) == [("1",), ("2",)]
    ensure_all_code_lists(con, {"empty_list": ()})
    assert con.execute('SELECT count(*) FROM "_code_empty_list"').fetchone() == (0,)


def test_a_list_in_neither_the_catalog_nor_the_files_is_refused(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    district = DataElement(
        code="district", name_zh="辖区", name_en="District", standard="x", version="1",
        duckdb_type="VARCHAR", check="code_list", params={"code_list": "zj_districts"},
    )  # fmt: skip
    contract = _contract(tmp_path, {"district": district, "sex": _shipped_sex()})
    with pytest.raises(UnsupportedContract):
        ensure_code_lists(con, contract, {"district": district, "sex": _shipped_sex()}, lists={})
    loaded = ensure_code_lists(
        con, contract, {"district": district, "sex": _shipped_sex()}, lists={"zj_districts": ["1"]}
    )
    assert loaded["_code_zj_districts"] == "catalog:zj_districts"
    assert loaded["_code_gb2261_1"].endswith("gb2261_1.csv")


def _shipped_sex() -> DataElement:
    from schemas import load_elements

    return load_elements()["sex"]


_SAMPLE_PARAMS: dict[str, dict[str, object]] = {
    "code_list": {"code_list": "gb2261_1.csv"},
    "amount": {"min": 0, "max": 10},
    "date": {"min": "1949-10-01", "not_future": True},
    "text": {"max_length": 5},
}


@pytest.mark.parametrize("check", sorted(ELEMENT_CHECKS))
def test_every_check_the_catalog_accepts_the_engine_compiles(check: str) -> None:
    element = DataElement(
        code="probe", name_zh="探针", name_en="Probe", standard="x", version="1",
        duckdb_type="VARCHAR", check=check, params=_SAMPLE_PARAMS.get(check, {}),
    )  # fmt: skip
    assert check_problem(check, dict(element.params)) is None
    assert element_checks('"v"', element)  # at least one predicate, no UnsupportedContract


def test_a_check_the_catalog_refuses_the_engine_cannot_compile_either() -> None:
    element = DataElement(
        code="probe", name_zh="探针", name_en="Probe", standard="x", version="1",
        duckdb_type="VARCHAR", check="regex",
    )  # fmt: skip
    assert check_problem("regex", {}) is not None
    with pytest.raises(UnsupportedContract):
        element_checks('"v"', element)
