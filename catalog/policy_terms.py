"""Who is who, for the rules of ``catalog.policy`` and its companion modules (``policy_*``).

Small predicates every rule is written with, kept apart so that a rule module for a new kind of
object (accounts, lineage, the catalog's own lists …) asks the same questions the same way.
"""

from __future__ import annotations

from catalog.models import Role
from catalog.principals import Principal
from catalog.read_plan import Refusal

__all__ = ["in_department", "platform_role", "visible_or_hidden"]


def in_department(actor: Principal, department_id: int, *roles: Role) -> bool:
    """The actor belongs to ``department_id`` and (if roles are named) holds one of them."""
    if actor.department_id != department_id or actor.is_system:
        return False
    return not roles or bool(actor.roles & set(roles))


def platform_role(actor: Principal, *roles: Role) -> bool:
    """The actor (a person or service, never the platform itself) holds one of ``roles``."""
    return not actor.is_system and bool(actor.roles & set(roles))


def visible_or_hidden(view: Refusal | None, refusal: Refusal) -> Refusal:
    """Refuse visibly to those who may see the object, as "not found" to everyone else."""
    return refusal if view is None else view
