"""The negative list's rules (负面清单), for ``catalog.policy``.

Who may do what:

======================  ====================================================================
action                  allowed
======================  ====================================================================
negative_list.view      any authenticated account, and the platform: the list is public within
                        the exchange — which datasets and fields may not be shared, and why, is
                        what a requester needs to know before asking
negative_list.manage    a publisher of the dataset's owner department, for its own datasets;
                        admins. Auditors read and change nothing; stewards and requesters of
                        the owner, and every other department, are refused
                        (``negative_list.not_manager``, visible: the list itself is public)
======================  ====================================================================

And what the list bars (:func:`barring`, wrapped around the rules of ``request.file`` and
``request.approve``): after the action's own rule allows the act, a request that names a listed
field — as a field, in its row filter or as a match field — or any request on a listed dataset is
refused with ``negative_list.field`` / ``negative_list.dataset`` and the entry's legal basis.
Approval is decided over the request's terms as filed, so an entry added after filing stops
the approval; the requester files again without the field (or the entry is lifted). Reads are
barred in the plan modules (``catalog.negative_check``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from catalog.models import Role
from catalog.negative_check import fields_barred
from catalog.policy_terms import in_department, platform_role
from catalog.principals import Principal
from catalog.read_plan import Refusal
from catalog.resources import DatasetTerms, Platform, RequestTerms

__all__ = ["barring", "negative_manage", "negative_view"]

Rule = Callable[[Principal, Any], Refusal | None]


def negative_view(actor: Principal, platform: Platform) -> Refusal | None:
    return None


def negative_manage(actor: Principal, dataset: DatasetTerms) -> Refusal | None:
    if actor.is_system:
        return Refusal(
            "negative_list.not_manager", "the negative list is kept by people, not the platform"
        )
    if platform_role(actor, Role.ADMIN) or in_department(
        actor, dataset.owner_department_id, Role.PUBLISHER
    ):
        return None
    return Refusal(
        "negative_list.not_manager",
        f"only a publisher of {dataset.code}'s owner department, or an admin, may keep its "
        "negative-list entries",
    )


def barring(rule: Rule) -> Rule:
    """``rule``, then the negative list over what the request names."""

    def decide(actor: Principal, resource: Any) -> Refusal | None:
        refused = rule(actor, resource)
        if refused is not None:
            return refused
        if isinstance(resource, RequestTerms):
            dataset, asked = resource.dataset, resource.asked
        else:
            assert isinstance(resource, DatasetTerms)
            dataset, asked = resource, resource.asked
        barred = fields_barred(dataset, sorted(asked), use="requested")
        return None if barred is None else Refusal(barred.code, barred.reason)

    decide.__name__ = f"barring_{getattr(rule, '__name__', 'rule')}"
    decide.__doc__ = rule.__doc__
    return decide
