"""The rules of the data-element registry (数据元 and 代码表), registered in ``catalog.policy``.

- ``element.manage`` (add an element or a code list): admins, and the platform itself (the seed
  of the shipped files at ``zhongtai init``). A publisher, steward, requester or auditor is
  refused ``role.admin_required`` — the refusal audited by ``catalog.guard``.
- ``element.view``: any authenticated account, and the platform (the pipeline reads definitions
  to run checks). Standards are public within the platform: they hold no data.
"""

from __future__ import annotations

from catalog.models import Role
from catalog.principals import Principal
from catalog.read_plan import Refusal
from catalog.resources import Platform

__all__ = ["element_manage", "element_view"]


def element_manage(actor: Principal, platform: Platform) -> Refusal | None:
    if actor.is_system or Role.ADMIN in actor.roles:
        return None
    return Refusal("role.admin_required", "only admins add data elements and code lists")


def element_view(actor: Principal, platform: Platform) -> Refusal | None:
    return None
