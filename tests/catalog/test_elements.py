"""The data-element registry on both databases: admins add elements and code lists, everyone
else is refused (and the refusal audited), bad files are refused with the line, and the shipped
files seed the catalog idempotently without ever overwriting what it holds."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session

from catalog import elements
from catalog.db import downgrade, upgrade
from catalog.element_seed import element_rows, seed_shipped, seeded_elements
from catalog.element_spec import definition_sha256
from catalog.element_tables import CodeList, CodeListEntry
from catalog.errors import AccessRefused, Conflict, InvalidInput, TooLarge
from catalog.models import AuditEvent, DataElement, Role
from catalog.principals import Principal
from schemas.loader import CODES_DIR, ELEMENTS_DIR, load_elements
from schemas.loader import DataElement as ElementSpec
from tests.catalog import factories

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
DISTRICTS = "code,label,parent\n33,浙江省,\n3301,杭州市,33\n330106,西湖区,3301\n".encode()


def _principal(session: Session, *roles: Role) -> Principal:
    return factories.actor(session, factories.department(session), *roles).principal


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _element(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "code": "district",
        "name_zh": "辖区代码",
        "name_en": "District code",
        "standard": "DB33/T 0001-2026",
        "version": "2026",
        "check": "code_list",
        "params": {"code_list": "zj_districts"},
        "description": "浙江省内辖区。",
    }
    return spec | changes


def test_an_admin_adds_a_code_list_and_an_element_that_uses_it(catalog_session: Session) -> None:
    admin = _principal(catalog_session, Role.ADMIN)
    added = elements.add_code_list(
        catalog_session,
        "zj_districts",
        DISTRICTS,
        admin,
        title="浙江辖区",
        standard="DB33",
        now=NOW,
    )
    row = elements.add_element(catalog_session, _element(), admin, now=NOW)
    catalog_session.commit()
    assert (added.entry_count, added.origin, added.added_by_account_id) == (
        3,
        "admin",
        admin.account_id,
    )
    assert elements.code_list_values(catalog_session, "zj_districts") == ("33", "3301", "330106")
    assert elements.code_list_values(catalog_session, "zj_districts.csv") == (
        "33",
        "3301",
        "330106",
    )
    assert [e.parent for e in added.entries] == ["", "33", "3301"]
    spec = elements.catalog_elements(catalog_session)["district"]
    assert (spec.check, spec.params, spec.duckdb_type) == (
        "code_list",
        {"code_list": "zj_districts"},
        "VARCHAR",
    )
    assert row.added_by_account_id == admin.account_id and row.origin == "admin"
    assert [e.detail["name"] for e in _events(catalog_session, "code_list.added")] == [
        "zj_districts"
    ]
    [event] = _events(catalog_session, "element.added")
    assert (event.object, event.actor_account_id) == ("element:district", admin.account_id)
    assert elements.catalog_code_lists(catalog_session) == {
        "zj_districts": ("33", "3301", "330106")
    }


@pytest.mark.parametrize("role", [Role.PUBLISHER, Role.STEWARD, Role.AUDITOR, Role.REQUESTER])
def test_no_one_but_an_admin_adds_and_each_refusal_is_audited(
    catalog_session: Session, role: Role
) -> None:
    actor = _principal(catalog_session, role)
    with pytest.raises(AccessRefused) as listing:
        elements.add_code_list(catalog_session, "zj_districts", DISTRICTS, actor)
    with pytest.raises(AccessRefused) as element:
        elements.add_element(catalog_session, _element(check="mobile", params={}), actor)
    catalog_session.commit()
    assert listing.value.code == element.value.code == "role.admin_required"
    refused = _events(catalog_session, "access.refused")
    assert [e.detail["act"] for e in refused] == ["element.manage", "element.manage"]
    assert all(e.actor_account_id == actor.account_id for e in refused)
    assert catalog_session.scalar(select(func.count()).select_from(CodeList)) == 0
    assert "district" not in elements.catalog_elements(catalog_session)
    assert [c.name for c in elements.list_code_lists(catalog_session, actor)] == []  # may view


@pytest.mark.parametrize(
    ("data", "code", "line"),
    [
        (b"code,label\n1,a\n2,b\n1,c\n", "code_list.duplicate_code", 4),
        (b"code,label\n1,a\n../x,b\n", "code_list.bad_code", 3),
    ],
)
def test_a_malformed_file_is_refused_with_its_line_and_nothing_is_written(
    catalog_session: Session, data: bytes, code: str, line: int
) -> None:
    admin = _principal(catalog_session, Role.ADMIN)
    with pytest.raises(InvalidInput) as refused:
        elements.add_code_list(catalog_session, "bad_list", data, admin)
    assert (refused.value.code, refused.value.context["line"]) == (code, line)
    assert refused.value.message.startswith(f"line {line}: ")
    catalog_session.rollback()
    assert catalog_session.scalar(select(func.count()).select_from(CodeListEntry)) == 0
    assert _events(catalog_session, "code_list.added") == []


def test_an_oversized_upload_is_refused_before_it_is_read(catalog_session: Session) -> None:
    admin = _principal(catalog_session, Role.ADMIN)
    huge = b"code,label\n" + b"1,a\n" * (1024 * 1024 + 1)
    with pytest.raises(TooLarge) as refused:
        elements.add_code_list(catalog_session, "huge", huge, admin)
    assert refused.value.code == "code_list.too_large"


@pytest.mark.parametrize("name", ["../x", "a.csv"])
def test_a_code_list_name_is_a_plain_name_never_a_path(catalog_session: Session, name: str) -> None:
    admin = _principal(catalog_session, Role.ADMIN)
    with pytest.raises(InvalidInput) as refused:
        elements.add_code_list(catalog_session, name, DISTRICTS, admin)
    assert refused.value.code == "code_list.bad_name"


def test_a_gbk_file_with_full_width_codes_and_a_bom_free_header(catalog_session: Session) -> None:
    admin = _principal(catalog_session, Role.ADMIN)
    data = "ｃｏｄｅ,ｌａｂｅｌ\n０１,汉族（汉）\n　０２　,蒙古族\nＨＡ,汉族字母码\n".encode("gbk")
    added = elements.add_code_list(catalog_session, "nation_gbk", data, admin, now=NOW)
    assert [(e.code, e.label) for e in added.entries] == [
        ("01", "汉族（汉）"),
        ("02", "蒙古族"),
        ("HA", "汉族字母码"),
    ]
    bom = "\ufeffcode,label\n1,男\n".encode()
    assert elements.add_code_list(catalog_session, "sex_bom", bom, admin).entries[0].code == "1"
    gb18030 = "code,label\n1,𠀀字\n".encode("gb18030")  # outside GBK: a GB18030 four-byte one
    assert (
        elements.add_code_list(catalog_session, "rare", gb18030, admin).entries[0].label == "𠀀字"
    )


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"check": "regex"}, "element.unknown_check"),
        ({"params": {"code_list": "no_such_list"}}, "element.unknown_code_list"),
    ],
)
def test_a_bad_element_is_refused_before_anything_is_stored(
    catalog_session: Session, changes: dict[str, Any], code: str
) -> None:
    admin = _principal(catalog_session, Role.ADMIN)
    elements.add_code_list(catalog_session, "zj_districts", DISTRICTS, admin)
    with pytest.raises(InvalidInput) as refused:
        elements.add_element(catalog_session, _element(**changes), admin)
    assert refused.value.code == code
    assert catalog_session.scalar(select(func.count()).select_from(DataElement)) == 0


def test_nothing_is_replaced_by_adding_it_again(catalog_session: Session) -> None:
    admin = _principal(catalog_session, Role.ADMIN)
    elements.add_code_list(catalog_session, "zj_districts", DISTRICTS, admin)
    elements.add_element(catalog_session, _element(), admin)
    with pytest.raises(Conflict) as listing:
        elements.add_code_list(catalog_session, "zj_districts", b"code,label\n9,x\n", admin)
    with pytest.raises(Conflict) as element:
        elements.add_element(catalog_session, _element(name_zh="别的"), admin)
    assert (listing.value.code, element.value.code) == ("code_list.exists", "element.exists")
    assert elements.code_list_values(catalog_session, "zj_districts") == ("33", "3301", "330106")


def _copy_shipped(tmp_path: Path) -> tuple[Path, Path]:
    """The shipped elements, and the shipped code lists but the 7,000-row GB/T 2260 one."""
    element_dir, codes_dir = tmp_path / "elements", tmp_path / "codes"
    shutil.copytree(ELEMENTS_DIR, element_dir)
    codes_dir.mkdir()
    for path in CODES_DIR.glob("*"):
        if path.suffix in {".csv", ".yaml"} and path.stem != "gb2260":
            shutil.copy(path, codes_dir / path.name)
    (codes_dir / "gb2260.csv").write_text("code,name\n110000,北京市\n330106,西湖区\n", "utf-8")
    return element_dir, codes_dir


def test_the_shipped_files_seed_the_catalog_once_and_never_overwrite_it(
    catalog_session: Session, tmp_path: Path
) -> None:
    element_dir, codes_dir = _copy_shipped(tmp_path)
    first = seed_shipped(catalog_session, elements_dir=element_dir, codes_dir=codes_dir, now=NOW)
    assert len(first.added) == len(load_elements()) + 4 and first.refused == []
    assert _digests(elements.catalog_elements(catalog_session)) == _digests(load_elements())
    assert elements.code_list_values(catalog_session, "gb2261_1.csv") == ("0", "1", "2", "9")
    again = seed_shipped(catalog_session, elements_dir=element_dir, codes_dir=codes_dir, now=NOW)
    assert again.added == [] and len(again.unchanged) == len(first.added)

    sex = element_dir / "sex.yaml"  # a shipped file edited in place: refused, not applied
    sex.write_text(sex.read_text("utf-8").replace("性别代码", "性别"), "utf-8")
    (codes_dir / "gb2261_1.csv").write_text("code,name\n1,男\n2,女\n", "utf-8")
    for _ in range(2):
        changed = seed_shipped(catalog_session, elements_dir=element_dir, codes_dir=codes_dir)
        assert changed.refused == ["code_list:gb2261_1", "element:sex"]
    assert elements.catalog_elements(catalog_session)["sex"].name_zh == "性别代码"
    assert elements.code_list_values(catalog_session, "gb2261_1") == ("0", "1", "2", "9")
    refusals = _events(catalog_session, "element.seed_refused")
    assert sorted(e.object for e in refusals) == ["code_list:gb2261_1", "element:sex"]  # once each


def test_the_seed_completes_a_mirror_written_before_the_registry(
    catalog_session: Session, tmp_path: Path
) -> None:
    element_dir, codes_dir = _copy_shipped(tmp_path)
    catalog_session.add(
        DataElement(
            code="mobile", name_zh="手机", name_en="m", standard="s", version="1", check="mobile"
        )
    )
    catalog_session.flush()
    assert "mobile" not in elements.catalog_elements(catalog_session)  # incomplete: not served
    report = seed_shipped(
        catalog_session, elements=["mobile", "sex"], elements_dir=element_dir, codes_dir=codes_dir
    )
    assert report.completed == ["element:mobile"]
    assert sorted(report.added) == ["code_list:gb2261_1", "element:sex"]
    assert elements.catalog_elements(catalog_session)["mobile"] == load_elements()["mobile"]


def _digests(found: dict[str, ElementSpec]) -> dict[str, str]:
    return {code: definition_sha256(spec) for code, spec in found.items()}


def test_migration_0011_keeps_the_mirrored_elements_of_a_catalog_in_use(
    catalog_session: Session, tmp_path: Path
) -> None:
    """A catalog whose fields reference mirrored elements goes down to 0009 and up again in
    place (no table rebuild that its foreign keys would refuse); the seed then completes it."""
    owner = factories.department(catalog_session)
    factories.dataset(catalog_session, tmp_path / "contracts", owner)
    catalog_session.commit()
    engine = catalog_session.get_bind()
    assert isinstance(engine, Engine)
    catalog_session.close()
    downgrade(engine, "0009")
    assert "code_lists" not in inspect(engine).get_table_names()
    upgrade(engine)
    with Session(engine) as session:
        mirrored = set(session.scalars(select(DataElement.code)))
        assert mirrored and elements.catalog_elements(session) == {}  # incomplete until seeded
        element_dir, codes_dir = _copy_shipped(tmp_path)
        report = seed_shipped(session, elements_dir=element_dir, codes_dir=codes_dir)
        assert {r.removeprefix("element:") for r in report.completed} == mirrored
        assert set(elements.catalog_elements(session)) == set(load_elements())


def test_contract_loading_gets_the_catalogs_elements_seeding_what_it_lacks(
    catalog_session: Session,
) -> None:
    admin = _principal(catalog_session, Role.ADMIN)
    elements.add_code_list(catalog_session, "zj_districts", DISTRICTS, admin)
    elements.add_element(catalog_session, _element(), admin)
    known = seeded_elements(catalog_session)  # an unseeded catalog: the shipped ones come in
    assert set(known) == set(load_elements()) | {"district"}
    events = len(_events(catalog_session, "element.added"))
    assert seeded_elements(catalog_session) == known  # once: nothing more is written
    assert len(_events(catalog_session, "element.added")) == events


def test_two_admins_adding_one_name_at_once_get_a_conflict_not_a_500(
    catalog_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = _principal(catalog_session, Role.ADMIN)
    elements.add_code_list(catalog_session, "zj_districts", DISTRICTS, admin)
    catalog_session.commit()
    # the other admin's check ran before this one's insert: it saw no list of that name
    monkeypatch.setattr(elements, "_code_list", lambda session, name: None)
    with pytest.raises(Conflict) as raced:
        elements.add_code_list(catalog_session, "zj_districts", b"code,label\n9,x\n", admin)
    assert raced.value.code == "code_list.exists"
    monkeypatch.undo()
    assert elements.code_list_values(catalog_session, "zj_districts") == ("33", "3301", "330106")


def test_element_rows_for_a_contract_seed_what_is_shipped_and_change_nothing_held(
    catalog_session: Session,
) -> None:
    admin = _principal(catalog_session, Role.ADMIN)
    elements.add_code_list(catalog_session, "zj_districts", DISTRICTS, admin)
    elements.add_element(catalog_session, _element(), admin)
    rows = element_rows(catalog_session, ["district", "mobile", "district"])
    assert set(rows) == {"district", "mobile"} and rows["mobile"].origin == "shipped"
    assert rows["district"].origin == "admin"
    with pytest.raises(InvalidInput) as unknown:
        element_rows(catalog_session, ["mobile", "no_such_element"])
    assert unknown.value.code == "element.unknown"
