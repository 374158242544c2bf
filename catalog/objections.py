"""Objections (异议) to a refused share request, and the owner's answer, both by a deadline.

The requesting department may object to a refusal once at a time, saying why; the owner must
answer within ``DeadlineRules.objection_days`` working days (official calendar, make-up workdays
included; provisional where the calendar does not know the year). Upholding the objection reopens
the request — pending again, with a fresh reply deadline — so the owner approves or narrows it as
any request; dismissing it leaves the refusal standing, with the answer on the record. Who may do
each is decided by ``catalog.policy`` (``objection.file``, ``objection.answer``); both are audited.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.events import ObjectionAnswered, ObjectionFiled
from catalog.guard import ensure
from catalog.models import ObjectionStatus, RequestStatus, utcnow
from catalog.principals import Principal
from catalog.requests import locked_request
from catalog.resources import RequestTerms
from catalog.workdays import DeadlineRules
from catalog.workflow_tables import RequestObjection

__all__ = ["REASON_MAX", "answer_objection", "file_objection"]

REASON_MAX = 2000


def _text(value: str, what: str, code: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"{what} needs a reason", code=code)
    if len(value) > REASON_MAX:
        raise InvalidInput(f"{what} has at most {REASON_MAX} characters", code=code)
    return value


def file_objection(
    session: Session,
    principal: Principal,
    request_id: int,
    reason: str,
    *,
    rules: DeadlineRules | None = None,
    now: dt.datetime | None = None,
) -> RequestObjection:
    """Object to the refusal of ``request_id``; the owner's answer is due by the deadline."""
    now, rules = now or utcnow(), rules or DeadlineRules()
    request = locked_request(session, request_id)
    ensure(session, principal, act.OBJECTION_FILE, RequestTerms.of(request), now=now)
    reason = _text(reason, "an objection", "objection.reason_required")
    if request.status is not RequestStatus.REFUSED:
        raise Conflict(
            f"request {request_id} is {request.status.value}; only a refusal can be objected to",
            code="objection.not_refused",
        )
    if any(o.status is ObjectionStatus.OPEN for o in request.objections):
        raise Conflict(
            f"request {request_id} already has an open objection", code="objection.already_open"
        )
    due = rules.objection_due(now)
    objection = RequestObjection(
        request=request,
        filed_by_account_id=principal.account_id,
        reason=reason,
        filed_at=now,
        due_at=due.due_at,
        due_provisional=due.provisional,
        status=ObjectionStatus.OPEN,
    )
    session.add(objection)
    session.flush()
    audit.record(
        session,
        ObjectionFiled(
            dataset_id=request.dataset_id,
            request_id=request.id,
            objection_id=objection.id,
            reason=reason,
            due_at=due.due_at.isoformat(),
            due_provisional=due.provisional,
        ),
        actor=principal,
        now=now,
    )
    return objection


def answer_objection(
    session: Session,
    principal: Principal,
    objection_id: int,
    *,
    request_id: int | None = None,
    uphold: bool,
    answer: str,
    rules: DeadlineRules | None = None,
    now: dt.datetime | None = None,
) -> RequestObjection:
    """The owner answers: ``uphold`` reopens the request, otherwise the refusal stands."""
    now, rules = now or utcnow(), rules or DeadlineRules()
    objection = session.get(RequestObjection, objection_id)
    if objection is None or request_id not in (None, objection.request_id):
        raise NotFound(f"no objection {objection_id}", code="objection.not_found")
    request = locked_request(session, objection.request_id)
    ensure(session, principal, act.OBJECTION_ANSWER, RequestTerms.of(request), now=now)
    answer = _text(answer, "an answer to an objection", "objection.answer_required")
    if objection.status is not ObjectionStatus.OPEN:
        raise Conflict(
            f"objection {objection_id} was already answered", code="objection.already_answered"
        )
    objection.status = ObjectionStatus.UPHELD if uphold else ObjectionStatus.DISMISSED
    objection.answer = answer
    objection.answered_at = now
    objection.answered_by_account_id = principal.account_id
    if uphold:
        due = rules.reply_due(now)
        request.status = RequestStatus.PENDING
        request.decided_at = None
        request.decided_by_account_id = None
        request.decision_reason = ""
        request.reply_due_at, request.reply_due_provisional = due.due_at, due.provisional
    session.flush()
    audit.record(
        session,
        ObjectionAnswered(
            dataset_id=request.dataset_id,
            request_id=request.id,
            objection_id=objection.id,
            status=objection.status.value,
            answer=answer,
            late=objection.due_at < now,
        ),
        actor=principal,
        now=now,
    )
    return objection
