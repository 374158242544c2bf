"""The verify and aggregate decisions, attacked directly as a hostile grantee would."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from catalog.actions import DATA_AGGREGATE, DATA_VERIFY
from catalog.aggregate_plan import (
    MAX_GROUPS,
    AggregatePlan,
    AggregateRequest,
    AggregateResource,
    Measure,
    MeasureFn,
)
from catalog.conditions import Condition, Op
from catalog.models import AccessMode, Role
from catalog.policy import Allowed, Refusal, authorize
from catalog.verify_plan import MAX_RECORDS, VerifyPlan, VerifyRequest, VerifyResource
from schemas import MaskKind, MaskSpec
from tests.catalog import policy_factories as pf

FIELDS = ("citizen_id", "person_name", "employer_uscc", "period", "amount", "region")
COUNT = Measure(MeasureFn.COUNT)


def _grant(**changes: Any) -> Any:
    terms = pf.grant(
        fields=FIELDS,
        access_modes=frozenset({AccessMode.VERIFY, AccessMode.AGGREGATE}),
        match_fields=("citizen_id", "person_name"),
    )
    return dataclasses.replace(terms, **changes)


def verify(
    match_on: tuple[str, ...] = ("citizen_id",),
    compare: tuple[str, ...] = ("person_name",),
    count: int = 1,
    *,
    who: Any = None,
    grant: Any = "default",
) -> VerifyPlan | Refusal:
    grant = _grant() if grant == "default" else grant
    resource = VerifyResource(pf.terms(), grant, VerifyRequest(match_on, compare, count))
    decision = authorize(who or pf.principal(), DATA_VERIFY, resource, now=pf.NOW)
    if isinstance(decision, Allowed):
        assert decision.verify_plan is not None and decision.plan is None
        return decision.verify_plan
    return decision


def aggregate(
    group_by: tuple[str, ...] = ("period",),
    measures: tuple[Measure, ...] = (COUNT,),
    filters: tuple[Condition, ...] = (),
    *,
    who: Any = None,
    grant: Any = "default",
    contract: Any = None,
) -> AggregatePlan | Refusal:
    grant = _grant() if grant == "default" else grant
    request = AggregateRequest(group_by, measures, filters)
    resource = AggregateResource(pf.terms(contract), grant, request, min_group_size=10)
    decision = authorize(who or pf.principal(), DATA_AGGREGATE, resource, now=pf.NOW)
    if isinstance(decision, Allowed):
        assert decision.aggregate_plan is not None and decision.plan is None
        return decision.aggregate_plan
    return decision


def code(outcome: object) -> str:
    assert isinstance(outcome, Refusal), outcome
    return outcome.code


# --- verify ---------------------------------------------------------------------------------------


def test_a_grantee_verifies_its_match_keys_under_its_row_filter() -> None:
    plan = verify()
    assert isinstance(plan, VerifyPlan)
    assert plan.conditions == pf.GRANT_FILTER and plan.grant_id == 11
    assert plan.masked_fields == ("citizen_id", "person_name")
    assert plan.field_types == (("citizen_id", "VARCHAR"), ("person_name", "VARCHAR"))


def test_the_owner_verifies_without_a_grant_or_filter() -> None:
    plan = verify(compare=("employer_name",), who=pf.owner(), grant=None)
    assert isinstance(plan, VerifyPlan) and plan.conditions == () and plan.grant_id is None
    steward = verify(who=pf.owner(Role.STEWARD), grant=None, count=MAX_RECORDS)
    assert isinstance(steward, VerifyPlan)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"grant": None}, "grant.missing"),
        ({"grant": _grant(revoked_at=pf.NOW)}, "grant.revoked"),
        ({"grant": _grant(expires_at=pf.NOW - dt.timedelta(seconds=1))}, "grant.expired"),
        ({"grant": _grant(access_modes=frozenset({AccessMode.QUERY}))}, "grant.mode_not_allowed"),
        ({"grant": _grant(grantee_department_id=99)}, "grant.missing"),
        ({"grant": _grant(match_fields=("citizen_id",))}, "field.masked"),
        ({"grant": _grant(match_fields=())}, "field.masked"),
        ({"grant": _grant(quota_rows=10, rows_used=10)}, "quota.exceeded"),
        ({"grant": _grant(quota_rows=10, rows_used=9), "count": 2}, "quota.exceeded"),
        ({"compare": ("employer_name",)}, "field.not_granted"),
        ({"compare": ("salary",)}, "field.unknown"),
        ({"compare": ()}, "verify.fields_invalid"),
        ({"match_on": ()}, "verify.fields_invalid"),
        ({"compare": ("citizen_id",)}, "verify.fields_invalid"),
        ({"compare": ("period", "period")}, "verify.fields_invalid"),
        ({"count": 0}, "verify.batch_size"),
        ({"count": MAX_RECORDS + 1}, "verify.batch_size"),
        ({"who": pf.principal(Role.AUDITOR)}, "role.requester_required"),
        ({"who": pf.owner(Role.REQUESTER), "grant": None}, "grant.missing"),
    ],
)
def test_verify_refusals(kwargs: dict[str, Any], expected: str) -> None:
    assert code(verify(**kwargs)) == expected


def test_a_quota_that_covers_the_batch_exactly_is_enough() -> None:
    assert isinstance(verify(count=2, grant=_grant(quota_rows=10, rows_used=8)), VerifyPlan)


def test_a_not_shared_dataset_refuses_verification_even_with_a_grant() -> None:
    resource = VerifyResource(
        pf.terms(pf.not_shared()), _grant(), VerifyRequest(("citizen_id",), ("period",), 1)
    )
    decision = authorize(pf.principal(), DATA_VERIFY, resource, now=pf.NOW)
    assert code(decision) == "dataset.not_shared"


# --- aggregate ------------------------------------------------------------------------------------


def test_a_masked_group_field_groups_by_its_masked_value() -> None:
    plan = aggregate(
        group_by=("citizen_id", "period"), measures=(COUNT, Measure(MeasureFn.SUM, "amount"))
    )
    assert isinstance(plan, AggregatePlan)
    masks = {c.name: c.mask for c in plan.group_by}
    assert masks["citizen_id"].masked and not masks["period"].masked
    assert plan.masked_group_fields == ("citizen_id",)
    assert plan.min_group_size == 10 and plan.max_groups == MAX_GROUPS
    assert plan.conditions[: len(pf.GRANT_FILTER)] == pf.GRANT_FILTER


def test_the_owner_is_never_suppressed_and_sees_stored_values() -> None:
    plan = aggregate(group_by=("citizen_id",), who=pf.owner(), grant=None)
    assert isinstance(plan, AggregatePlan) and plan.min_group_size == 1
    assert not plan.group_by[0].mask.masked and plan.conditions == ()


def test_a_client_filter_comes_after_the_grant_filter() -> None:
    narrow = Condition("period", Op.EQ, "2026-10")
    plan = aggregate(filters=(narrow,))
    assert isinstance(plan, AggregatePlan) and plan.conditions == (*pf.GRANT_FILTER, narrow)


HASHED = pf.contract(
    fields=tuple(
        dataclasses.replace(f, mask=MaskSpec(MaskKind.HASH)) if f.name == "citizen_id" else f
        for f in pf.contract().fields
    )
)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"measures": (Measure(MeasureFn.SUM, "citizen_id"),)}, "field.masked"),
        ({"measures": (Measure(MeasureFn.SUM, "person_name"),)}, "field.masked"),
        ({"measures": (Measure(MeasureFn.SUM, "period"),)}, "aggregate.invalid"),
        ({"measures": (Measure(MeasureFn.SUM, "employer_name"),)}, "field.not_granted"),
        ({"measures": (Measure(MeasureFn.SUM),)}, "aggregate.invalid"),
        ({"measures": (Measure(MeasureFn.COUNT, "amount"),)}, "aggregate.invalid"),
        ({"measures": ()}, "aggregate.invalid"),
        ({"measures": (COUNT, COUNT)}, "aggregate.invalid"),
        ({"group_by": ("period", "period")}, "aggregate.invalid"),
        ({"group_by": ("employer_name",)}, "field.not_granted"),
        ({"group_by": ("salary",)}, "field.unknown"),
        # a match key is still masked: no range, no prefix, not even one exact value
        ({"filters": (Condition("citizen_id", Op.EQ, "330106199001011234"),)}, "field.masked"),
        ({"filters": (Condition("citizen_id", Op.PREFIX, "330106"),)}, "field.masked"),
        ({"filters": (Condition("person_name", Op.IN, ("张三", "李四")),)}, "field.masked"),
        ({"filters": (Condition("employer_name", Op.EQ, "x"),)}, "field.not_granted"),
        ({"filters": (Condition("amount", Op.EQ, "x"),)}, "filter.invalid"),
        ({"grant": None}, "grant.missing"),
        ({"grant": _grant(revoked_at=pf.NOW)}, "grant.revoked"),
        ({"grant": _grant(access_modes=frozenset({AccessMode.VERIFY}))}, "grant.mode_not_allowed"),
        ({"grant": _grant(grantee_department_id=99)}, "grant.missing"),
        ({"grant": _grant(quota_rows=3, rows_used=3)}, "quota.exceeded"),
        ({"who": pf.principal(Role.PUBLISHER)}, "role.requester_required"),
    ],
)
def test_aggregate_refusals(kwargs: dict[str, Any], expected: str) -> None:
    assert code(aggregate(**kwargs)) == expected


def test_a_hash_masked_id_groups_by_its_keyed_hash() -> None:
    plan = aggregate(group_by=("citizen_id",), contract=HASHED)
    assert isinstance(plan, AggregatePlan)
    assert plan.group_by[0].mask.kind is MaskKind.HASH and plan.hash_key is None
