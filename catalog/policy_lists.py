"""The rules of the responsibility list (责任清单) and the demand list (需求清单).

``catalog.policy`` registers them; the same ``authorize`` decides them.

What is public within the platform (``lists.view``, any authenticated account): the whole
responsibility list — each department's duties, their legal basis, cycle, minimum quality and
linked dataset are what the platform is measured on, so every member sees them; and of the demand
list, each demand's title, requesting department, status, matched dataset and dates. The rest of a
demand — its scenario (应用场景), legal duty (法定职责), the fields wanted and a decline's reason —
may describe a department's casework, so it is shown (``demand.view``) to the requesting
department, the owner department of the dataset matched to it, auditors and admins only.

==========================  =====================================================================
action                      allowed
==========================  =====================================================================
lists.view                  any authenticated account, and the platform itself
responsibility.manage       admins (the platform's 大数据局 acting as admin): add, retire
responsibility.link         admins; a publisher or steward of the responsibility's department —
                            and only to a dataset that department owns
demand.file                 a requester, for its own department only
demand.view                 the requesting department, the matched dataset's owner department,
                            auditors, admins
demand.match                admins; a requester of the requesting department — never to a
                            dataset of the requesting department itself
demand.request              a requester of the requesting department (records its share request)
demand.fulfil               a publisher of the matched dataset's owner department, admins, the
                            platform itself (once the linked request is approved)
demand.decline              a publisher of the matched dataset's owner department, admins
==========================  =====================================================================

Auditors read everything and change nothing.
"""

from __future__ import annotations

from catalog.models import Role
from catalog.policy_terms import in_department, platform_role
from catalog.principals import Principal
from catalog.read_plan import Refusal
from catalog.resources import DemandTerms, Platform, ResponsibilityTerms

__all__ = [
    "demand_decline",
    "demand_file",
    "demand_fulfil",
    "demand_match",
    "demand_request",
    "demand_view",
    "lists_view",
    "responsibility_link",
    "responsibility_manage",
]


def lists_view(actor: Principal, platform: Platform) -> Refusal | None:
    return None


def responsibility_manage(actor: Principal, item: ResponsibilityTerms) -> Refusal | None:
    if platform_role(actor, Role.ADMIN):
        return None
    return Refusal(
        "role.admin_required", "only admins set or retire a department's responsibilities"
    )


def responsibility_link(actor: Principal, item: ResponsibilityTerms) -> Refusal | None:
    steward = in_department(actor, item.department_id, Role.PUBLISHER, Role.STEWARD)
    if not (steward or platform_role(actor, Role.ADMIN)):
        return Refusal(
            "responsibility.not_own_department",
            "only a publisher or steward of the responsible department (or an admin) links it",
        )
    if item.dataset is not None and item.dataset.owner_department_id != item.department_id:
        return Refusal(
            "responsibility.dataset_not_own",
            f"{item.dataset.code} belongs to another department: a responsibility is fulfilled "
            "only by a dataset of the department that bears it",
        )
    return None


def demand_file(actor: Principal, demand: DemandTerms) -> Refusal | None:
    if not platform_role(actor, Role.REQUESTER):
        return Refusal("role.requester_required", "filing a demand needs the requester role")
    if actor.department_id != demand.requester_department_id:
        return Refusal(
            "demand.not_own_department", "a requester files demands for its own department only"
        )
    return None


def _owner_of_match(actor: Principal, demand: DemandTerms, *roles: Role) -> bool:
    dataset = demand.dataset
    return dataset is not None and in_department(actor, dataset.owner_department_id, *roles)


def demand_view(actor: Principal, demand: DemandTerms) -> Refusal | None:
    if (
        in_department(actor, demand.requester_department_id)
        or _owner_of_match(actor, demand)
        or platform_role(actor, Role.AUDITOR, Role.ADMIN)
    ):
        return None
    return Refusal(
        "demand.not_party",
        "a demand's scenario, legal duty and fields are for its department, the matched "
        "dataset's owner, auditors and admins",
    )


def demand_match(actor: Principal, demand: DemandTerms) -> Refusal | None:
    if not (
        in_department(actor, demand.requester_department_id, Role.REQUESTER)
        or platform_role(actor, Role.ADMIN)
    ):
        return Refusal(
            "demand.not_requester",
            "only a requester of the requesting department (or an admin) matches a demand",
        )
    if demand.dataset is not None and (
        demand.dataset.owner_department_id == demand.requester_department_id
    ):
        return Refusal(
            "demand.own_dataset", "a demand is matched to another department's dataset, not its own"
        )
    return None


def demand_request(actor: Principal, demand: DemandTerms) -> Refusal | None:
    if in_department(actor, demand.requester_department_id, Role.REQUESTER):
        return None
    return Refusal(
        "demand.not_requester",
        "only a requester of the requesting department records its share request",
    )


def demand_fulfil(actor: Principal, demand: DemandTerms) -> Refusal | None:
    if actor.is_system or platform_role(actor, Role.ADMIN):
        return None
    if _owner_of_match(actor, demand, Role.PUBLISHER):
        return None
    return Refusal(
        "demand.not_owner",
        "only a publisher of the matched dataset's owner department marks a demand fulfilled",
    )


def demand_decline(actor: Principal, demand: DemandTerms) -> Refusal | None:
    if platform_role(actor, Role.ADMIN) or _owner_of_match(actor, demand, Role.PUBLISHER):
        return None
    return Refusal(
        "demand.not_owner",
        "only a publisher of the matched dataset's owner department (or an admin) declines it",
    )
