"""数据回流's pieces, pure: GB/T 2260 levels, the bound a grant needs, the containment of a
client filter, the contract key, and what a revision naming a region field does to live grants."""

from __future__ import annotations

import pytest

from catalog.conditions import Condition, Op, first_outside, reaches_outside
from catalog.contract_effects import ContractChange, LiveGrant, grant_effects
from catalog.regions import confined, division_contains, division_prefix, region_bound
from schemas.contract_text import ContractError
from schemas.loader import DATASETS_DIR, parse_contract_text

SI = (DATASETS_DIR / "rsj_social_insurance.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("code", "prefix"),
    [("330000", "33"), ("330100", "3301"), ("330102", "330102"), ("110000", "11")],
)
def test_the_prefix_follows_the_gbt2260_level(code: str, prefix: str) -> None:
    assert division_prefix(code) == prefix


@pytest.mark.parametrize("bad", ["33", "3301020", "33010X", ""])
def test_a_code_that_is_not_six_digits_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        division_prefix(bad)


def test_containment_goes_down_the_levels_only() -> None:
    assert division_contains("330000", "330102") and division_contains("330100", "330102")
    assert division_contains("330102", "330102")
    assert not division_contains("330102", "330100")
    assert not division_contains("330102", "330106")
    assert not division_contains("330100", "330200")  # 宁波 is not in 杭州


def test_only_a_department_outside_the_owners_division_is_bound() -> None:
    assert region_bound("region", "330000", "330102") == Condition("region", Op.PREFIX, "330102")
    assert region_bound("region", "330000", "330100") == Condition("region", Op.PREFIX, "3301")
    assert region_bound("region", "330100", "330000") is None  # the province contains the city
    assert region_bound("region", "330100", "330100") is None  # the owner's own level
    assert region_bound(None, "330000", "330102") is None  # the contract names no region field
    # a peer county sees only its own rows of another county's dataset
    assert region_bound("region", "330106", "330102") == Condition("region", Op.PREFIX, "330102")


BOUND = Condition("region", Op.PREFIX, "330102")


@pytest.mark.parametrize(
    ("condition", "outside"),
    [
        (Condition("region", Op.EQ, "330102"), False),
        (Condition("region", Op.IN, ("330102",)), False),
        (Condition("region", Op.PREFIX, "330102"), False),
        (Condition("region", Op.EQ, "330106"), True),
        (Condition("region", Op.IN, ("330102", "330106")), True),
        (Condition("region", Op.PREFIX, "3301"), True),
        (Condition("region", Op.PREFIX, "330106"), True),
        (Condition("region", Op.GE, "330106"), False),  # not a value set: left to the AND
        (Condition("period", Op.EQ, "2026-10"), False),  # another field
    ],
)
def test_a_client_condition_reaches_outside_the_bound(condition: Condition, outside: bool) -> None:
    assert reaches_outside(BOUND, condition) is outside
    assert (first_outside((BOUND,), (condition,)) is not None) is outside


def test_eq_and_in_bounds_admit_only_their_values() -> None:
    eq = Condition("district", Op.EQ, "A")
    assert reaches_outside(eq, Condition("district", Op.IN, ("A", "B")))
    assert not reaches_outside(eq, Condition("district", Op.EQ, "A"))
    assert reaches_outside(eq, Condition("district", Op.PREFIX, "A"))  # a prefix is a wider set
    listed = Condition("year", Op.IN, (2024, 2025))
    assert not reaches_outside(listed, Condition("year", Op.EQ, 2025))
    assert reaches_outside(listed, Condition("year", Op.EQ, "2025"))  # text is not the number


def test_a_row_filter_is_confined_by_the_bound_or_a_narrower_condition() -> None:
    assert confined((BOUND,), BOUND)
    assert confined((Condition("region", Op.EQ, "330102"),), BOUND)
    assert not confined((), BOUND)
    assert not confined((Condition("region", Op.PREFIX, "3301"),), BOUND)
    assert not confined((Condition("period", Op.EQ, "2026-10"),), BOUND)


def test_the_contract_key_must_name_an_admin_division_field() -> None:
    assert parse_contract_text(SI + "region_field: region\n").region_field == "region"
    assert parse_contract_text(SI).region_field is None
    with pytest.raises(ContractError, match="not a field"):
        parse_contract_text(SI + "region_field: nowhere\n")
    with pytest.raises(ContractError, match="admin_division"):
        parse_contract_text(SI + "region_field: period\n")


def _live(grant_id: int, row_filter: tuple[Condition, ...], bound: Condition | None) -> LiveGrant:
    return LiveGrant(
        grant_id=grant_id,
        grantee_department_id=grant_id,
        fields=("region", "amount"),
        match_fields=(),
        filter_fields=tuple(c.field for c in row_filter),
        owner_decided=True,
        row_filter=row_filter,
        region_bound=bound,
    )


def test_a_revision_naming_a_region_field_revokes_only_unconfined_grants() -> None:
    change = ContractChange(share_before="conditional", share_after="conditional")
    grants = (
        _live(1, (), BOUND),  # issued before: sees every district
        _live(2, (BOUND,), BOUND),  # already confined
        _live(3, (Condition("region", Op.EQ, "330102"),), BOUND),  # narrower still
        _live(4, (), None),  # the city: needs no bound
    )
    effects = grant_effects(change, grants)
    assert [(e.grant_id, e.effect) for e in effects] == [(1, "revoked")]
    assert "330102" in effects[0].reason
