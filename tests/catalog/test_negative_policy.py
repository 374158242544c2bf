"""The negative list (负面清单) in the one access decision, attacked as a hostile grantee would:
a listed field may not be read, filtered, matched, ordered by, verified, grouped, summed,
delivered or asked for, and a listed dataset gives a non-owner nothing — each refusal naming the
legal basis. The owner department still reads its own data."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import actions as act
from catalog.aggregate_plan import AggregateRequest, AggregateResource, Measure, MeasureFn
from catalog.conditions import Condition, Op
from catalog.models import AccessMode, RequestStatus, Role
from catalog.negative_check import NegativeTerms, asked_names
from catalog.policy import AccessPlan, Allowed, Refusal, authorize
from catalog.resources import DatasetTerms, GrantTerms, ReadRequest, ReadResource, RequestTerms
from catalog.subscription_terms import SubscriptionTerms
from catalog.verify_plan import VerifyRequest, VerifyResource
from tests.catalog import policy_factories as pf

BASIS = "《中华人民共和国个人信息保护法》第二十八条"
REVIEW = dt.date(2027, 6, 30)
FIELDS = ("citizen_id", "person_name", "employer_uscc", "employer_name", "period", "amount")
ALL_MODES = frozenset(AccessMode)


def listed(*names: str | None, base: DatasetTerms | None = None) -> DatasetTerms:
    """The dataset with ``names`` on the negative list (``None``: the whole dataset)."""
    entries = tuple(NegativeTerms(i + 1, n, BASIS, REVIEW) for i, n in enumerate(names))
    return dataclasses.replace(base or pf.terms(), negative=entries)


def grant(**changes: Any) -> GrantTerms:
    base = pf.grant(
        fields=FIELDS, access_modes=ALL_MODES, match_fields=("citizen_id", "person_name")
    )
    return dataclasses.replace(base, **changes)


def read(dataset: DatasetTerms, request: ReadRequest, *, who: Any = None) -> AccessPlan | Refusal:
    resource = ReadResource(dataset, grant(dataset=dataset), request)
    decision = authorize(who or pf.principal(), act.DATA_READ, resource, now=pf.NOW)
    if isinstance(decision, Allowed):
        assert decision.plan is not None
        return decision.plan
    return decision


def refused_for_the_list(decision: object, code: str = "negative_list.field") -> None:
    assert isinstance(decision, Refusal), decision
    assert decision.code == code
    assert BASIS in decision.reason and not decision.hidden


def test_reading_a_listed_field_is_refused_with_its_basis() -> None:
    dataset = listed("employer_name")
    refused_for_the_list(read(dataset, pf.request(fields=("period", "employer_name"))))
    plan = read(dataset, pf.request(fields=("period", "amount")))
    assert isinstance(plan, AccessPlan) and plan.column_names == ("period", "amount")


def test_a_read_naming_no_fields_is_refused_not_silently_narrowed() -> None:
    decision = read(listed("employer_name"), pf.request(fields=None))
    refused_for_the_list(decision)
    assert isinstance(decision, Refusal) and "name the fields" in decision.reason


@pytest.mark.parametrize(
    "condition",
    [
        Condition("employer_name", Op.EQ, "杭州某某科技有限公司"),
        Condition("employer_name", Op.PREFIX, "杭州"),
        Condition("employer_name", Op.IN, ("甲", "乙")),
        Condition("employer_name", Op.NE, ""),
    ],
    ids=["eq", "prefix", "in", "ne"],
)
def test_a_listed_field_used_only_in_a_filter_is_refused(condition: Condition) -> None:
    request = pf.request(fields=("period",), filters=(condition,))
    refused_for_the_list(read(listed("employer_name"), request))


def test_a_listed_match_key_cannot_be_matched() -> None:
    dataset = listed("citizen_id")
    probe = Condition("citizen_id", Op.EQ, "330102199001011234")
    refused_for_the_list(read(dataset, pf.request(fields=("period",), filters=(probe,))))
    # the same probe is allowed once the field is not listed (the key is a match key)
    assert isinstance(
        read(pf.terms(), pf.request(fields=("period",), filters=(probe,))), AccessPlan
    )


def test_a_listed_key_field_never_orders_a_read() -> None:
    """Rows come in key order; with a listed key field that order would leak it: the plan falls
    back to the hidden (keyed-hash) order, as for a masked key."""
    keyed = pf.terms(pf.contract(primary_key=("employer_uscc", "period")))  # nothing masked
    plan = read(keyed, pf.request(fields=("period", "amount")))
    assert isinstance(plan, AccessPlan) and plan.order_by and not plan.order_hidden
    plan = read(listed("employer_uscc", base=keyed), pf.request(fields=("period", "amount")))
    assert isinstance(plan, AccessPlan)
    assert plan.order_by == () and plan.order_hidden


@pytest.mark.parametrize(
    "mode", [AccessMode.BULK, AccessMode.CHANGES, AccessMode.QUERY], ids=lambda m: m.value
)
def test_every_read_mode_is_barred(mode: AccessMode) -> None:
    dataset = listed("employer_name")
    limit = None if mode is AccessMode.BULK else 10
    whole = pf.request(fields=None, mode=mode, limit=limit)
    refused_for_the_list(read(dataset, whole))
    named = pf.request(fields=("employer_name",), mode=mode, limit=limit)
    refused_for_the_list(read(dataset, named))
    assert isinstance(
        read(dataset, pf.request(fields=("period",), mode=mode, limit=limit)), AccessPlan
    )


def test_the_owner_still_reads_its_own_listed_data() -> None:
    for dataset in (listed("employer_name"), listed(None)):
        plan = read(dataset, pf.request(fields=None), who=pf.owner())
        assert isinstance(plan, AccessPlan) and "employer_name" in plan.column_names


def verify(dataset: DatasetTerms, match_on: tuple[str, ...], compare: tuple[str, ...]) -> object:
    resource = VerifyResource(dataset, grant(dataset=dataset), VerifyRequest(match_on, compare, 1))
    return authorize(pf.principal(), act.DATA_VERIFY, resource, now=pf.NOW)


def test_verify_cannot_match_or_compare_a_listed_field() -> None:
    refused_for_the_list(verify(listed("citizen_id"), ("citizen_id",), ("person_name",)))
    refused_for_the_list(verify(listed("employer_name"), ("citizen_id",), ("employer_name",)))
    assert isinstance(verify(listed("amount"), ("citizen_id",), ("person_name",)), Allowed)


def aggregate(dataset: DatasetTerms, request: AggregateRequest, who: Any = None) -> object:
    resource = AggregateResource(dataset, grant(dataset=dataset), request)
    return authorize(who or pf.principal(), act.DATA_AGGREGATE, resource, now=pf.NOW)


COUNT = (Measure(MeasureFn.COUNT),)


def test_an_aggregate_cannot_group_sum_or_filter_by_a_listed_field() -> None:
    refused_for_the_list(
        aggregate(listed("employer_name"), AggregateRequest(("employer_name",), COUNT))
    )
    total = (Measure(MeasureFn.SUM, "amount"),)
    refused_for_the_list(aggregate(listed("amount"), AggregateRequest(("period",), total)))
    where = (Condition("employer_name", Op.EQ, "甲"),)
    refused_for_the_list(
        aggregate(listed("employer_name"), AggregateRequest(("period",), COUNT, where))
    )
    assert isinstance(
        aggregate(listed("employer_name"), AggregateRequest(("period",), COUNT)), Allowed
    )


@pytest.mark.parametrize(
    "action", [act.SUBSCRIPTION_CREATE, act.SUBSCRIPTION_FETCH], ids=lambda a: a.name
)
def test_a_subscription_delivering_a_listed_field_is_refused(action: Any) -> None:
    dataset = listed("employer_name")
    held = grant(dataset=dataset)
    terms = (
        SubscriptionTerms.new(held)
        if action is act.SUBSCRIPTION_CREATE
        else SubscriptionTerms(
            subscription_id=4, department_id=held.grantee_department_id, grant=held
        )
    )
    refused_for_the_list(authorize(pf.principal(), action, terms, now=pf.NOW))
    narrower = dataclasses.replace(held, fields=("period", "amount"))
    terms = dataclasses.replace(terms, grant=narrower)
    assert isinstance(authorize(pf.principal(), action, terms, now=pf.NOW), Allowed)
    # cancelling or viewing it is never barred: the grantee can stop what it cannot receive
    for other in (act.SUBSCRIPTION_VIEW, act.SUBSCRIPTION_CANCEL):
        existing = SubscriptionTerms(subscription_id=4, department_id=7, grant=held)
        assert isinstance(authorize(pf.principal(), other, existing, now=pf.NOW), Allowed)


def test_a_listed_dataset_gives_a_non_owner_nothing() -> None:
    dataset = listed(None)
    code = "negative_list.dataset"
    refused_for_the_list(read(dataset, pf.request(fields=("period",))), code)
    refused_for_the_list(verify(dataset, ("citizen_id",), ("person_name",)), code)
    refused_for_the_list(aggregate(dataset, AggregateRequest(("period",), COUNT)), code)
    held = grant(dataset=dataset, fields=("period",))
    refused_for_the_list(
        authorize(pf.principal(), act.SUBSCRIPTION_CREATE, SubscriptionTerms.new(held), now=pf.NOW),
        code,
    )
    asking = dataset.asking(frozenset({"period"}))
    refused_for_the_list(authorize(pf.principal(), act.REQUEST_FILE, asking, now=pf.NOW), code)
    # the owner's own publishers still read and aggregate it
    owner = pf.owner()
    assert isinstance(read(dataset, pf.request(fields=("period",)), who=owner), AccessPlan)
    assert isinstance(aggregate(dataset, AggregateRequest(("period",), COUNT), owner), Allowed)


@pytest.mark.parametrize(
    ("fields", "row_filter", "match_fields"),
    [
        (("period", "employer_name"), (), ()),
        (("period",), ({"field": "employer_name", "op": "eq", "value": "甲"},), ()),
        (("period",), (Condition("employer_name", Op.PREFIX, "杭州"),), ()),
        (("period", "citizen_id"), (), ("employer_name",)),
    ],
    ids=["field", "row-filter-json", "row-filter", "match-field"],
)
def test_a_request_naming_a_listed_field_is_refused(
    fields: tuple[str, ...], row_filter: tuple[Any, ...], match_fields: tuple[str, ...]
) -> None:
    dataset = listed("employer_name").asking(asked_names(fields, row_filter, match_fields))
    refused_for_the_list(authorize(pf.principal(), act.REQUEST_FILE, dataset, now=pf.NOW))


def test_a_request_not_naming_a_listed_field_is_decided_as_usual() -> None:
    dataset = listed("employer_name").asking(frozenset({"period", "amount"}))
    assert isinstance(authorize(pf.principal(), act.REQUEST_FILE, dataset, now=pf.NOW), Allowed)
    owner_asks = authorize(pf.owner(Role.REQUESTER), act.REQUEST_FILE, dataset, now=pf.NOW)
    assert isinstance(owner_asks, Refusal) and owner_asks.code == "request.own_dataset"


def test_approving_a_request_for_a_field_listed_after_filing_is_refused() -> None:
    asked = frozenset({"period", "employer_name"})
    request = RequestTerms(3, listed("employer_name"), 7, RequestStatus.PENDING, asked=asked)
    refused_for_the_list(authorize(pf.owner(), act.REQUEST_APPROVE, request, now=pf.NOW))
    # refusing it stays possible; a stranger learns nothing more than before
    assert isinstance(authorize(pf.owner(), act.REQUEST_REFUSE, request, now=pf.NOW), Allowed)
    stranger = pf.principal(Role.PUBLISHER, department_id=9, department_code="D9")
    hidden = authorize(stranger, act.REQUEST_APPROVE, request, now=pf.NOW)
    assert isinstance(hidden, Refusal) and hidden.code == "request.not_found" and hidden.hidden
    clear = dataclasses.replace(request, dataset=pf.terms())
    assert isinstance(authorize(pf.owner(), act.REQUEST_APPROVE, clear, now=pf.NOW), Allowed)


_listed_names = st.lists(st.sampled_from(pf.FIELD_NAMES), min_size=1, max_size=3, unique=True)


@settings(max_examples=300, deadline=None)
@given(names=_listed_names, request=pf.requests, held=pf.grants)
def test_no_allowed_plan_touches_a_listed_field(
    names: list[str], request: ReadRequest, held: GrantTerms
) -> None:
    dataset = listed(*names)
    resource = ReadResource(dataset, dataclasses.replace(held, dataset=dataset), request)
    decision = authorize(pf.principal(), act.DATA_READ, resource, now=pf.NOW)
    if isinstance(decision, Refusal):
        return
    assert decision.plan is not None
    plan = decision.plan
    touched = set(plan.column_names) | set(plan.order_by)
    touched |= {c.field for c in plan.conditions[len(held.row_filter) :]}
    assert not touched & set(names), (names, plan)
