"""Plans executed on a real DuckLake: masks and filters happen in SQL, values are only bound."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import random
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from faker import Faker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.policy import AccessPlan, Condition, Op, PlannedColumn, Refusal
from catalog.settings import Settings
from lakehouse.connection import connect
from lakehouse.masks import hmac_pads
from lakehouse.read import compile_plan, read
from schemas import MaskSpec, generators
from tests.catalog import policy_factories as pf
from tests.catalog.policy_factories import decide
from tests.fixtures.postgres import PostgresServer

TABLE = "rsj_social_insurance"
COLUMNS = (
    "citizen_id",
    "person_name",
    "employer_uscc",
    "employer_name",
    "period",
    "amount",
    "region",
)
ZHANG = "330106199001011234"  # check digit fixed below
KEY = bytes(range(100, 132))  # a grant's hash-mask key
INJECTIONS = (
    "' OR 1=1 --",
    "' OR '1'='1",
    "x'; DROP TABLE lake.rsj_social_insurance; --",
    '"; DROP TABLE lake.rsj_social_insurance; --',
    "2026-10' UNION SELECT * FROM lake.rsj_social_insurance --",
    "%",
    "_",
    "\\'",
    "张三丰' OR ''='",
)
Row = dict[str, Any]


def _rows() -> tuple[list[Row], list[Row]]:
    """A first batch of contributions, and one row published later in a second batch."""
    rng = random.Random(7)
    fake = Faker("zh_CN")
    fake.seed_instance(7)
    employers = [(generators.uscc(rng, region="330106"), fake.company()) for _ in range(4)]
    zhang = ZHANG[:17] + generators.ric_check_char(ZHANG[:17])
    rows: list[Row] = [
        _row(zhang, "张三丰", employers[0], "2026-10", "1234.50", "330106"),
        _row(generators.citizen_id(rng), "李四", employers[0], "2026-10", "800.00", "330102"),
        _row(generators.citizen_id(rng), "王小明", employers[1], "2026-10", "4500.00", "110101"),
        _row(generators.citizen_id(rng), "欧阳娜娜", employers[1], "2026-09", "2300.25", "330110"),
    ]
    for _ in range(40):
        region = generators.current_division(rng, rng.choice(["3301", "3301", "1101"]))
        rows.append(
            _row(
                generators.citizen_id(rng),
                fake.name(),
                rng.choice(employers),
                rng.choice(["2026-09", "2026-10"]),
                f"{rng.randrange(30_000, 900_000) / 100:.2f}",
                region,
            )
        )
    later = [_row(generators.citizen_id(rng), "赵六", employers[2], "2026-11", "99.99", "330106")]
    return rows, later


def _row(
    cid: str, name: str, employer: tuple[str, str], period: str, amount: str, region: str
) -> Row:
    return {
        "citizen_id": cid,
        "person_name": name,
        "employer_uscc": employer[0],
        "employer_name": employer[1],
        "period": period,
        "amount": Decimal(amount),
        "region": region,
    }


ROWS, LATER = _rows()


def _insert(con: duckdb.DuckDBPyConnection, rows: list[Row], batch_id: int, first_row: int) -> None:
    """Stage the rows in memory, then land them in one statement: one batch, one snapshot."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE staging AS FROM lake.{TABLE} LIMIT 0")
    con.executemany(
        "INSERT INTO staging VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[*(row[c] for c in COLUMNS), batch_id, first_row + i] for i, row in enumerate(rows)],
    )
    con.execute(f"INSERT INTO lake.{TABLE} FROM staging")


@dataclasses.dataclass(frozen=True)
class Lake:
    con: duckdb.DuckDBPyConnection
    first_snapshot: int
    settings: Settings


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite-lake"),
        pytest.param("postgresql", id="postgresql-lake", marks=pytest.mark.postgres),
    ],
)
def lake(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Lake]:
    """The same rows in a DuckLake whose metadata lives in SQLite (embedded) or in a real
    PostgreSQL server (production): plans, masks and filters must behave the same on both."""
    var: Path = tmp_path_factory.mktemp("var")
    lake_catalog = ""
    database = ""
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgresql_server")
        database = server.create_database("lake")
        lake_catalog = server.lake_catalog(database)
    config = Settings(var_dir=var, environment="test", lake_catalog=lake_catalog, lake_data_path="")
    try:
        yield from _filled_lake(config)
    finally:
        if database:
            with server.admin_connection() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _filled_lake(config: Settings) -> Iterator[Lake]:
    with connect(config) as con:
        con.execute(
            f"CREATE TABLE lake.{TABLE} (citizen_id VARCHAR, person_name VARCHAR,"
            " employer_uscc VARCHAR, employer_name VARCHAR, period VARCHAR,"
            " amount DECIMAL(18,2), region VARCHAR, _batch_id BIGINT, _row BIGINT)"
        )
        _insert(con, ROWS, 1, 1)
        snapshot = con.execute("SELECT max(snapshot_id) FROM lake.snapshots()").fetchone()
        assert snapshot is not None
        _insert(con, LATER, 2, len(ROWS) + 1)
        yield Lake(con, int(snapshot[0]), config)


@pytest.fixture(scope="module")
def duck(lake: Lake) -> duckdb.DuckDBPyConnection:
    """A connection for evaluating mask expressions on their own."""
    return lake.con


def owner_plan(**changes: Any) -> AccessPlan:
    decision = decide(pf.owner(), pf.contract(), None, pf.request(**changes), now=pf.NOW)
    assert isinstance(decision, AccessPlan), decision
    return decision


def grantee_plan(
    grant_fields: tuple[str, ...] = pf.GRANTED, match: tuple[str, ...] = (), **changes: Any
) -> AccessPlan:
    terms = pf.grant(fields=grant_fields, match_fields=match)
    decision = decide(pf.principal(), pf.contract(), terms, pf.request(**changes), now=pf.NOW)
    assert isinstance(decision, AccessPlan), decision
    return decision


def rows_of(lake: Lake, plan: AccessPlan, **kwargs: Any) -> list[Row]:
    result = read(lake.con, plan, **kwargs)
    assert result.row_count == len(result.table)
    assert result.columns == tuple(result.table.column_names) == plan.column_names
    rows: list[Row] = result.table.to_pylist()
    return rows


def table_count(lake: Lake) -> int:
    row = lake.con.execute(f"SELECT count(*) FROM lake.{TABLE}").fetchone()
    assert row is not None
    return int(row[0])


# --- masks and columns -------------------------------------------------------------------------


def test_owner_reads_every_column_as_stored(lake: Lake) -> None:
    got = rows_of(lake, owner_plan())
    assert len(got) == len(ROWS) + len(LATER)
    by_id = {r["citizen_id"]: r for r in got}
    assert by_id[ROWS[0]["citizen_id"]] == ROWS[0]


def test_grantee_columns_are_masked_in_sql(lake: Lake) -> None:
    plan = grantee_plan(grant_fields=(*pf.GRANTED, "region"))
    result = read(lake.con, plan)
    assert result.masked_columns == ("citizen_id", "person_name")
    got = result.table.to_pylist()
    raw = {(r["employer_uscc"], r["period"], r["region"]) for r in ROWS + LATER}
    assert got and all((r["employer_uscc"], r["period"], r["region"]) in raw for r in got)
    for row in got:
        assert re.fullmatch(r"\d{6}\*{4}[\dX]{3}[\dX]", row["citizen_id"]), row
        assert row["person_name"][1:] == "****", row  # the run never tells the name's length
    zhang_id = ROWS[0]["citizen_id"][:6] + "****" + ROWS[0]["citizen_id"][-4:]
    zhang = [r for r in got if r["citizen_id"] == zhang_id]
    assert zhang == [
        {
            "citizen_id": zhang_id,
            "person_name": "张****",
            "employer_uscc": ROWS[0]["employer_uscc"],
            "period": "2026-10",
            "region": "330106",
        }
    ]
    assert "欧****" in {r["person_name"] for r in got}


def _one_column_plan(column: str, mask: str, **changes: Any) -> AccessPlan:
    plan = AccessPlan(
        dataset_code=TABLE,
        table=TABLE,
        columns=(PlannedColumn(column, "VARCHAR", MaskSpec.parse(mask)),),
        conditions=(Condition("person_name", Op.EQ, "张三丰"),),
        limit=10,
        offset=0,
        grant_id=1,
        purpose="test",
        hash_key=KEY,
    )
    return dataclasses.replace(plan, **changes)


@pytest.mark.parametrize(
    ("column", "mask", "expected"),
    [
        ("citizen_id", "id_number", ZHANG[:6] + "****" + "123"),
        ("person_name", "name", "张****"),
        ("person_name", "hash", hmac.new(KEY, "张三丰".encode(), hashlib.sha256).hexdigest()),
        ("region", "county", "330106"),
        ("period", "year", "2026"),
        ("person_name", "redact", "***"),
        ("person_name", "drop", None),
        ("person_name", "none", "张三丰"),
    ],
)
def test_each_mask_keeps_the_column_name(
    lake: Lake, column: str, mask: str, expected: str | None
) -> None:
    got = rows_of(lake, _one_column_plan(column, mask))
    assert len(got) == 1
    assert set(got[0]) == {column}
    shown = got[0][column]
    assert shown == expected if expected is None else shown.startswith(expected)


def test_hash_keys_are_bound_first_in_select_order(lake: Lake) -> None:
    plan = _one_column_plan("person_name", "hash")
    plan = dataclasses.replace(
        plan,
        columns=(*plan.columns, PlannedColumn("citizen_id", "VARCHAR", MaskSpec.parse("hash"))),
        conditions=(Condition("person_name", Op.IN, ("张三丰", "李四")),),
    )
    sql, params = compile_plan(plan, snapshot_id=lake.first_snapshot)
    outer, inner = hmac_pads(KEY)
    assert params == [outer, inner, outer, inner, lake.first_snapshot, "张三丰", "李四", 10, 0]
    got = rows_of(lake, plan, snapshot_id=lake.first_snapshot)
    by_name = {
        r["citizen_id"]: r["person_name"] for r in ROWS if r["person_name"] in ("张三丰", "李四")
    }
    expected = {
        hmac.new(KEY, cid.encode(), hashlib.sha256).hexdigest(): hmac.new(
            KEY, name.encode(), hashlib.sha256
        ).hexdigest()
        for cid, name in by_name.items()
    }
    assert {r["citizen_id"]: r["person_name"] for r in got} == expected


@settings(max_examples=50)
@given(key=st.binary(min_size=16, max_size=64))
def test_compiled_sql_never_contains_the_hash_key(key: bytes) -> None:
    plan = dataclasses.replace(grantee_plan(), hash_key=key)
    plan = dataclasses.replace(
        plan,
        columns=tuple(dataclasses.replace(c, mask=MaskSpec.parse("hash")) for c in plan.columns),
    )
    sql, params = compile_plan(plan)
    for secret in (key, *hmac_pads(key)):
        assert secret.hex() not in sql.lower()
        assert secret.decode("latin-1") not in sql
        assert secret not in sql.encode("utf-8")
    assert key not in params  # only the padded blocks are bound
    assert compile_plan(dataclasses.replace(plan, hash_key=b"other"))[0] == sql
    assert "hash_key" not in repr(plan) and key.hex() not in repr(plan)


def test_hash_mask_without_a_key_is_refused_not_weakened() -> None:
    with pytest.raises(ValueError, match="key"):
        compile_plan(_one_column_plan("person_name", "hash", hash_key=None))


# --- filters -----------------------------------------------------------------------------------


def _expected(predicate: Any, rows: list[Row] | None = None) -> list[str]:
    return sorted(r["citizen_id"] for r in (rows or ROWS + LATER) if predicate(r))


@pytest.mark.parametrize(
    ("condition", "predicate"),
    [
        (Condition("period", Op.EQ, "2026-09"), lambda r: r["period"] == "2026-09"),
        (Condition("period", Op.NE, "2026-10"), lambda r: r["period"] != "2026-10"),
        (Condition("amount", Op.GE, 4500), lambda r: r["amount"] >= 4500),
        (Condition("amount", Op.LT, 800.01), lambda r: r["amount"] < Decimal("800.01")),
        (Condition("amount", Op.LE, 800), lambda r: r["amount"] <= 800),
        (Condition("amount", Op.GT, 2300.25), lambda r: r["amount"] > Decimal("2300.25")),
        (
            Condition("region", Op.IN, ("330102", "110101")),
            lambda r: r["region"] in ("330102", "110101"),
        ),
        (Condition("region", Op.PREFIX, "1101"), lambda r: r["region"].startswith("1101")),
        (Condition("person_name", Op.EQ, "欧阳娜娜"), lambda r: r["person_name"] == "欧阳娜娜"),
        (Condition("person_name", Op.PREFIX, "王"), lambda r: r["person_name"].startswith("王")),
        (
            Condition("employer_name", Op.PREFIX, ROWS[0]["employer_name"][:2]),
            lambda r: r["employer_name"].startswith(ROWS[0]["employer_name"][:2]),
        ),
    ],
)
def test_filters(lake: Lake, condition: Condition, predicate: Any) -> None:
    got = rows_of(lake, owner_plan(fields=("citizen_id",), filters=(condition,)))
    expected = _expected(predicate)
    assert expected, "the filter should select something"
    assert sorted(r["citizen_id"] for r in got) == expected


def test_a_masked_field_cannot_be_filtered_on(lake: Lake) -> None:
    """Defect 1 (issue 8): a masked value must not be recoverable by bisecting it with filters.

    This test used to pin the defect: a grantee's ``eq`` filter on the masked ``person_name``
    ran against the stored name. Ranges, prefixes and candidate lists on a masked field are now
    refused by the decision before any SQL runs.
    """
    target = ROWS[0]["citizen_id"]
    probes = (
        Condition("citizen_id", Op.GE, target[:10]),
        Condition("citizen_id", Op.LT, target),
        Condition("citizen_id", Op.PREFIX, target[:12]),
        Condition("citizen_id", Op.IN, (target, "110101199001011234")),
        Condition("citizen_id", Op.EQ, target),  # not a match key of this grant
        Condition("person_name", Op.EQ, "张三丰"),
        Condition("person_name", Op.PREFIX, "张"),
        Condition("person_name", Op.NE, "张三丰"),
    )
    for probe in probes:
        terms = pf.grant()
        decision = decide(
            pf.principal(), pf.contract(), terms, pf.request(filters=(probe,)), now=pf.NOW
        )
        assert isinstance(decision, Refusal), probe
        assert decision.code == "field.masked"


def test_a_match_key_matches_one_exact_value_against_the_stored_value(lake: Lake) -> None:
    match = ("citizen_id", "person_name")
    plan = grantee_plan(match=match, filters=(Condition("person_name", Op.EQ, "张三丰"),))
    assert plan.probe
    got = rows_of(lake, plan)
    assert [r["person_name"] for r in got] == ["张****"]
    # The masked text itself matches nothing: conditions never see the masked output.
    assert (
        rows_of(
            lake, grantee_plan(match=match, filters=(Condition("person_name", Op.EQ, "张****"),))
        )
        == []
    )
    for probe in (
        Condition("person_name", Op.IN, ("张三丰", "李四")),
        Condition("person_name", Op.PREFIX, "张"),
        Condition("citizen_id", Op.LT, ROWS[0]["citizen_id"]),
    ):
        request = pf.request(filters=(probe,))
        terms = pf.grant(match_fields=match)
        decision = decide(pf.principal(), pf.contract(), terms, request, now=pf.NOW)
        assert isinstance(decision, Refusal) and decision.code == "field.masked", probe
    twice = (Condition("person_name", Op.EQ, "张三丰"), Condition("person_name", Op.EQ, "李四"))
    terms = pf.grant(match_fields=match)
    decision = decide(pf.principal(), pf.contract(), terms, pf.request(filters=twice), now=pf.NOW)
    assert isinstance(decision, Refusal) and decision.code == "field.masked"


def test_grant_filter_applies_even_when_the_client_contradicts_it(lake: Lake) -> None:
    fields = (*pf.GRANTED, "region")
    everything = rows_of(lake, grantee_plan(fields, limit=10_000))
    assert everything and all(r["region"].startswith("3301") for r in everything)
    assert len(everything) == len(_expected(lambda r: r["region"].startswith("3301")))
    # The decision refuses such a read (grant.outside_row_filter); the SQL still ANDs the
    # grant's filter first whatever a plan's other conditions say (defence in depth).
    beijing = (Condition("region", Op.EQ, "110101"),)
    refused = decide(pf.principal(), pf.contract(), pf.grant(fields=fields),
                     pf.request(filters=beijing), now=pf.NOW)  # fmt: skip
    assert isinstance(refused, Refusal) and refused.code == "grant.outside_row_filter"
    plan = grantee_plan(fields, limit=10_000)
    assert rows_of(lake, dataclasses.replace(plan, conditions=plan.conditions + beijing)) == []
    mixed = (Condition("region", Op.IN, ("110101", "330106")),)
    got = rows_of(lake, dataclasses.replace(plan, conditions=plan.conditions + mixed))
    assert got and {r["region"] for r in got} == {"330106"}


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_in_filter_values_returns_nothing_extra_and_breaks_nothing(
    lake: Lake, value: str
) -> None:
    before = table_count(lake)
    for condition in (
        Condition("employer_uscc", Op.EQ, value),
        Condition("employer_uscc", Op.PREFIX, value),
        Condition("period", Op.IN, (value,)),
    ):
        sql, params = compile_plan(grantee_plan(filters=(condition,)))
        benign = dataclasses.replace(condition, value=("x",) if condition.op is Op.IN else "x")
        assert compile_plan(grantee_plan(filters=(benign,)))[0] == sql
        assert value in params
        assert rows_of(lake, grantee_plan(filters=(condition,))) == []
    both = (Condition("period", Op.IN, (value, "2026-09")),)
    assert len(rows_of(lake, grantee_plan(filters=both))) == len(
        _expected(lambda r: r["period"] == "2026-09" and r["region"].startswith("3301"))
    )
    assert table_count(lake) == before


# --- SQL text ----------------------------------------------------------------------------------

_ops = st.sampled_from([Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE, Op.PREFIX, Op.IN])


def _with(plan: AccessPlan, *conditions: Condition) -> AccessPlan:
    """``plan`` with other conditions: compile and execute any value, even one policy refuses."""
    return dataclasses.replace(plan, conditions=conditions)


@settings(max_examples=200)
@given(op=_ops, values=st.lists(st.text(min_size=1), min_size=1, max_size=3))
def test_compiled_sql_never_contains_a_filter_value(op: Op, values: list[str]) -> None:
    marked = [f"\u2603{v}\u2603" for v in values]  # a sentinel no SQL text contains
    value: Any = tuple(marked) if op is Op.IN else marked[0]
    base = grantee_plan()
    sql, params = compile_plan(_with(base, *pf.GRANT_FILTER, Condition("person_name", op, value)))
    assert "\u2603" not in sql
    assert set(marked if op is Op.IN else marked[:1]) <= set(params)
    # The text depends on the shape of the plan only, never on the values.
    blank: Any = tuple("x" for _ in marked) if op is Op.IN else "x"
    other = _with(base, *pf.GRANT_FILTER, Condition("person_name", op, blank))
    assert compile_plan(other)[0] == sql


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.text(), op=st.sampled_from([Op.EQ, Op.IN, Op.PREFIX]))
def test_arbitrary_values_execute_safely(lake: Lake, value: str, op: Op) -> None:
    bound: Any = (value,) if op is Op.IN else value
    plan = _with(owner_plan(fields=("person_name",)), Condition("person_name", op, bound))
    got = [r["person_name"] for r in rows_of(lake, plan)]
    names = [r["person_name"] for r in ROWS + LATER]
    if op is Op.PREFIX:
        assert sorted(got) == sorted(n for n in names if n.startswith(value))
    else:
        assert got == [n for n in names if n == value]


# --- ordering, paging, time travel -------------------------------------------------------------


def test_pages_follow_the_primary_key(lake: Lake) -> None:
    keys = ("citizen_id", "employer_uscc", "period")
    pages = [rows_of(lake, owner_plan(fields=keys, limit=7, offset=o)) for o in range(0, 70, 7)]
    flat = [tuple(r[k] for k in keys) for page in pages for r in page]
    assert flat == sorted(tuple(r[k] for k in keys) for r in ROWS + LATER)
    sql, _ = compile_plan(owner_plan())
    assert sql.endswith(
        'ORDER BY src."citizen_id", src."employer_uscc", src."period" LIMIT ? OFFSET ?'
    )


def test_a_key_the_grantee_sees_masked_never_orders_the_rows(lake: Lake) -> None:
    """Ordering by a masked key would tell its hidden digits apart page by page: the order is a
    keyed hash of the row id instead, stable across pages and unrelated to the values."""
    plan = grantee_plan(fields=("citizen_id",), limit=10_000)
    assert plan.order_hidden and plan.order_by == ()
    sql, _ = compile_plan(plan, order_salt=12345)
    assert "ORDER BY hash(src.rowid" in sql and 'src."citizen_id" LIMIT' not in sql
    everything = [r["citizen_id"] for r in rows_of(lake, plan, order_salt=12345)]
    pages = [
        r["citizen_id"]
        for offset in range(0, len(everything), 3)
        for r in rows_of(lake, dataclasses.replace(plan, limit=3, offset=offset), order_salt=12345)
    ]
    assert pages == everything  # stable paging
    by_id = [
        c[:6] + "****" + c[-4:]
        for c in sorted(r["citizen_id"] for r in ROWS + LATER if r["region"].startswith("3301"))
    ]
    assert sorted(everything) == sorted(by_id)
    other_salt = [r["citizen_id"] for r in rows_of(lake, plan, order_salt=999)]
    assert sorted(other_salt) == sorted(everything)


def test_quota_clipped_plan_returns_at_most_the_quota(lake: Lake) -> None:
    terms = pf.grant(quota_rows=10, rows_used=7)
    decision = decide(pf.principal(), pf.contract(), terms, pf.request(), now=pf.NOW)
    assert not isinstance(decision, Refusal)
    assert read(lake.con, decision).row_count == 3


def test_time_travel_reads_an_earlier_snapshot(lake: Lake) -> None:
    plan = owner_plan(fields=("person_name",), filters=(Condition("period", Op.EQ, "2026-11"),))
    assert [r["person_name"] for r in rows_of(lake, plan)] == ["赵六"]
    assert rows_of(lake, plan, snapshot_id=lake.first_snapshot) == []
    assert len(rows_of(lake, owner_plan(), snapshot_id=lake.first_snapshot)) == len(ROWS)
