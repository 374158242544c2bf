"""Accounts (账户): issue, list, revoke and rotate, each decided by ``catalog.policy``.

A token appears in exactly two responses — the ``201`` of ``POST /api/v1/accounts`` and the
answer to ``POST /api/v1/accounts/{id}/rotate`` — both marked ``Cache-Control: no-store``.
Listings never carry a token or its hash.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from catalog import accounts
from catalog.models import Account
from catalog.tokens import TokenLifetimes
from exchange_api.account_payloads import (
    AccountCreate,
    AccountIssuedPublic,
    AccountPublic,
    AccountRevokeIn,
    AccountRotateIn,
)
from exchange_api.deps import CurrentPrincipal, SessionDep, SettingsDep
from exchange_api.identify import now_of

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])


def account_public(account: Account) -> AccountPublic:
    return AccountPublic(
        id=account.id,
        department=account.department.code,
        name=account.name,
        kind=account.kind,
        roles=list(account.roles),
        token_prefix=account.token_prefix,
        created_at=account.created_at,
        expires_at=account.expires_at,
        revoked_at=account.revoked_at,
        revoke_reason=account.revoke_reason,
        last_used_at=account.last_used_at,
        cert_sha256=account.cert_sha256,
    )


def _with_token(account: Account, token: str, response: Response) -> AccountIssuedPublic:
    response.headers["Cache-Control"] = "no-store"
    return AccountIssuedPublic(account=account_public(account), token=token)


@router.post(
    "",
    status_code=201,
    summary="Issue an account (admins); its token is in this response and nowhere else, ever",
)
def issue(
    body: AccountCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
) -> AccountIssuedPublic:
    account, token = accounts.issue(
        session,
        principal,
        body.department,
        body.name,
        body.roles,
        kind=body.kind,
        days=body.days,
        cert_sha256=body.cert_sha256,
        lifetimes=TokenLifetimes.of(settings),
        now=now_of(request),
    )
    session.commit()
    return _with_token(account, token, response)


@router.get("", summary="The accounts I may see (admins and auditors: all; others: their own)")
def list_all(
    request: Request, session: SessionDep, principal: CurrentPrincipal
) -> list[AccountPublic]:
    found = accounts.list_accounts(session, principal, now=now_of(request))
    return [account_public(a) for a in found]


@router.get("/{account_id}", summary="One account (never its token)")
def get_one(
    account_id: int, request: Request, session: SessionDep, principal: CurrentPrincipal
) -> AccountPublic:
    found = accounts.get_account(session, principal, account_id, now=now_of(request))
    return account_public(found)


@router.post(
    "/{account_id}/revoke",
    summary="Revoke an account at once (admins): its token, certificate and sessions stop",
)
def revoke(
    account_id: int,
    body: AccountRevokeIn,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> AccountPublic:
    account = accounts.revoke(session, principal, account_id, body.reason, now=now_of(request))
    session.commit()
    return account_public(account)


@router.post(
    "/{account_id}/rotate",
    summary="A new token for the account (admins, or the account itself); the old one stops",
)
def rotate(
    account_id: int,
    body: AccountRotateIn,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
) -> AccountIssuedPublic:
    account, token = accounts.rotate(
        session,
        principal,
        account_id,
        days=body.days,
        lifetimes=TokenLifetimes.of(settings),
        now=now_of(request),
    )
    session.commit()
    return _with_token(account, token, response)
