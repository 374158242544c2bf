"""Share requests (共享申请): filing, the owner's decision (as asked or narrowed), withdrawal,
objections (异议) to a refusal and the owner's answer — each with its working-day deadline."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from catalog import objections
from catalog import requests as share_requests
from catalog.escalation import escalated_at
from catalog.models import Grant, ShareRequest, utcnow
from catalog.workdays import DeadlineRules
from catalog.workflow_tables import RequestObjection
from exchange_api.deps import CurrentPrincipal, SessionDep, SettingsDep
from exchange_api.payloads import (
    ApprovalIn,
    GrantPublic,
    ObjectionAnswerIn,
    ObjectionIn,
    ObjectionPublic,
    PathId,
    RefusalIn,
    ShareRequestCreate,
    ShareRequestPublic,
    WithdrawIn,
)

router = APIRouter(prefix="/api/v1/requests", tags=["requests"])


def _rules(settings: SettingsDep) -> DeadlineRules:
    return DeadlineRules.of(settings)


RulesDep = Annotated[DeadlineRules, Depends(_rules)]


def objection_public(objection: RequestObjection) -> ObjectionPublic:
    return ObjectionPublic(
        id=objection.id,
        reason=objection.reason,
        filed_at=objection.filed_at,
        due_at=objection.due_at,
        due_provisional=objection.due_provisional,
        overdue=objection.overdue(utcnow()),
        status=objection.status.value,
        answer=objection.answer,
        answered_at=objection.answered_at,
    )


def grant_public(grant: Grant, *, expiry_recorded: dt.datetime | None = None) -> GrantPublic:
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
        expiry_recorded_at=expiry_recorded,
    )


def request_public(
    request: ShareRequest, grant: Grant | None = None, *, escalated: dt.datetime | None = None
) -> ShareRequestPublic:
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
        reply_due_at=request.reply_due_at,
        reply_due_provisional=request.reply_due_provisional,
        overdue=request.overdue(utcnow()),
        escalated_at=escalated,
        objections=[objection_public(o) for o in request.objections],
        grant=grant_public(grant) if grant is not None else None,
    )


@router.post("", status_code=status.HTTP_201_CREATED, summary="File a share request")
def file_request(
    body: ShareRequestCreate, session: SessionDep, principal: CurrentPrincipal, rules: RulesDep
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
        rules=rules,
    )
    session.commit()
    return request_public(request, share_requests.grant_of(session, request))


@router.get(
    "",
    summary="The share requests I may see (filed by or addressed to my department; auditors and "
    "admins: all), optionally only those whose reply is overdue",
)
def list_mine(
    session: SessionDep,
    principal: CurrentPrincipal,
    overdue: Annotated[bool, Query(description="Only requests past their reply deadline")] = False,
) -> list[ShareRequestPublic]:
    now = utcnow()
    shown = [
        r
        for r in share_requests.list_requests(session, principal, now=now)
        if not overdue or r.awaits_an_overdue_answer(now)
    ]
    escalated = escalated_at(session, shown)
    return [
        request_public(r, share_requests.grant_of(session, r), escalated=escalated.get(r.id))
        for r in shown
    ]


@router.get("/{request_id}", summary="One share request")
def get_one(
    request_id: PathId, session: SessionDep, principal: CurrentPrincipal
) -> ShareRequestPublic:
    request = share_requests.get_request(session, request_id, principal)
    escalated = escalated_at(session, [request]).get(request.id)
    return request_public(request, share_requests.grant_of(session, request), escalated=escalated)


@router.post(
    "/{request_id}/approve",
    summary="Approve a request as asked, or narrowed (owner department's publishers)",
)
def approve(
    request_id: PathId,
    body: ApprovalIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    rules: RulesDep,
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
        rules=rules,
    )
    session.commit()
    return request_public(grant.request, grant)


@router.post("/{request_id}/refuse", summary="Refuse a request (owner department only)")
def refuse(
    request_id: PathId, body: RefusalIn, session: SessionDep, principal: CurrentPrincipal
) -> ShareRequestPublic:
    request = share_requests.refuse_request(session, principal, request_id, reason=body.reason)
    session.commit()
    return request_public(request)


@router.post("/{request_id}/withdraw", summary="Withdraw my department's pending request")
def withdraw(
    request_id: PathId, body: WithdrawIn, session: SessionDep, principal: CurrentPrincipal
) -> ShareRequestPublic:
    request = share_requests.withdraw_request(session, principal, request_id, reason=body.reason)
    session.commit()
    return request_public(request)


@router.post(
    "/{request_id}/objections",
    status_code=status.HTTP_201_CREATED,
    summary="Object (异议) to the refusal of my department's request; the owner answers by a "
    "working-day deadline",
)
def object_to_refusal(
    request_id: PathId,
    body: ObjectionIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    rules: RulesDep,
) -> ShareRequestPublic:
    objection = objections.file_objection(session, principal, request_id, body.reason, rules=rules)
    session.commit()
    return request_public(objection.request)


@router.post(
    "/{request_id}/objections/{objection_id}/answer",
    summary="Answer an objection (owner department's publishers): uphold reopens the request",
)
def answer_objection(
    request_id: PathId,
    objection_id: PathId,
    body: ObjectionAnswerIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    rules: RulesDep,
) -> ShareRequestPublic:
    objection = objections.answer_objection(
        session,
        principal,
        objection_id,
        request_id=request_id,
        uphold=body.uphold,
        answer=body.answer,
        rules=rules,
    )
    session.commit()
    return request_public(objection.request, share_requests.grant_of(session, objection.request))
