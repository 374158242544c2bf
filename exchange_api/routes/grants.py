"""Grants (授权): what a department holds, and the owner's revocation."""

from __future__ import annotations

from fastapi import APIRouter, status

from catalog import grants
from catalog.requests import grant_of
from exchange_api.deps import CurrentPrincipal, SessionDep
from exchange_api.payloads import GrantPublic, PathId, RenewIn, RevokeIn, ShareRequestPublic
from exchange_api.routes.requests import RulesDep, grant_public, request_public

router = APIRouter(prefix="/api/v1/grants", tags=["grants"])


@router.get("", summary="The grants I may see (held by or given by my department)")
def list_mine(session: SessionDep, principal: CurrentPrincipal) -> list[GrantPublic]:
    return [grant_public(g) for g in grants.list_grants(session, principal)]


@router.get("/{grant_id}", summary="One grant: its terms and how much of its quota is used")
def get_one(grant_id: PathId, session: SessionDep, principal: CurrentPrincipal) -> GrantPublic:
    return grant_public(grants.get_grant(session, grant_id, principal))


@router.post(
    "/{grant_id}/revoke",
    summary="Revoke a grant at once (owner department's publishers); reads stop immediately",
)
def revoke(
    grant_id: PathId, body: RevokeIn, session: SessionDep, principal: CurrentPrincipal
) -> GrantPublic:
    grant = grants.revoke_grant(session, principal, grant_id, body.reason)
    session.commit()
    return grant_public(grant)


@router.post(
    "/{grant_id}/renew",
    status_code=status.HTTP_201_CREATED,
    summary="Ask for a grant I hold again, on the same terms: a new request that supersedes it "
    "once approved",
)
def renew(
    grant_id: PathId,
    body: RenewIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    rules: RulesDep,
) -> ShareRequestPublic:
    request = grants.renew_grant(
        session, principal, grant_id, expires_at=body.expires_at, purpose=body.purpose, rules=rules
    )
    session.commit()
    return request_public(request, grant_of(session, request))
