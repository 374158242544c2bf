"""Aggregate plans executed on a real DuckLake (SQLite and PostgreSQL metadata): grouped by what
the grantee sees, small groups suppressed inside DuckDB, the grant's rows only."""

from __future__ import annotations

import dataclasses
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from catalog.actions import DATA_AGGREGATE
from catalog.aggregate_plan import (
    AggregatePlan,
    AggregateRequest,
    AggregateResource,
    Measure,
    MeasureFn,
)
from catalog.conditions import Condition, Op
from catalog.errors import InvalidInput
from catalog.models import AccessMode
from catalog.policy import Allowed, authorize
from lakehouse.aggregate import compile_aggregate, run_aggregate
from schemas import MaskKind, MaskSpec
from tests.catalog import policy_factories as pf
from tests.lakehouse.test_read import INJECTIONS, KEY, LATER, ROWS, Lake, lake

__all__ = ["lake"]

COUNT = Measure(MeasureFn.COUNT)
SUM = Measure(MeasureFn.SUM, "amount")
ALL = ROWS + LATER
INSIDE = [r for r in ALL if r["region"].startswith("3301")]  # the grant filter: prefix 3301
FIELDS = ("citizen_id", "person_name", "employer_uscc", "period", "amount", "region")


def _plan(
    group_by: tuple[str, ...],
    measures: tuple[Measure, ...] = (COUNT, SUM),
    filters: tuple[Condition, ...] = (),
    *,
    owner: bool = False,
    min_group_size: int = 10,
    hashed: bool = False,
) -> AggregatePlan:
    contract = pf.contract()
    if hashed:
        contract = pf.contract(
            fields=tuple(
                dataclasses.replace(f, mask=MaskSpec(MaskKind.HASH))
                if f.name == "citizen_id"
                else f
                for f in contract.fields
            )
        )
    grant = pf.grant(fields=FIELDS, access_modes=frozenset({AccessMode.AGGREGATE}))
    resource = AggregateResource(
        pf.terms(contract),
        None if owner else grant,
        AggregateRequest(group_by, measures, filters),
        min_group_size=min_group_size,
    )
    who = pf.owner() if owner else pf.principal()
    decision = authorize(who, DATA_AGGREGATE, resource, now=pf.NOW)
    assert isinstance(decision, Allowed), decision
    assert decision.aggregate_plan is not None
    plan = decision.aggregate_plan
    return dataclasses.replace(plan, hash_key=KEY) if hashed else plan


def test_groups_under_the_minimum_are_suppressed_and_only_counted(lake: Lake) -> None:
    plan = _plan(("employer_uscc",), min_group_size=5)
    result = run_aggregate(lake.con, plan)
    sizes = Counter(r["employer_uscc"] for r in INSIDE)
    kept = {k: n for k, n in sizes.items() if n >= 5}
    assert {g["employer_uscc"]: g["count"] for g in result.groups} == kept
    assert result.suppressed_groups == len(sizes) - len(kept)
    for group in result.groups:
        expected = sum(r["amount"] for r in INSIDE if r["employer_uscc"] == group["employer_uscc"])
        assert group["sum_amount"] == expected
    assert result.columns == ("employer_uscc", "count", "sum_amount")


def test_the_owner_sees_every_group(lake: Lake) -> None:
    result = run_aggregate(lake.con, _plan(("region",), owner=True))
    assert {g["region"]: g["count"] for g in result.groups} == Counter(r["region"] for r in ALL)
    assert result.suppressed_groups == 0


def test_grouping_by_a_hash_masked_id_suppresses_every_group(lake: Lake) -> None:
    plan = _plan(("citizen_id",), hashed=True)
    result = run_aggregate(lake.con, plan)
    assert result.groups == ()
    assert result.suppressed_groups == len({r["citizen_id"] for r in INSIDE})
    # with the minimum at one, the keys are keyed hashes, never the stored IDs
    shown = run_aggregate(lake.con, dataclasses.replace(plan, min_group_size=1))
    ids = {r["citizen_id"] for r in ALL}
    assert shown.groups and all(len(g["citizen_id"]) == 64 for g in shown.groups)
    assert not ids & {g["citizen_id"] for g in shown.groups}


def test_a_keep_masked_id_groups_by_the_masked_text(lake: Lake) -> None:
    result = run_aggregate(lake.con, _plan(("citizen_id",), measures=(COUNT,), min_group_size=1))
    assert all("****" in g["citizen_id"] for g in result.groups)
    assert sum(g["count"] for g in result.groups) == len(INSIDE)


def test_a_filter_narrowing_to_a_tiny_group_is_suppressed(lake: Lake) -> None:
    zhang = ROWS[0]
    narrow = (
        Condition("employer_uscc", Op.EQ, zhang["employer_uscc"]),
        Condition("amount", Op.EQ, float(zhang["amount"])),
    )
    result = run_aggregate(lake.con, _plan((), filters=narrow))
    assert result.groups == () and result.suppressed_groups == 1
    # the owner, unsuppressed, sees the one row's sum
    owner = run_aggregate(lake.con, _plan((), filters=narrow, owner=True))
    assert owner.groups == ({"count": 1, "sum_amount": zhang["amount"]},)


def test_no_grouping_totals_the_granted_rows(lake: Lake) -> None:
    result = run_aggregate(lake.con, _plan(()))
    total = sum((r["amount"] for r in INSIDE), Decimal(0))
    assert result.groups == ({"count": len(INSIDE), "sum_amount": total},)


def test_too_many_groups_is_a_clear_refusal(lake: Lake) -> None:
    plan = dataclasses.replace(_plan(("citizen_id",), owner=True), max_groups=3)
    with pytest.raises(InvalidInput) as refused:
        run_aggregate(lake.con, plan)
    assert refused.value.code == "aggregate.too_many_groups"


@pytest.mark.parametrize("value", INJECTIONS)
def test_filter_values_are_bound(lake: Lake, value: str) -> None:
    plan = _plan(("period",), filters=(Condition("employer_uscc", Op.EQ, value),), owner=True)
    sql, params = compile_aggregate(plan)
    assert value in params
    if len(value) > 2:  # '%' and '_' occur in any SQL text
        assert value not in sql
    assert run_aggregate(lake.con, plan).groups == ()


def test_a_snapshot_is_aggregated_as_it_was(lake: Lake) -> None:
    plan = _plan(("period",), measures=(COUNT,), owner=True)
    then = run_aggregate(lake.con, plan, snapshot_id=lake.first_snapshot)
    assert "2026-11" not in {g["period"] for g in then.groups}
    now: Any = run_aggregate(lake.con, plan)
    assert "2026-11" in {g["period"] for g in now.groups}
