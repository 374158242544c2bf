"""Who may back the platform up or restore it: an admin, or the platform itself (the operator on
the host, acting without a token). Reading the signing key and the stores' files is an act on the
host, not over the API: no route or portal page offers it (``exchange_api.cli_backup``)."""

from __future__ import annotations

from catalog.models import Role
from catalog.principals import Principal
from catalog.read_plan import Refusal
from catalog.resources import Platform

__all__ = ["platform_backup"]


def platform_backup(actor: Principal, platform: Platform) -> Refusal | None:
    if actor.is_system or Role.ADMIN in actor.roles:
        return None
    return Refusal("role.admin_required", "only admins (or the platform) back it up or restore it")
