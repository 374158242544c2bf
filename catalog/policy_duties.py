"""The rule of the platform's daily duties (``request.escalate``, ``grant.expire``): the
platform runs them on schedule (``dags/governance.py``), and an administrator may run them by
hand (``zhongtai requests escalate``, ``zhongtai grants expire``); no department does — a
steward or a publisher may not mark another department late or end a grant early.
``catalog.policy`` registers the rule; the same ``authorize`` decides it.
"""

from __future__ import annotations

from catalog.models import Role
from catalog.principals import Principal
from catalog.read_plan import Refusal
from catalog.resources import Platform

__all__ = ["platform_duty"]


def platform_duty(actor: Principal, platform: Platform) -> Refusal | None:
    if actor.is_system or Role.ADMIN in actor.roles:
        return None
    return Refusal("role.admin_required", "only admins (or the platform) run the platform's duties")
