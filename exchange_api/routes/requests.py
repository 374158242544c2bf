"""Share requests (共享申请): filing, the owner's decision (as asked or narrowed), withdrawal."""

from __future__ import annotations

from fastapi import APIRouter, status

from catalog import requests as share_requests
from catalog.models import Grant, ShareRequest
from exchange_api.deps import CurrentPrincipal, SessionDep
from exchange_api.payloads import (
    ApprovalIn,
    DecisionIn,
    GrantPublic,
    ShareRequestCreate,
    ShareRequestPublic,
    WithdrawIn,
)

router = APIRouter(prefix="/api/v1/requests", tags=["requests"])


def grant_public(grant: Grant) -> GrantPublic:
    return GrantPublic(
        id=grant.id,
        request_id=grant.request_id,
        dataset=grant.dataset.code,
        grantee_department=grant.request.requester.code,
        fields=list(grant.fields),
        row_filter=list(grant.row_filter),
        purpose=grant.purpose,
        access_modes=list(grant.access_modes),
        quota_rows=grant.quota_rows,
        rows_used=grant.rows_used,
        expires_at=grant.expires_at,
        revoked_at=grant.revoked_at,
        match_fields=list(grant.match_fields or ()),
        revoke_reason=grant.revoke_reason,
        superseded_by_grant_id=grant.superseded_by_grant_id,
    )


def request_public(request: ShareRequest, grant: Grant | None = None) -> ShareRequestPublic:
    return ShareRequestPublic(
        id=request.id,
        dataset=request.dataset.code,
        requester_department=request.requester.code,
        fields=list(request.fields),
        row_filter=list(request.row_filter),
        purpose=request.purpose,
        scenario=request.scenario,
        legal_basis=request.legal_basis,
        access_modes=list(request.access_modes),
        match_fields=list(request.match_fields or ()),
        replaces_grant_id=request.replaces_grant_id,
        status=request.status,
        decision_reason=request.decision_reason,
        created_at=request.created_at,
        decided_at=request.decided_at,
        grant=grant_public(grant) if grant is not None else None,
    )


@router.post("", status_code=status.HTTP_201_CREATED, summary="File a share request")
def file_request(
    body: ShareRequestCreate, session: SessionDep, principal: CurrentPrincipal
) -> ShareRequestPublic:
    request = share_requests.file_request(
        session,
        principal,
        body.dataset,
        body.fields,
        body.purpose,
        scenario=body.scenario,
        legal_basis=body.legal_basis,
        access_modes=tuple(body.access_modes),
        row_filter=tuple(c.model_dump(mode="json") for c in body.row_filter),
        match_fields=tuple(body.match_fields),
        quota_rows=body.quota_rows,
        expires_at=body.expires_at,
        replaces_grant_id=body.replaces_grant_id,
    )
    session.commit()
    return request_public(request, share_requests.grant_of(session, request))


@router.get("", summary="The share requests I may see (filed by or addressed to my department)")
def list_mine(session: SessionDep, principal: CurrentPrincipal) -> list[ShareRequestPublic]:
    return [
        request_public(r, share_requests.grant_of(session, r))
        for r in share_requests.list_requests(session, principal)
    ]


@router.get("/{request_id}", summary="One share request")
def get_one(
    request_id: int, session: SessionDep, principal: CurrentPrincipal
) -> ShareRequestPublic:
    request = share_requests.get_request(session, request_id, principal)
    return request_public(request, share_requests.grant_of(session, request))


@router.post(
    "/{request_id}/approve",
    summary="Approve a request as asked, or narrowed (owner department's publishers)",
)
def approve(
    request_id: int, body: ApprovalIn, session: SessionDep, principal: CurrentPrincipal
) -> ShareRequestPublic:
    grant = share_requests.approve_request(
        session,
        principal,
        request_id,
        reason=body.reason,
        fields=body.fields,
        access_modes=body.access_modes,
        row_filter=tuple(c.model_dump(mode="json") for c in body.row_filter),
        match_fields=body.match_fields,
        quota_rows=body.quota_rows,
        expires_at=body.expires_at,
    )
    session.commit()
    return request_public(grant.request, grant)


@router.post("/{request_id}/refuse", summary="Refuse a request (owner department only)")
def refuse(
    request_id: int, body: DecisionIn, session: SessionDep, principal: CurrentPrincipal
) -> ShareRequestPublic:
    request = share_requests.refuse_request(session, principal, request_id, reason=body.reason)
    session.commit()
    return request_public(request)


@router.post("/{request_id}/withdraw", summary="Withdraw my department's pending request")
def withdraw(
    request_id: int, body: WithdrawIn, session: SessionDep, principal: CurrentPrincipal
) -> ShareRequestPublic:
    request = share_requests.withdraw_request(session, principal, request_id, reason=body.reason)
    session.commit()
    return request_public(request)
