"""The access decision, attacked directly: every refusal, the owner path, masks, filters, quota."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.errors import InvalidInput
from catalog.models import AccessMode, Grant, Role
from catalog.policy import (
    MAX_IN_VALUES,
    AccessPlan,
    Condition,
    GrantTerms,
    Op,
    PlannedColumn,
    ReadRequest,
    Refusal,
)
from schemas import MaskKind, MaskSpec
from tests.catalog import policy_factories as pf
from tests.catalog.policy_factories import NOW, contract, decide, grant, owner, principal, request


def plan_of(decision: AccessPlan | Refusal) -> AccessPlan:
    assert isinstance(decision, AccessPlan), decision
    return decision


def refused(decision: AccessPlan | Refusal) -> Refusal:
    assert isinstance(decision, Refusal), decision
    return decision


def refusal_code(decision: AccessPlan | Refusal) -> str:
    return refused(decision).code


# --- owner path --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PUBLISHER, Role.STEWARD])
def test_owner_reads_every_field_unmasked_without_a_grant(role: Role) -> None:
    plan = plan_of(decide(owner(role), contract(), None, request(), now=NOW))
    assert plan.column_names == pf.FIELD_NAMES
    assert {c.mask for c in plan.columns} == {MaskSpec(MaskKind.NONE)}
    assert plan.grant_id is None
    assert plan.conditions == ()
    assert plan.table == pf.DATASET
    assert plan.order_by == ("citizen_id", "employer_uscc", "period")


def test_owner_reads_a_not_shared_dataset_and_ignores_any_grant_row_filter() -> None:
    plan = plan_of(decide(owner(Role.STEWARD), pf.not_shared(), grant(), request(), now=NOW))
    assert plan.grant_id is None
    assert plan.conditions == ()


def test_owner_requests_are_still_validated() -> None:
    assert refusal_code(decide(owner(), contract(), None, request(fields=("x",)), now=NOW)) == (
        "field.unknown"
    )
    assert refusal_code(decide(owner(), contract(), None, request(limit=0), now=NOW)) == (
        "limit.invalid"
    )
    bad = (Condition("amount", Op.PREFIX, "1"),)
    assert refusal_code(decide(owner(), contract(), None, request(filters=bad), now=NOW)) == (
        "filter.invalid"
    )


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.REQUESTER, "grant.missing"),
        (Role.AUDITOR, "role.requester_required"),
        (Role.ADMIN, "role.requester_required"),
    ],
)
def test_owner_department_without_publisher_or_steward_role_needs_a_grant(
    role: Role, code: str
) -> None:
    assert refusal_code(decide(owner(role), contract(), None, request(), now=NOW)) == code


def test_publisher_of_another_department_is_not_an_owner() -> None:
    other = principal(Role.PUBLISHER, Role.STEWARD)
    assert refusal_code(decide(other, contract(), None, request(), now=NOW)) == (
        "role.requester_required"
    )
    both = principal(Role.PUBLISHER, Role.REQUESTER)
    assert refusal_code(decide(both, contract(), None, request(), now=NOW)) == "grant.missing"


# --- grant refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "code"),
    [
        (None, "grant.missing"),
        (grant(grantee_department_id=99), "grant.missing"),
        (grant(dataset_code="gaj_household"), "grant.missing"),
        (grant(revoked_at=NOW - dt.timedelta(seconds=1)), "grant.revoked"),
        (grant(expires_at=NOW), "grant.expired"),
        (grant(expires_at=NOW - dt.timedelta(days=1)), "grant.expired"),
        (grant(access_modes=frozenset({AccessMode.BULK})), "grant.mode_not_allowed"),
        (grant(access_modes=frozenset()), "grant.mode_not_allowed"),
        (grant(quota_rows=100, rows_used=100), "quota.exceeded"),
        (grant(quota_rows=100, rows_used=250), "quota.exceeded"),
        (grant(quota_rows=0), "quota.exceeded"),
        (grant(row_filter=(Condition("gone", Op.EQ, "x"),)), "grant.invalid"),
        (grant(row_filter=(Condition("amount", Op.PREFIX, "1"),)), "grant.invalid"),
    ],
)
def test_grant_refusals(terms: GrantTerms | None, code: str) -> None:
    decision = refused(decide(principal(), contract(), terms, request(), now=NOW))
    assert decision.code == code
    assert decision.reason


def test_a_grant_without_expiry_is_live() -> None:
    plan_of(decide(principal(), contract(), grant(expires_at=None), request(), now=NOW))


def test_not_shared_dataset_refuses_a_grantee_even_with_a_stale_grant() -> None:
    decision = refused(decide(principal(), pf.not_shared(), grant(), request(), now=NOW))
    assert decision.code == "dataset.not_shared"
    assert "个人信息保护法" in decision.reason


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(principal(), contract(), grant(), request(), now=NOW.replace(tzinfo=None))


# --- request refusals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        (("citizen_id", "no_such_field"), "field.unknown"),
        (("_row",), "field.unknown"),
        (("citizen_id", "amount"), "field.not_granted"),
        (("region",), "field.not_granted"),
        ((), "field.empty"),
    ],
)
def test_field_refusals_never_drop_silently(fields: tuple[str, ...], code: str) -> None:
    assert refusal_code(
        decide(principal(), contract(), grant(), request(fields=fields), now=NOW)
    ) == (code)


def test_a_grant_of_no_field_in_the_contract_refuses() -> None:
    terms = grant(fields=("retired_column",))
    assert refusal_code(decide(principal(), contract(), terms, request(), now=NOW)) == "field.empty"


@pytest.mark.parametrize(
    "condition",
    [
        Condition("no_such", Op.EQ, "x"),
        Condition("period", Op.IN, ()),
        Condition("period", Op.IN, tuple(str(i) for i in range(MAX_IN_VALUES + 1))),
        Condition("period", Op.IN, "2026-10"),
        Condition("period", Op.PREFIX, 2026),
        Condition("period", Op.EQ, ("2026-10",)),
        Condition("period", Op.EQ, 202610),  # number against a text field
        Condition("period", Op.IN, ("2026-10", 202610)),
        Condition("period", Op.EQ, True),
        Condition("period", Op.EQ, "2026\x0010"),
    ],
)
def test_filter_refusals(condition: Condition) -> None:
    decision = decide(principal(), contract(), grant(), request(filters=(condition,)), now=NOW)
    assert refusal_code(decision) == "filter.invalid"


def test_a_filter_on_a_field_outside_the_grant_is_not_granted() -> None:
    condition = Condition("amount", Op.GE, 100)
    decision = decide(principal(), contract(), grant(), request(filters=(condition,)), now=NOW)
    assert refusal_code(decision) == "field.not_granted"


@pytest.mark.parametrize(
    "condition",
    [
        Condition("amount", Op.PREFIX, "1"),
        Condition("amount", Op.GT, "100"),
        Condition("amount", Op.GT, math.nan),
        Condition("amount", Op.LT, math.inf),
    ],
)
def test_number_filters_need_finite_numbers(condition: Condition) -> None:
    terms = grant(fields=(*pf.GRANTED, "amount"))
    decision = decide(principal(), contract(), terms, request(filters=(condition,)), now=NOW)
    assert refusal_code(decision) == "filter.invalid"


def test_in_accepts_exactly_the_maximum() -> None:
    values = tuple(f"2026-{i}" for i in range(MAX_IN_VALUES))
    cond = Condition("period", Op.IN, values)
    plan_of(decide(principal(), contract(), grant(), request(filters=(cond,)), now=NOW))


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (-1, 0), (10_001, 0), (10, -1), (True, 0)])
def test_page_refusals(limit: int, offset: int) -> None:
    req = request(limit=limit, offset=offset)
    assert refusal_code(decide(principal(), contract(), grant(), req, now=NOW)) == "limit.invalid"


# --- grantee plans -----------------------------------------------------------------------------


def test_grantee_sees_granted_fields_in_contract_order_with_personal_fields_masked() -> None:
    plan = plan_of(decide(principal(), contract(), grant(), request(), now=NOW))
    assert plan.columns == (
        PlannedColumn("citizen_id", "VARCHAR", MaskSpec.parse("keep:6:4")),
        PlannedColumn("person_name", "VARCHAR", MaskSpec.parse("keep:1:0")),
        PlannedColumn("employer_uscc", "VARCHAR", MaskSpec(MaskKind.NONE)),
        PlannedColumn("period", "VARCHAR", MaskSpec(MaskKind.NONE)),
    )
    assert plan.masked_columns == ("citizen_id", "person_name")
    assert plan.grant_id == 11
    assert plan.purpose == "医保待遇资格核验"


def test_requested_fields_keep_request_order_and_collapse_duplicates() -> None:
    req = request(fields=("period", "citizen_id", "period"))
    plan = plan_of(decide(principal(), contract(), grant(), req, now=NOW))
    assert plan.column_names == ("period", "citizen_id")


def test_personal_field_without_a_contract_mask_is_redacted() -> None:
    base = contract()
    fields = tuple(
        dataclasses.replace(f, mask=MaskSpec(MaskKind.NONE)) if f.name == "person_name" else f
        for f in base.fields
    )
    plan = plan_of(decide(principal(), contract(fields=fields), grant(), request(), now=NOW))
    assert dict((c.name, c.mask) for c in plan.columns)["person_name"] == MaskSpec(MaskKind.REDACT)


def test_grant_row_filter_comes_first_and_is_anded_with_client_filters() -> None:
    client = (
        Condition("region", Op.EQ, "330106"),  # inside the grant's 3301 prefix
        Condition("period", Op.IN, ("2026-10", "2026-09")),
    )
    terms = grant(fields=(*pf.GRANTED, "region"))
    plan = plan_of(decide(principal(), contract(), terms, request(filters=client), now=NOW))
    assert plan.conditions == pf.GRANT_FILTER + client


@pytest.mark.parametrize(
    "outside",
    [
        Condition("region", Op.EQ, "110101"),
        Condition("region", Op.IN, ("330106", "110101")),
        Condition("region", Op.PREFIX, "33"),
        Condition("region", Op.PREFIX, "1101"),
    ],
    ids=["eq", "in-with-one-outside", "wider-prefix", "disjoint-prefix"],
)
def test_a_client_filter_outside_the_grant_row_filter_is_refused(outside: Condition) -> None:
    terms = grant(fields=(*pf.GRANTED, "region"))
    refusal = decide(principal(), contract(), terms, request(filters=(outside,)), now=NOW)
    assert isinstance(refusal, Refusal) and refusal.code == "grant.outside_row_filter"
    assert "110101" not in refusal.reason  # says which bound, never echoes the probe's values


def test_grant_row_filter_applies_even_to_fields_outside_the_grant() -> None:
    plan = plan_of(decide(principal(), contract(), grant(), request(), now=NOW))
    assert "region" not in plan.column_names
    assert plan.conditions == pf.GRANT_FILTER


@pytest.mark.parametrize(
    ("quota", "used", "asked", "expected"),
    [(None, 0, 500, 500), (1000, 900, 500, 100), (1000, 0, 500, 500), (10, 9, 10_000, 1)],
)
def test_limit_is_clipped_to_the_remaining_quota(
    quota: int | None, used: int, asked: int, expected: int
) -> None:
    terms = grant(quota_rows=quota, rows_used=used)
    plan = plan_of(decide(principal(), contract(), terms, request(limit=asked), now=NOW))
    assert plan.limit == expected


def test_mode_must_be_granted() -> None:
    terms = grant(access_modes=frozenset({AccessMode.BULK}))
    plan_of(decide(principal(), contract(), terms, request(mode=AccessMode.BULK), now=NOW))


# --- shapes ------------------------------------------------------------------------------------


def test_grant_terms_of_a_catalog_grant() -> None:
    row = Grant(
        id=5,
        request_id=1,
        dataset_id=3,
        grantee_department_id=7,
        fields=["citizen_id", "period"],
        row_filter=[{"field": "region", "op": "in", "value": ["330102", "330106"]}],
        purpose="核验",
        access_modes=["query", "verify"],
        quota_rows=100,
        rows_used=40,
        expires_at=NOW,
        revoked_at=None,
    )
    terms = GrantTerms.of(row, "rsj_social_insurance")
    assert terms.fields == ("citizen_id", "period")
    assert terms.row_filter == (Condition("region", Op.IN, ("330102", "330106")),)
    assert terms.access_modes == frozenset({AccessMode.QUERY, AccessMode.VERIFY})
    assert terms.rows_left == 60


@pytest.mark.parametrize(
    "data",
    [
        {"field": "a", "op": "like", "value": "x"},
        {"field": "a", "op": "eq"},
        {"field": "a", "op": "eq", "value": "x", "sql": "1=1"},
        {"field": 1, "op": "eq", "value": "x"},
        {"field": "a", "op": "eq", "value": None},
        {"field": "a", "op": "eq", "value": {"x": 1}},
        {"field": "a", "op": "in", "value": ["x", None]},
        {"field": "a", "op": "eq", "value": False},
    ],
)
def test_condition_from_json_refuses_malformed_shapes(data: dict[str, object]) -> None:
    with pytest.raises(InvalidInput) as info:
        Condition.from_json(data)
    assert info.value.code == "filter.invalid"


_json_scalars = st.text() | st.integers() | st.floats(allow_nan=False)


@given(
    field=st.text(),
    op=st.sampled_from(Op),
    value=_json_scalars | st.lists(_json_scalars).map(tuple),
)
def test_condition_json_round_trip(field: str, op: Op, value: object) -> None:
    condition = Condition(field, op, value)  # type: ignore[arg-type]
    assert Condition.from_json(condition.to_json()) == condition


# --- properties --------------------------------------------------------------------------------


@settings(max_examples=400)
@given(terms=pf.grants, req=pf.requests)
def test_grantee_plan_never_exceeds_the_grant(terms: GrantTerms, req: ReadRequest) -> None:
    decision = decide(principal(), contract(), terms, req, now=NOW)
    if isinstance(decision, Refusal):
        assert not hasattr(decision, "columns")
        assert set(dataclasses.asdict(decision)) == {"code", "reason", "hidden"}
        assert not decision.hidden
        return
    assert set(decision.column_names) <= set(terms.fields)
    assert decision.column_names
    spec = {f.name: f for f in contract().fields}
    for column in decision.columns:
        if spec[column.name].personal:
            assert column.mask.masked
        else:
            assert not column.mask.masked
    assert decision.conditions[: len(terms.row_filter)] == terms.row_filter
    client = decision.conditions[len(terms.row_filter) :]
    assert {c.field for c in client} <= set(terms.fields)
    for condition in client:  # a masked field is never filtered on, only matched once, exactly
        if spec[condition.field].personal:
            assert condition.field in terms.match_fields and condition.op is Op.EQ
            assert decision.probe
    assert 1 <= decision.limit <= 10_000
    if terms.quota_rows is not None:
        assert decision.limit <= terms.quota_rows - terms.rows_used
    assert decision.grant_id == terms.grant_id


@given(req=pf.requests, terms=st.none() | pf.grants)
def test_not_shared_refuses_every_non_owner(req: ReadRequest, terms: GrantTerms | None) -> None:
    decision = decide(principal(), pf.not_shared(), terms, req, now=NOW)
    assert refusal_code(decision) == "dataset.not_shared"


@given(req=pf.requests)
def test_owner_plan_is_unmasked_and_unfiltered_beyond_the_request(req: ReadRequest) -> None:
    decision = decide(owner(), contract(), None, req, now=NOW)
    if isinstance(decision, AccessPlan):
        assert not any(c.mask.masked for c in decision.columns)
        assert decision.conditions == req.filters
        assert set(decision.column_names) <= set(pf.FIELD_NAMES)
