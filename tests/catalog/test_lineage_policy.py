"""``lineage.view`` and ``lineage.rebuild`` decided by the one access decision, for every role:
the whole graph is the auditors' and admins'; a steward follows only what its own department
owns (never a node owned by several departments, nor one whose owner is unknown); rebuilding
the derived edges is the admins' and the platform's."""

from __future__ import annotations

import pytest

from catalog import actions as act
from catalog.models import Role
from catalog.policy import Allowed, Refusal, authorize
from catalog.policy_lineage import LineageTerms
from catalog.principals import SYSTEM
from catalog.resources import PLATFORM
from tests.catalog.policy_factories import NOW, OWNER_DEPARTMENT_ID, principal

OWN = LineageTerms("dataset:ducklake://zhongtai/lake.main.x", frozenset({OWNER_DEPARTMENT_ID}))
OTHERS = LineageTerms("dataset:ducklake://zhongtai/lake.main.y", frozenset({99}))
SHARED = LineageTerms("file:" + "a" * 64, frozenset({OWNER_DEPARTMENT_ID, 99}))
UNKNOWN = LineageTerms("batch:12345", frozenset())


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        ((Role.AUDITOR,), {"own", "others", "shared", "unknown"}),
        ((Role.ADMIN,), {"own", "others", "shared", "unknown"}),
        ((Role.STEWARD,), {"own"}),
        ((Role.PUBLISHER,), set()),
        ((Role.REQUESTER,), set()),
        ((), set()),
    ],
)
def test_lineage_view(roles: tuple[Role, ...], allowed: set[str]) -> None:
    actor = principal(*roles, department_id=OWNER_DEPARTMENT_ID)
    cases = {"own": OWN, "others": OTHERS, "shared": SHARED, "unknown": UNKNOWN}
    got = {
        name
        for name, terms in cases.items()
        if isinstance(authorize(actor, act.LINEAGE_VIEW, terms, now=NOW), Allowed)
    }
    assert got == allowed
    refused = authorize(actor, act.LINEAGE_VIEW, OTHERS, now=NOW)
    if "others" not in allowed:
        assert isinstance(refused, Refusal) and refused.code == "lineage.not_allowed"


def test_the_platform_reads_no_lineage_but_may_rebuild_it() -> None:
    assert isinstance(authorize(SYSTEM, act.LINEAGE_VIEW, OWN, now=NOW), Refusal)
    assert isinstance(authorize(SYSTEM, act.LINEAGE_REBUILD, PLATFORM, now=NOW), Allowed)


@pytest.mark.parametrize("role", list(Role))
def test_lineage_rebuild_is_the_admins(role: Role) -> None:
    decided = authorize(principal(role), act.LINEAGE_REBUILD, PLATFORM, now=NOW)
    assert isinstance(decided, Allowed) == (role is Role.ADMIN)


def test_lineage_view_is_decided_over_lineage_terms_only() -> None:
    with pytest.raises(TypeError):
        authorize(principal(Role.AUDITOR), act.LINEAGE_VIEW, PLATFORM, now=NOW)
