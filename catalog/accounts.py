"""Accounts: issue, list, revoke and rotate — each decided by ``catalog.policy`` and audited.

The same functions serve ``zhongtai account …`` and ``/api/v1/accounts``. Only admins issue and
revoke; auditors see every account (never a token or its hash); an account sees itself and may
rotate its own token (``catalog.policy``'s table).

The bootstrap: on a catalog with no live admin (none that is unrevoked and unexpired), the
platform itself (:data:`catalog.principals.SYSTEM`, i.e. someone at the catalog's console running
``zhongtai account issue`` without a token) may issue one admin account. Once a live admin exists
the platform may not, and every further account is issued by an admin. Revoking the last live
admin is refused (``account.last_admin``), so the platform cannot be left with no one to run it
short of every admin token expiring — which the bootstrap then recovers from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.departments import get_department
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.events import AccountIssued, AccountRevoked, TokenRotated
from catalog.guard import ensure
from catalog.models import Account, AccountKind, Role, utcnow
from catalog.policy import Allowed, authorize
from catalog.portal_sessions import end_account_sessions
from catalog.principals import Principal
from catalog.resources import AccountTerms
from catalog.tokens import TokenLifetimes, is_live, issue_account, replace_token

__all__ = ["get_account", "has_live_admin", "issue", "list_accounts", "revoke", "rotate"]

DEFAULT_LIFETIMES = TokenLifetimes()


def _iso(value: dt.datetime | None) -> str:
    return "" if value is None else value.astimezone(dt.UTC).isoformat()


def _live_admins(session: Session, now: dt.datetime) -> list[Account]:
    candidates = session.scalars(select(Account).where(Account.revoked_at.is_(None)))
    return [a for a in candidates if a.has_role(Role.ADMIN) and is_live(a, now)]


def has_live_admin(session: Session, now: dt.datetime | None = None) -> bool:
    """Whether some admin account can act now (unrevoked, token unexpired)."""
    return bool(_live_admins(session, now or utcnow()))


def issue(
    session: Session,
    actor: Principal,
    department_code: str,
    name: str,
    roles: Iterable[Role],
    *,
    kind: AccountKind = AccountKind.SERVICE,
    days: int | None = None,
    cert_sha256: str | None = None,
    lifetimes: TokenLifetimes = DEFAULT_LIFETIMES,
    now: dt.datetime | None = None,
) -> tuple[Account, str]:
    """Issue an account of ``department_code``; returns it with its token, shown this once."""
    now = now or utcnow()
    department = get_department(session, department_code)
    wanted = frozenset(roles)
    terms = AccountTerms(
        account_id=None,
        department_id=department.id,
        kind=kind,
        roles=wanted,
        bootstrap=actor.is_system and not has_live_admin(session, now),
    )
    ensure(session, actor, act.ACCOUNT_ISSUE, terms, now=now)
    account, token = issue_account(
        session,
        department,
        name,
        wanted,
        kind,
        days=days if days is not None else lifetimes.days(kind),
        cert_sha256=cert_sha256,
        now=now,
    )
    audit.record(
        session,
        AccountIssued(
            account_id=account.id,
            department=department.code,
            name=account.name,
            kind=kind.value,
            roles=tuple(account.roles),
            token_prefix=account.token_prefix,
            expires_at=_iso(account.expires_at),
            cert_sha256=account.cert_sha256 or "",
            bootstrap=terms.bootstrap,
        ),
        actor=actor,
        now=now,
    )
    return account, token


def _load(session: Session, account_id: int) -> Account:
    account = session.scalars(
        select(Account).where(Account.id == account_id).with_for_update()
    ).one_or_none()
    if account is None:
        raise NotFound(f"no account {account_id}", code="account.not_found")
    return account


def get_account(
    session: Session, actor: Principal, account_id: int, *, now: dt.datetime | None = None
) -> Account:
    """One account, if the actor may see it (``account.not_found`` otherwise, audited)."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"no account {account_id}", code="account.not_found")
    ensure(session, actor, act.ACCOUNT_VIEW, AccountTerms.of(account), now=now)
    return account


def list_accounts(
    session: Session, actor: Principal, *, now: dt.datetime | None = None
) -> list[Account]:
    """Every account the actor may see (the same decision as :func:`get_account`)."""
    now = now or utcnow()
    return [
        a
        for a in session.scalars(select(Account).order_by(Account.id))
        if isinstance(authorize(actor, act.ACCOUNT_VIEW, AccountTerms.of(a), now=now), Allowed)
    ]


def revoke(
    session: Session,
    actor: Principal,
    account_id: int,
    reason: str,
    *,
    now: dt.datetime | None = None,
) -> Account:
    """Revoke an account at once: its token, certificate mapping and portal sessions stop."""
    now = now or utcnow()
    account = _load(session, account_id)
    ensure(session, actor, act.ACCOUNT_REVOKE, AccountTerms.of(account), now=now)
    if not reason.strip():
        raise InvalidInput("revoking an account needs a reason", code="account.reason_required")
    if account.revoked_at is not None or not account.active:
        raise Conflict(f"account {account_id} is already revoked", code="account.already_revoked")
    if account.has_role(Role.ADMIN) and [a.id for a in _live_admins(session, now)] == [account.id]:
        raise Conflict(
            "this is the last live admin account; issue another admin first",
            code="account.last_admin",
        )
    account.revoked_at = now
    account.revoke_reason = reason.strip()
    account.active = False
    ended = end_account_sessions(session, account.id, now)
    session.flush()
    audit.record(
        session,
        AccountRevoked(account_id=account.id, reason=reason.strip(), sessions_ended=ended),
        actor=actor,
        now=now,
    )
    return account


def rotate(
    session: Session,
    actor: Principal,
    account_id: int,
    *,
    days: int | None = None,
    lifetimes: TokenLifetimes = DEFAULT_LIFETIMES,
    now: dt.datetime | None = None,
) -> tuple[Account, str]:
    """A new token for the account, shown this once; the old token and the account's portal
    sessions stop at once. A revoked account cannot be rotated back to life."""
    now = now or utcnow()
    account = _load(session, account_id)
    ensure(session, actor, act.ACCOUNT_ROTATE, AccountTerms.of(account), now=now)
    if account.revoked_at is not None or not account.active:
        raise Conflict(f"account {account_id} is revoked", code="account.revoked")
    kind = AccountKind(account.kind)
    token = replace_token(account, days=days if days is not None else lifetimes.days(kind), now=now)
    ended = end_account_sessions(session, account.id, now)
    session.flush()
    audit.record(
        session,
        TokenRotated(
            account_id=account.id,
            token_prefix=account.token_prefix,
            expires_at=_iso(account.expires_at),
            sessions_ended=ended,
        ),
        actor=actor,
        now=now,
    )
    return account, token
