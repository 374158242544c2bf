"""The platform's daily duties by hand (admins): escalate overdue replies, record expired grants.

The ``governance_daily`` DAG runs both every day as the platform; an administrator may run them
now (after an outage, say). Both are idempotent — a deadline is escalated, an expiry recorded,
once — and decided by the one access decision (``request.escalate``, ``grant.expire``): anyone
else is refused, 403 ``role.admin_required``, audited.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel

from catalog.escalation import escalate_overdue
from catalog.grant_expiry import expire_grants
from catalog.workdays import DeadlineRules
from exchange_api.deps import CurrentPrincipal, SessionDep, SettingsDep

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/duties", tags=["duties"])


class EscalationPublic(BaseModel):
    request_id: int
    objection_id: int | None
    owner_department: str
    due_at: dt.datetime
    working_days_late: int


class ExpiryPublic(BaseModel):
    grant_id: int
    expires_at: dt.datetime
    subscriptions_stopped: list[int]


@router.post(
    "/escalate-overdue",
    summary="Escalate every reply and objection answer past its deadline, once (admins)",
)
def escalate(
    session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal
) -> list[EscalationPublic]:
    done = escalate_overdue(session, actor=principal, rules=DeadlineRules.of(settings))
    session.commit()
    return [
        EscalationPublic(
            request_id=e.request_id,
            objection_id=e.objection_id,
            owner_department=e.owner_department,
            due_at=e.due_at,
            working_days_late=e.working_days_late,
        )
        for e in done
    ]


@router.post(
    "/expire-grants",
    summary="Record every grant past its expiry, once, and stop its subscriptions (admins)",
)
def expire(session: SessionDep, principal: CurrentPrincipal) -> list[ExpiryPublic]:
    done = expire_grants(session, actor=principal)
    session.commit()
    return [
        ExpiryPublic(
            grant_id=e.grant_id,
            expires_at=e.expires_at,
            subscriptions_stopped=list(e.subscriptions_stopped),
        )
        for e in done
    ]
