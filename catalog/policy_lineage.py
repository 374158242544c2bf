"""The rule of ``lineage.view``: the lineage graph says which departments received what, so the
whole of it is the auditors' (and the platform administrators'); a department's steward sees
the lineage of its own department's datasets — upstream to its own files, downstream to the
deliveries of its datasets — and nothing that belongs to another department. Rebuilding the
graph's edges (``lineage.rebuild``) is the administrators' (and the platform's).
``catalog.policy`` registers the rule; the same ``authorize`` decides it.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Role
from catalog.principals import Principal
from catalog.read_plan import Refusal
from catalog.resources import Platform

__all__ = ["LineageTerms", "lineage_rebuild", "lineage_view"]


@dataclass(frozen=True, slots=True)
class LineageTerms:
    """A lineage question about ``node``: the departments owning the datasets it belongs to
    (empty when the catalog knows of none: an unknown node)."""

    node: str
    owner_department_ids: frozenset[int]


def lineage_view(actor: Principal, terms: LineageTerms) -> Refusal | None:
    if actor.is_system:
        return Refusal("lineage.not_allowed", "lineage is read by people, not the platform")
    if actor.roles & {Role.AUDITOR, Role.ADMIN}:
        return None
    owners = terms.owner_department_ids
    if Role.STEWARD in actor.roles and owners and owners <= {actor.department_id}:
        return None
    return Refusal(
        "lineage.not_allowed",
        "only auditors see the whole lineage graph; a steward sees its own department's datasets",
    )


def lineage_rebuild(actor: Principal, platform: Platform) -> Refusal | None:
    """Deriving the graph's edges again writes (a derived index): admins and the platform."""
    if actor.is_system or (Role.ADMIN in actor.roles):
        return None
    return Refusal("role.admin_required", "only admins (or the platform) rebuild the lineage graph")
