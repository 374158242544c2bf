"""The rules of the audit acts: who verifies, reads, exports and replays the audit log, and who
manages the key that signs it. ``catalog.policy`` registers them beside its own; the same
``authorize`` decides them.

=================  ===========================================================================
action             allowed
=================  ===========================================================================
audit.verify       auditors and admins
audit.checkpoint   admins, and the platform itself
audit.view         auditors and admins (the log says who read what; never the rows)
audit.usage        auditors and admins
audit.export       auditors, and the platform itself (a scheduled evidence bundle)
audit.reproduce    auditors only: replaying a read shows the rows a department received
audit.key          admins, and the platform itself (create or rotate the signing key)
=================  ===========================================================================

Auditors change nothing: no audit act they may do writes anything but its own audit event.
"""

from __future__ import annotations

from catalog.models import Role
from catalog.principals import Principal
from catalog.read_plan import Refusal
from catalog.resources import Platform

__all__ = [
    "audit_checkpoint",
    "audit_export",
    "audit_key",
    "audit_reproduce",
    "audit_verify",
    "audit_view",
]


def _has(actor: Principal, *roles: Role) -> bool:
    return not actor.is_system and bool(actor.roles & set(roles))


def audit_verify(actor: Principal, platform: Platform) -> Refusal | None:
    if _has(actor, Role.AUDITOR, Role.ADMIN):
        return None
    return Refusal("role.auditor_required", "only auditors and admins may verify the audit chain")


def audit_view(actor: Principal, platform: Platform) -> Refusal | None:
    if _has(actor, Role.AUDITOR, Role.ADMIN):
        return None
    return Refusal("role.auditor_required", "only auditors and admins may read the audit log")


def audit_export(actor: Principal, platform: Platform) -> Refusal | None:
    if actor.is_system or _has(actor, Role.AUDITOR):
        return None
    return Refusal("role.auditor_required", "only auditors export evidence bundles")


def audit_reproduce(actor: Principal, platform: Platform) -> Refusal | None:
    if _has(actor, Role.AUDITOR):
        return None
    return Refusal("role.auditor_required", "only auditors may replay a recorded read")


def audit_checkpoint(actor: Principal, platform: Platform) -> Refusal | None:
    if actor.is_system or _has(actor, Role.ADMIN):
        return None
    return Refusal("role.admin_required", "only admins (or the platform) sign audit checkpoints")


def audit_key(actor: Principal, platform: Platform) -> Refusal | None:
    if actor.is_system or _has(actor, Role.ADMIN):
        return None
    return Refusal("role.admin_required", "only admins (or the platform) manage the signing key")
