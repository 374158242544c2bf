"""民呼我为 in the access decision: a dataset whose contract names ``handler_field`` shows a
grantee its personal fields in clear only on the rows its own department handles (pure)."""

from __future__ import annotations

import dataclasses

import pytest

from catalog.policy import AccessPlan, Condition, Op, ReadRequest, Refusal
from schemas import MaskKind, MaskSpec
from schemas.contract_text import ContractError
from schemas.loader import DATASETS_DIR, parse_contract_text
from tests.catalog import policy_factories as pf
from tests.catalog.policy_factories import NOW, contract, decide, grant, owner, principal, request

HANDLED = contract(handler_field="employer_name")
SI = (DATASETS_DIR / "rsj_social_insurance.yaml").read_text(encoding="utf-8")


def _plan(decision: AccessPlan | Refusal) -> AccessPlan:
    assert isinstance(decision, AccessPlan), decision
    return decision


def test_masked_columns_are_clear_on_the_readers_rows_only() -> None:
    terms = grant(fields=(*pf.GRANTED, "employer_name"))
    plan = _plan(decide(principal(), HANDLED, terms, request(), now=NOW))
    columns = {c.name: c for c in plan.columns}
    mine = Condition("employer_name", Op.EQ, pf.GRANTEE_CODE)
    assert columns["person_name"].clear_for == mine and columns["person_name"].mask.masked
    assert columns["citizen_id"].clear_for == mine
    assert columns["period"].clear_for is None and columns["employer_name"].clear_for is None
    assert set(plan.masked_columns) == {"citizen_id", "person_name"}  # still masked elsewhere


def test_the_clear_rows_follow_the_authenticated_department_not_the_request() -> None:
    other = principal(department_code="330100CGJ")
    plan = _plan(decide(other, HANDLED, grant(), request(), now=NOW))
    assert {c.clear_for for c in plan.columns if c.mask.masked} == {
        Condition("employer_name", Op.EQ, "330100CGJ")
    }


def test_a_hash_mask_becomes_redact_on_other_rows() -> None:
    hashed = contract(
        handler_field="employer_name",
        fields=tuple(
            dataclasses.replace(f, mask=MaskSpec(MaskKind.HASH)) if f.name == "person_name" else f
            for f in HANDLED.fields
        ),
    )
    plan = _plan(decide(principal(), hashed, grant(), request(), now=NOW))
    name = next(c for c in plan.columns if c.name == "person_name")
    assert name.mask.kind is MaskKind.REDACT and name.clear_for is not None


def test_a_masked_field_is_still_refused_as_a_filter_even_for_the_handler() -> None:
    probe = request(filters=(Condition("person_name", Op.PREFIX, "王"),))
    refusal = decide(principal(), HANDLED, grant(), probe, now=NOW)
    assert isinstance(refusal, Refusal) and refusal.code == "field.masked"


def test_the_owner_and_a_dataset_without_the_key_are_unchanged() -> None:
    mine = _plan(decide(owner(), HANDLED, None, ReadRequest(), now=NOW))
    assert all(c.clear_for is None and not c.mask.masked for c in mine.columns)
    plain = _plan(decide(principal(), contract(), grant(), request(), now=NOW))
    assert all(c.clear_for is None for c in plain.columns)


def test_the_contract_key_must_name_a_text_field_that_is_not_personal() -> None:
    assert parse_contract_text(SI + "handler_field: employer_name\n").handler_field == (
        "employer_name"
    )
    with pytest.raises(ContractError, match="not a field"):
        parse_contract_text(SI + "handler_field: nowhere\n")
    with pytest.raises(ContractError, match="not personal"):
        parse_contract_text(SI + "handler_field: person_name\n")
    with pytest.raises(ContractError, match="text field"):
        parse_contract_text(SI + "handler_field: amount\n")
