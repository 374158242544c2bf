"""A subscription as the access decision sees it: whose it is, and the grant it rides on.

Built from the catalog rows at the moment of the act (``SubscriptionTerms.of``), like every
resource in ``catalog.resources``; ``catalog.policy`` decides ``subscription.*`` over it.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.resources import GrantTerms
from catalog.subscription_tables import Subscription

__all__ = ["SubscriptionTerms"]


@dataclass(frozen=True, slots=True)
class SubscriptionTerms:
    """``subscription_id=None``: one about to be created on ``grant``."""

    subscription_id: int | None
    department_id: int
    grant: GrantTerms
    cancelled: bool = False

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionTerms:
        return cls(
            subscription_id=subscription.id,
            department_id=subscription.department_id,
            grant=GrantTerms.of(subscription.grant),
            cancelled=subscription.cancelled_at is not None,
        )

    @classmethod
    def new(cls, grant: GrantTerms) -> SubscriptionTerms:
        return cls(subscription_id=None, department_id=grant.grantee_department_id, grant=grant)
