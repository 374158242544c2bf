"""The rules about accounts (``account.issue``, ``account.view``, ``account.revoke``,
``account.rotate``): admins manage accounts, auditors and the account itself may see one, and the
platform itself may issue only a catalog's first admin. Refusals are hidden ("not found") from
everyone who may not see the account. ``catalog.policy`` registers them.
"""

from __future__ import annotations

from catalog.models import Role
from catalog.policy_terms import platform_role, visible_or_hidden
from catalog.principals import Principal
from catalog.read_plan import Refusal
from catalog.resources import AccountTerms

__all__ = ["account_issue", "account_revoke", "account_rotate", "account_view"]


def account_issue(actor: Principal, account: AccountTerms) -> Refusal | None:
    if platform_role(actor, Role.ADMIN):
        return None
    if actor.is_system and account.bootstrap:
        if account.roles == {Role.ADMIN}:
            return None
        return Refusal(
            "account.bootstrap_admin_only",
            "the first account of a catalog must be an admin, and only an admin",
        )
    return Refusal("role.admin_required", "only admins issue accounts")


def is_self(actor: Principal, account: AccountTerms) -> bool:
    return not actor.is_system and actor.account_id == account.account_id


def account_view(actor: Principal, account: AccountTerms) -> Refusal | None:
    if is_self(actor, account) or platform_role(actor, Role.ADMIN, Role.AUDITOR):
        return None
    return Refusal("account.not_found", f"no account {account.account_id}", hidden=True)


def account_revoke(actor: Principal, account: AccountTerms) -> Refusal | None:
    if platform_role(actor, Role.ADMIN):
        return None
    return visible_or_hidden(
        account_view(actor, account),
        Refusal("role.admin_required", "only admins revoke accounts"),
    )


def account_rotate(actor: Principal, account: AccountTerms) -> Refusal | None:
    if platform_role(actor, Role.ADMIN) or is_self(actor, account):
        return None
    return visible_or_hidden(
        account_view(actor, account),
        Refusal("role.admin_required", "only admins, or the account itself, rotate its token"),
    )
