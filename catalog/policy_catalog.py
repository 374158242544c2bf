"""The rules about the catalog itself (``dataset.register``, ``dataset.revise``,
``department.manage``); ``catalog.policy`` registers them, the same ``authorize`` decides them.

- ``dataset.register``: a publisher or steward of the department the contract names as owner
  (a department cannot register a dataset in another's name); admins; the platform itself
  (the demo and the shipped contracts).
- ``dataset.revise``: a publisher or steward of the dataset's *current* owner, and the revision
  keeps the owner — moving a dataset to another department is the admins' (and the platform's)
  alone (``dataset.owner_change``).
- ``department.manage``: admins, and the platform itself (the demo seeds its departments).

Auditors change nothing here: every one of these refuses them (they read the catalog, versions
included, through ``dataset.view``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from catalog.models import Role
from catalog.policy_terms import in_department, platform_role
from catalog.principals import Principal
from catalog.read_plan import Refusal
from catalog.resources import DatasetTerms, Platform
from schemas.loader import DatasetContract

__all__ = ["ContractTerms", "dataset_register", "dataset_revise", "department_manage"]

_EDITORS = (Role.PUBLISHER, Role.STEWARD)


@dataclass(frozen=True, slots=True)
class ContractTerms(DatasetTerms):
    """A contract being registered or revised: its terms (``owner_department_id`` is the owner
    it names) and, for a revision, the owner the catalog holds now."""

    current_owner_department_id: int | None = None

    @classmethod
    def proposed(
        cls,
        contract: DatasetContract,
        *,
        dataset_id: int,
        owner_department_id: int,
        current_owner_department_id: int | None = None,
    ) -> ContractTerms:
        base = DatasetTerms.of_contract(
            contract, dataset_id=dataset_id, owner_department_id=owner_department_id
        )
        values = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
        return cls(**values, current_owner_department_id=current_owner_department_id)


def _platform(actor: Principal) -> bool:
    return actor.is_system or platform_role(actor, Role.ADMIN)


def dataset_register(actor: Principal, terms: DatasetTerms) -> Refusal | None:
    if _platform(actor) or in_department(actor, terms.owner_department_id, *_EDITORS):
        return None
    return Refusal(
        "dataset.not_owner",
        f"only a publisher or steward of the owner department may register {terms.code}",
    )


def dataset_revise(actor: Principal, terms: DatasetTerms) -> Refusal | None:
    current = terms.owner_department_id
    if isinstance(terms, ContractTerms) and terms.current_owner_department_id is not None:
        current = terms.current_owner_department_id
    if _platform(actor):
        return None
    if not in_department(actor, current, *_EDITORS):
        return Refusal(
            "dataset.not_owner",
            f"only a publisher or steward of {terms.code}'s owner department may revise it",
        )
    if terms.owner_department_id != current:
        return Refusal(
            "dataset.owner_change", "only an admin may move a dataset to another department"
        )
    return None


def department_manage(actor: Principal, platform: Platform) -> Refusal | None:
    if _platform(actor):
        return None
    return Refusal("role.admin_required", "only admins add or change departments")
