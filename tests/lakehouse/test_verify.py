"""Verify (核验) plans executed on a real DuckLake (SQLite and PostgreSQL metadata): one SQL
statement per call, values normalised as ingest does, the grant's rows only, no stored value out,
nothing left behind on the shared connection."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from catalog.actions import DATA_VERIFY
from catalog.conditions import Condition, Op
from catalog.policy import Allowed, Refusal, authorize
from catalog.verify_plan import VerifyPlan, VerifyRequest, VerifyResource
from lakehouse.verify import SUBMITTED, RecordResult, compile_verify, run_verify
from tests.catalog import policy_factories as pf
from tests.lakehouse.test_read import INJECTIONS, LATER, ROWS, Lake, lake

__all__ = ["lake"]  # the parametrised SQLite / PostgreSQL lake of test_read

ELEMENTS = {
    "citizen_id": "citizen_id",
    "person_name": "person_name",
    "employer_uscc": "uscc",
    "period": "month",
    "amount": "amount",
    "region": "admin_division",
}
ZHANG = ROWS[0]  # region 330106: inside the grant's row filter (prefix 3301)
WANG = ROWS[2]  # region 110101: outside it


def _plan(
    match_on: tuple[str, ...] = ("citizen_id",),
    compare: tuple[str, ...] = ("person_name",),
    count: int = 1,
    *,
    owner: bool = False,
    **grant_changes: Any,
) -> VerifyPlan:
    grant_changes.setdefault("match_fields", ("citizen_id", "person_name"))
    grant = pf.grant(**grant_changes)
    who = pf.owner() if owner else pf.principal()
    resource = VerifyResource(
        pf.terms(), None if owner else grant, VerifyRequest(match_on, compare, count)
    )
    decision = authorize(who, DATA_VERIFY, resource, now=pf.NOW)
    assert isinstance(decision, Allowed), decision
    assert decision.verify_plan is not None
    return decision.verify_plan


def _verify(lake: Lake, plan: VerifyPlan, records: list[dict[str, Any]]) -> list[RecordResult]:
    plan = dataclasses.replace(plan, record_count=len(records))
    return list(run_verify(lake.con, plan, records, ELEMENTS, snapshot_id=None))


def test_match_not_found_and_differs_name_fields_only(lake: Lake) -> None:
    results = _verify(
        lake,
        _plan(compare=("person_name", "period")),
        [
            {"citizen_id": ZHANG["citizen_id"], "person_name": "张三丰", "period": "2026-10"},
            {"citizen_id": ZHANG["citizen_id"], "person_name": "张三", "period": "2026-10"},
            {"citizen_id": ZHANG["citizen_id"], "person_name": "张三", "period": "2020-01"},
            {"citizen_id": "110105194912310029", "person_name": "张三丰", "period": "2026-10"},
        ],
    )
    assert results == [
        RecordResult(0, "match"),
        RecordResult(1, "differs", ("person_name",)),
        RecordResult(2, "differs", ("person_name", "period")),
        RecordResult(3, "not_found"),
    ]


def test_submitted_values_are_normalised_as_ingest_does(lake: Lake) -> None:
    cid = ZHANG["citizen_id"]
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in cid)
    variants = [cid.lower(), f"  {cid}\u3000", full_width, cid[:6] + " " + cid[6:]]
    records = [
        {"citizen_id": v, "person_name": " 张三丰 ", "period": "2026年10月"} for v in variants
    ]
    results = _verify(lake, _plan(compare=("person_name", "period")), records)
    assert [r.outcome for r in results] == ["match"] * len(variants)


def test_lower_case_x_matches_a_stored_upper_case_x(lake: Lake) -> None:
    x_rows = [r for r in ROWS + LATER if r["citizen_id"].endswith("X")]
    assert x_rows, "the fixed sample (seed 7) holds an ID ending in X"
    row = x_rows[0]
    record = {"citizen_id": row["citizen_id"].lower(), "person_name": row["person_name"]}
    inside = row["region"].startswith("3301")
    [result] = _verify(lake, _plan(), [record])
    assert result.outcome == ("match" if inside else "not_found")


def test_rows_outside_the_grant_filter_look_not_found(lake: Lake) -> None:
    record = {"citizen_id": WANG["citizen_id"], "person_name": WANG["person_name"]}
    assert _verify(lake, _plan(), [record])[0].outcome == "not_found"
    # the owner, with no grant filter, finds it
    assert _verify(lake, _plan(owner=True), [record])[0].outcome == "match"


def test_several_rows_share_the_key_match_if_any_matches_all(lake: Lake) -> None:
    """An employer has many rows: a record matches if one row matches every compared field;
    otherwise ``differs`` names the fields of the closest row."""
    employer = ZHANG["employer_uscc"]
    assert sum(1 for r in ROWS if r["employer_uscc"] == employer) > 1
    plan = _plan(("employer_uscc",), ("person_name", "period"))
    records = [
        {"employer_uscc": employer, "person_name": "张三丰", "period": "2026-10"},
        {"employer_uscc": employer, "person_name": "张三丰", "period": "1999-01"},
        {"employer_uscc": employer, "person_name": "无此人", "period": "2026-10"},
        {"employer_uscc": employer, "person_name": "无此人", "period": "1999-01"},
    ]
    assert _verify(lake, plan, records) == [
        RecordResult(0, "match"),
        RecordResult(1, "differs", ("period",)),
        RecordResult(2, "differs", ("person_name",)),
        RecordResult(3, "differs", ("person_name", "period")),
    ]


def test_numeric_compare_casts_like_ingest(lake: Lake) -> None:
    plan = _plan(
        compare=("amount",),
        fields=(*pf.GRANTED, "amount"),
    )
    results = _verify(
        lake,
        plan,
        [
            {"citizen_id": ZHANG["citizen_id"], "amount": "1,234.5"},
            {"citizen_id": ZHANG["citizen_id"], "amount": 1234.5},
            {"citizen_id": ZHANG["citizen_id"], "amount": "￥1234.50元"},
            {"citizen_id": ZHANG["citizen_id"], "amount": 1234},
            {"citizen_id": ZHANG["citizen_id"], "amount": "not a number"},
        ],
    )
    assert [r.outcome for r in results] == ["match", "match", "match", "differs", "differs"]


def test_the_grant_row_filter_is_bound_never_pasted(lake: Lake) -> None:
    plan = _plan(row_filter=(Condition("region", Op.PREFIX, INJECTIONS[0]),))
    sql, params = compile_verify(plan, ELEMENTS, snapshot_id=lake.first_snapshot)
    assert INJECTIONS[0] not in sql and INJECTIONS[0] in params
    assert params == [lake.first_snapshot, INJECTIONS[0]]
    record = {"citizen_id": ZHANG["citizen_id"], "person_name": "张三丰"}
    assert _verify(lake, plan, [record])[0].outcome == "not_found"


@pytest.mark.parametrize("value", INJECTIONS)
def test_submitted_values_are_data_not_sql(lake: Lake, value: str) -> None:
    records = [{"citizen_id": value, "person_name": value}]
    assert _verify(lake, _plan(), records) == [RecordResult(0, "not_found")]
    count = lake.con.execute("SELECT count(*) FROM lake.rsj_social_insurance").fetchone()
    assert count == (len(ROWS) + len(LATER),)


def test_a_snapshot_is_verified_as_it_was(lake: Lake) -> None:
    zhao = LATER[0]
    record = {"citizen_id": zhao["citizen_id"], "person_name": zhao["person_name"]}
    plan = dataclasses.replace(_plan(), record_count=1)
    now = run_verify(lake.con, plan, [record], ELEMENTS, snapshot_id=None)
    then = run_verify(lake.con, plan, [record], ELEMENTS, snapshot_id=lake.first_snapshot)
    assert (now[0].outcome, then[0].outcome) == ("match", "not_found")


def test_a_batch_of_ten_thousand_in_one_statement(lake: Lake) -> None:
    records = [
        {"citizen_id": ZHANG["citizen_id"] if i % 2 else f"{i:018d}", "person_name": "张三丰"}
        for i in range(10_000)
    ]
    results = _verify(lake, _plan(count=10_000), records)
    assert [r.index for r in results] == list(range(10_000))
    assert {r.outcome for r in results[1::2]} == {"match"}
    assert {r.outcome for r in results[::2]} == {"not_found"}


def test_nothing_is_left_on_the_shared_connection(lake: Lake) -> None:
    before = lake.con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone()
    _verify(lake, _plan(), [{"citizen_id": ZHANG["citizen_id"], "person_name": "张三丰"}])
    after = lake.con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone()
    assert before == after
    names = lake.con.execute(
        "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()"
    ).fetchall()
    assert (SUBMITTED,) not in names


def test_a_masked_field_that_is_no_match_key_is_refused() -> None:
    resource = VerifyResource(
        pf.terms(), pf.grant(), VerifyRequest(("citizen_id",), ("person_name",), 1)
    )
    decision = authorize(pf.principal(), DATA_VERIFY, resource, now=pf.NOW)
    assert isinstance(decision, Refusal) and decision.code == "field.masked"
