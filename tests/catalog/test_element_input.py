"""What an admin submits, checked before the catalog is touched (no database): code-list files
(encodings, full-width characters, malformed lines) and element definitions (unknown checks,
forged params, types and masks)."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.code_list_csv import MAX_BYTES, decode, parse_code_list
from catalog.element_spec import code_list_name, definition, definition_sha256, element_spec
from catalog.errors import InvalidInput, TooLarge
from schemas.element_checks import ELEMENT_CHECKS
from schemas.loader import load_elements


@pytest.mark.parametrize(
    ("data", "code", "line"),
    [
        (b"code,label\n1,a\n2,b\n1,c\n", "code_list.duplicate_code", 4),
        ("code,label\n０１,甲\n01,乙\n".encode("gbk"), "code_list.duplicate_code", 3),
        (b"code,name\n1,a\n", "code_list.bad_header", 1),
        (b"", "code_list.bad_header", 1),
        (b"code,label\n1,a\n2\n", "code_list.bad_row", 3),
        (b"code,label\n1,a,b\n", "code_list.bad_row", 2),
        (b'code,label\n"1,a\n', "code_list.bad_row", 2),
        (b"code,label\n1,a\n../x,b\n", "code_list.bad_code", 3),
        (b"code,label\n1 2,a\n", "code_list.bad_code", 2),
        (b"code,label\n1,\n", "code_list.bad_label", 2),
        (b"code,label\n1," + b"a" * 201 + b"\n", "code_list.bad_label", 2),
        (b"code,label,parent\n1,a,\n2,b,9\n", "code_list.unknown_parent", 3),
        (b"code,label\n", "code_list.empty", 2),
        (b"code,label\n1,a\x00\n", "code_list.bad_encoding", 2),
        (b"code,label\n1,a\n2,\xff\xfe\xff\n", "code_list.bad_encoding", 3),
    ],
)
def test_a_malformed_file_is_refused_naming_its_line(data: bytes, code: str, line: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_code_list(data)
    assert (refused.value.code, refused.value.context["line"]) == (code, line)
    assert refused.value.message.startswith(f"line {line}: ")


def test_size_is_refused_before_decoding() -> None:
    with pytest.raises(TooLarge) as refused:
        decode(b"x" * (MAX_BYTES + 1))
    assert (refused.value.code, refused.value.status) == ("code_list.too_large", 413)


def test_full_width_gbk_and_bom_fold_to_the_same_codes() -> None:
    utf8 = "\ufeffcode,label\n01,汉族\nHA,字母码\n".encode()
    gbk = "ｃｏｄｅ，ｌａｂｅｌ\n".replace("，", ",").encode(
        "gbk"
    ) + "０１,汉族\nＨＡ,字母码\n".encode("gbk")
    assert (
        [(e.code, e.label) for e in parse_code_list(utf8)]
        == [(e.code, e.label) for e in parse_code_list(gbk)]
        == [("01", "汉族"), ("HA", "字母码")]
    )
    crlf = b"code,label\r\n1,a\r\n\r\n2,b\r\n"  # a spreadsheet's line ends and an empty row
    assert [e.line for e in parse_code_list(crlf)] == [2, 4]


@pytest.mark.parametrize("name", ["../x", "x/y", "X", "1abc", "a b", "", "a" * 65, "名单", "a\x00"])
def test_a_code_list_name_is_plain(name: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        code_list_name(name)
    assert refused.value.code == "code_list.bad_name"


def _element(**changes: Any) -> dict[str, Any]:
    base = {
        "code": "district",
        "name_zh": "辖区代码",
        "name_en": "District code",
        "standard": "DB33/T 0001-2026",
        "version": 2026,
        "check": "code_list",
        "params": {"code_list": "zj_districts"},
    }
    return base | changes


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"check": "regex"}, "element.unknown_check"),
        ({"check": "__import__('os')"}, "element.unknown_check"),
        ({"check": None}, "element.unknown_check"),
        ({"params": {"code_list": "../../etc/passwd"}}, "code_list.bad_name"),
        ({"params": {}}, "element.bad_params"),
        ({"params": ["code_list"]}, "element.bad_params"),
        ({"check": "mobile", "params": {"pattern": ".*"}}, "element.bad_params"),
        ({"check": "text", "params": {"max_length": -1}}, "element.bad_params"),
        ({"check": "text", "params": {"max_length": True}}, "element.bad_params"),
        ({"check": "amount", "params": {"min": "0); DROP"}}, "element.bad_params"),
        ({"check": "date", "params": {"min": "yesterday"}}, "element.bad_params"),
        ({"check": "date", "params": {"not_future": "yes"}}, "element.bad_params"),
        ({"code": "Bad-Code"}, "element.bad_code"),
        ({"code": 7}, "element.bad_code"),
        ({"duckdb_type": "VARCHAR); DROP TABLE x; --"}, "element.bad_type"),
        ({"duckdb_type": "DECIMAL(2,5)"}, "element.bad_type"),
        ({"default_mask": "reveal_all"}, "element.bad_mask"),
        ({"sql": "1=1"}, "element.invalid"),
        ({"name_zh": ""}, "element.invalid"),
        ({"standard": "x" * 101}, "element.invalid"),
        ({"personal": "yes"}, "element.invalid"),
    ],
)
def test_a_bad_definition_is_refused(changes: dict[str, Any], code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        element_spec(_element(**changes))
    assert refused.value.code == code


def test_a_definition_is_refused_unless_a_mapping() -> None:
    with pytest.raises(InvalidInput) as refused:
        element_spec(["code", "district"])
    assert refused.value.code == "element.invalid"


def test_every_shipped_element_round_trips_through_its_canonical_form() -> None:
    for element in load_elements().values():
        again = element_spec(definition(element))
        assert definition_sha256(again) == definition_sha256(element)
    assert {e.check for e in load_elements().values()} <= set(ELEMENT_CHECKS)


def test_the_digest_ignores_layout_but_not_meaning() -> None:
    one = element_spec(_element(description="  辖区 "))
    assert definition_sha256(one) == definition_sha256(element_spec(_element(description="辖区")))
    assert definition_sha256(one) != definition_sha256(element_spec(_element(name_zh="辖区")))
