"""Grants (授权): what a department holds, and the owner's revocation."""

from __future__ import annotations

from fastapi import APIRouter, status

from catalog import grants
from catalog.grant_expiry import expiry_recorded_at
from catalog.requests import grant_of
from exchange_api.deps import CurrentPrincipal, SessionDep
from exchange_api.payloads import GrantPublic, PathId, RenewIn, RevokeIn, ShareRequestPublic
from exchange_api.routes.requests import RulesDep, grant_public, request_public

router = APIRouter(prefix="/api/v1/grants", tags=["grants"])


@router.get("", summary="The grants I may see (held by or given by my department)")
def list_mine(session: SessionDep, principal: CurrentPrincipal) -> list[GrantPublic]:
    shown = grants.list_grants(session, principal)
    recorded = expiry_recorded_at(session, shown)
    return [grant_public(g, expiry_recorded=recorded.get(g.id)) for g in shown]


@router.get("/{grant_id}", summary="One grant: its terms and how much of its quota is used")
def get_one(grant_id: PathId, session: SessionDep, principal: CurrentPrincipal) -> GrantPublic:
    grant = grants.get_grant(session, grant_id, principal)
    return grant_public(grant, expiry_recorded=expiry_recorded_at(session, [grant]).get(grant.id))


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
