"""The rules of scenario requests (应用场景, ``catalog.scenarios``), for ``catalog.policy``.

A scenario is seen by its requesting department, by the departments owning one of its member
datasets (each decides its own member, through ``request.approve`` / ``request.refuse`` on that
member — nothing here lets one owner decide another's), by auditors and by admins; to anyone else
it does not exist (``scenario.not_found``). Its joined view is read (``scenario.read``) only by a
requester of the requesting department, and only once the scenario is live: every member decided.
Each member read then passes its own grant's checks (``catalog.read_plan``).
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Role
from catalog.policy_terms import in_department, platform_role, visible_or_hidden
from catalog.principals import Principal
from catalog.read_plan import Refusal

__all__ = ["ScenarioTerms", "scenario_read", "scenario_view"]


@dataclass(frozen=True, slots=True)
class ScenarioTerms:
    """A scenario request: who filed it, whose datasets it joins, and whether it is live."""

    scenario_id: int
    requester_department_id: int
    member_owner_department_ids: frozenset[int]
    live: bool


def scenario_view(actor: Principal, scenario: ScenarioTerms) -> Refusal | None:
    if (
        in_department(actor, scenario.requester_department_id)
        or any(in_department(actor, d) for d in scenario.member_owner_department_ids)
        or platform_role(actor, Role.AUDITOR, Role.ADMIN)
    ):
        return None
    return Refusal("scenario.not_found", f"no scenario request {scenario.scenario_id}", hidden=True)


def scenario_read(actor: Principal, scenario: ScenarioTerms) -> Refusal | None:
    if not in_department(actor, scenario.requester_department_id, Role.REQUESTER):
        return visible_or_hidden(
            scenario_view(actor, scenario),
            Refusal(
                "scenario.not_requester",
                "only a requester of the department that filed a scenario reads its joined view",
            ),
        )
    if not scenario.live:
        return Refusal(
            "scenario.not_live",
            f"scenario {scenario.scenario_id} is not live: some member is still undecided",
        )
    return None
