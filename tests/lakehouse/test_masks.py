"""Every mask run by a real DuckDB against a Python oracle; the keyed hash is RFC 2104 HMAC."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakehouse.masks import KEEP_RUN, REDACTED, hmac_pads, mask_sql
from lakehouse.quarantine import shown_mask
from schemas import FieldSpec, MaskKind, MaskSpec

KEY = bytes(range(32))
fixture_ok = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def duck() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    yield con
    con.close()


def _mask(
    con: duckdb.DuckDBPyConnection,
    spec: MaskSpec | str,
    value: Any,
    *,
    key: bytes | None = None,
    sql_type: str = "VARCHAR",
) -> Any:
    spec = MaskSpec.parse(spec) if isinstance(spec, str) else spec
    params: list[Any] = []
    expression = mask_sql(spec, "v", params, hash_key=key)
    row = con.execute(
        f"SELECT {expression} FROM (SELECT CAST(? AS {sql_type}) AS v)", [*params, value]
    ).fetchone()
    assert row is not None
    return row[0]


def _hmac(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _keep(value: str, first: int, last: int) -> str:
    if len(value) <= first + last:
        return REDACTED
    return value[:first] + KEEP_RUN + (value[-last:] if last else "")


# --- hash: HMAC-SHA256 inside DuckDB ------------------------------------------------------------

_text = st.text(max_size=40) | st.text(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=20
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    key=st.binary(min_size=1, max_size=100), other=st.binary(min_size=1, max_size=100), value=_text
)
def test_hash_is_hmac_sha256_under_the_key(
    duck: duckdb.DuckDBPyConnection, key: bytes, other: bytes, value: str
) -> None:
    assert _mask(duck, "hash", value, key=key) == _hmac(key, value)
    if other != key:
        assert _mask(duck, "hash", value, key=other) != _mask(duck, "hash", value, key=key)


def test_hash_matches_the_rfc_4231_vector(duck: duckdb.DuckDBPyConnection) -> None:
    # RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
    assert _mask(duck, "hash", "what do ya want for nothing?", key=b"Jefe") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_hash_of_a_citizen_id_is_not_its_plain_sha256(duck: duckdb.DuckDBPyConnection) -> None:
    citizen_id = "330106199001011234"
    hashed = _mask(duck, "hash", citizen_id, key=KEY)
    assert re.fullmatch(r"[0-9a-f]{64}", hashed)
    assert hashed != hashlib.sha256(citizen_id.encode()).hexdigest()


@pytest.mark.parametrize("key", [None, b""])
def test_hash_without_a_key_is_refused(key: bytes | None) -> None:
    params: list[Any] = []
    with pytest.raises(ValueError, match="key"):
        mask_sql(MaskSpec(MaskKind.HASH), "v", params, hash_key=key)
    assert params == []


def test_hash_binds_the_key_and_never_writes_it() -> None:
    params: list[Any] = ["before"]
    sql = mask_sql(MaskSpec(MaskKind.HASH), '"v"', params, hash_key=KEY)
    assert params == ["before", *hmac_pads(KEY)]
    assert sql.count("?") == 2
    for secret in (KEY, *hmac_pads(KEY)):
        assert secret.hex() not in sql.lower() and secret.hex().upper() not in sql
    assert "'" not in sql  # no literal of any kind


def test_long_keys_are_hashed_first_as_rfc_2104_says(duck: duckdb.DuckDBPyConnection) -> None:
    key = bytes(range(200))
    assert _mask(duck, "hash", "张三", key=key) == _hmac(key, "张三")


# --- keep --------------------------------------------------------------------------------------


@fixture_ok
@given(
    value=_text,
    first=st.integers(min_value=0, max_value=8),
    last=st.integers(min_value=0, max_value=8),
)
def test_keep_against_python(
    duck: duckdb.DuckDBPyConnection, value: str, first: int, last: int
) -> None:
    if first == last == 0:
        return
    assert _mask(duck, MaskSpec(MaskKind.KEEP, first, last), value) == _keep(value, first, last)


@fixture_ok
@given(citizen_id=st.from_regex(r"\A[0-9]{17}[0-9X]\Z"))
def test_id_number_never_shows_the_middle_eight(
    duck: duckdb.DuckDBPyConnection, citizen_id: str
) -> None:
    masked = _mask(duck, "id_number", citizen_id)
    assert citizen_id[6:14] not in masked
    assert masked == citizen_id[:6] + "****" + citizen_id[-4:]


def test_keep_does_not_tell_the_length_of_a_name(duck: duckdb.DuckDBPyConnection) -> None:
    assert {_mask(duck, "name", n) for n in ("张三", "张三丰", "张三丰四五")} == {"张****"}
    assert _mask(duck, "name", "张") == REDACTED  # nothing would be hidden
    assert _mask(duck, "phone", "13812345678") == "138****5678"
    assert _mask(duck, "id_number", "3301061990") == REDACTED


# --- year --------------------------------------------------------------------------------------

_dates = st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31))


@fixture_ok
@given(day=_dates, moment=st.datetimes(min_value=dt.datetime(1000, 1, 1)))
def test_year_of_dates_and_timestamps(
    duck: duckdb.DuckDBPyConnection, day: dt.date, moment: dt.datetime
) -> None:
    year = f"{day.year:04d}"
    assert _mask(duck, "year", day, sql_type="DATE") == year
    assert _mask(duck, "year", moment, sql_type="TIMESTAMP") == f"{moment.year:04d}"
    for text in (
        day.isoformat(),
        day.strftime("%Y/%m/%d"),
        day.strftime("%Y%m%d"),
        f"{day.year}年{day.month}月{day.day}日",
        day.strftime("%Y-%m"),
        f"{day.isoformat()} 08:30:00",
    ):
        assert _mask(duck, "year", text) == year, text


@pytest.mark.parametrize(
    "text", ["", "202305", "12345", "330106199001011234", "May 2023", " 2023-01-01", "二〇二三年"]
)
def test_year_of_anything_else_is_redacted(duck: duckdb.DuckDBPyConnection, text: str) -> None:
    assert _mask(duck, "year", text) == REDACTED


@fixture_ok
@given(value=_text)
def test_year_shows_four_leading_digits_or_nothing(
    duck: duckdb.DuckDBPyConnection, value: str
) -> None:
    shown = _mask(duck, "year", value)
    assert shown == REDACTED or (re.fullmatch(r"[0-9]{4}", shown) and value.startswith(shown))


# --- county ------------------------------------------------------------------------------------

ADDRESSES = [
    ("浙江省杭州市西湖区文三路90号", "浙江省杭州市西湖区"),
    ("北京市海淀区中关村大街1号", "北京市海淀区"),
    ("上海市浦东新区世纪大道100号", "上海市浦东新区"),
    ("内蒙古自治区鄂尔多斯市伊金霍洛旗阿勒腾席热镇", "内蒙古自治区鄂尔多斯市伊金霍洛旗"),
    ("云南省普洱市澜沧拉祜族自治县勐朗镇", "云南省普洱市澜沧拉祜族自治县"),
    ("湖北省恩施土家族苗族自治州恩施市舞阳坝街道", "湖北省恩施土家族苗族自治州恩施市"),
    ("新疆维吾尔自治区乌鲁木齐市天山区解放南路", "新疆维吾尔自治区乌鲁木齐市天山区"),
    ("湖北省神农架林区松柏镇", "湖北省神农架林区"),
    ("浙江省义乌市稠城街道工人北路1号", "浙江省义乌市"),  # county-level city, no prefecture
    ("西湖区文三路90号", "西湖区"),
    # A street that looks like a unit is never shown: cut back to the city.
    ("浙江省杭州市文三路新市街10号", "浙江省杭州市"),
    ("河北省唐山市路南区学院路1号", "河北省唐山市"),
    ("广东省东莞市南城街道元美路", "广东省东莞市"),
    ("文三路90号", REDACTED),
    ("浙江省", REDACTED),
    ("Hangzhou", REDACTED),
    ("", REDACTED),
]


@pytest.mark.parametrize(("address", "expected"), ADDRESSES)
def test_county_of_an_address(duck: duckdb.DuckDBPyConnection, address: str, expected: str) -> None:
    assert _mask(duck, "county", address) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("330106", "330106"),
        ("330106001", "330106"),
        ("330106001001", "330106"),
        ("3301", REDACTED),
        ("33010A", REDACTED),
        ("３３０１０６", REDACTED),  # full-width digits are not a code
    ],
)
def test_county_of_a_division_code(
    duck: duckdb.DuckDBPyConnection, code: str, expected: str
) -> None:
    assert _mask(duck, "county", code) == expected


@fixture_ok
@given(value=_text | st.sampled_from([a for a, _ in ADDRESSES]).map(lambda a: a + "1号楼"))
def test_county_shows_a_prefix_ending_in_a_unit_or_nothing(
    duck: duckdb.DuckDBPyConnection, value: str
) -> None:
    shown = _mask(duck, "county", value)
    if shown == REDACTED:
        return
    assert value.startswith(shown)
    assert re.fullmatch(r"[0-9]{6}", shown) or (
        shown[-1] in "区县市旗" and not re.search(r"[0-9A-Za-z路街号楼村镇乡]", shown)
    )


# --- the rest ----------------------------------------------------------------------------------


@fixture_ok
@given(value=_text)
def test_none_drop_and_redact(duck: duckdb.DuckDBPyConnection, value: str) -> None:
    assert _mask(duck, "none", value) == value
    assert _mask(duck, "drop", value) is None
    assert _mask(duck, "redact", value) == REDACTED


@pytest.mark.parametrize("kind", [k for k in MaskKind if k is not MaskKind.REDACT])
def test_masks_keep_null(duck: duckdb.DuckDBPyConnection, kind: MaskKind) -> None:
    spec = MaskSpec(kind, 3, 4) if kind is MaskKind.KEEP else MaskSpec(kind)
    assert _mask(duck, spec, None, key=KEY) is None
    assert _mask(duck, "redact", None) == REDACTED


def test_masked_output_is_text(duck: duckdb.DuckDBPyConnection) -> None:
    for spec in ("keep:1:1", "hash", "year", "county", "drop", "redact"):
        params: list[Any] = []
        expression = mask_sql(MaskSpec.parse(spec), "v", params, hash_key=KEY)
        row = duck.execute(
            f"SELECT typeof({expression}) FROM (SELECT DATE '2023-05-06' AS v)", params
        ).fetchone()
        assert row == ("VARCHAR",), spec


@pytest.mark.parametrize(
    ("personal", "mask", "shown"),
    [
        (True, "hash", "redact"),  # a sample is read under no grant, so there is no key
        (False, "hash", "redact"),
        (True, "none", "redact"),
        (False, "none", "none"),
        (True, "keep:6:4", "keep:6:4"),
        (True, "county", "county"),
    ],
)
def test_quarantine_samples_need_no_key(personal: bool, mask: str, shown: str) -> None:
    field = FieldSpec("f", "字段", "字段", "VARCHAR", personal=personal, mask=MaskSpec.parse(mask))
    assert str(shown_mask(field)) == shown
