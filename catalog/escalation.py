"""Escalating overdue replies (逾期督办): a daily duty of the platform.

An owner department must answer a conditional share request, and an objection to its refusal,
by a deadline counted in working days (``catalog.requests``, ``catalog.objections``). Once that
deadline has passed unanswered, :func:`escalate_overdue` records ``request.escalated``
(:class:`catalog.duty_events.RequestEscalated`) naming the request, the owner department that
must answer, the deadline and how many working days late it is — once per request and deadline:
a reopened request (an objection upheld) has a new deadline and may be escalated again for it.

Idempotent without a table of its own: an escalation is recorded at or after its deadline, so the
escalations that may exist for the overdue deadlines are the ``request.escalated`` events since
the earliest of them — one range over the ``(action, occurred_at)`` index. The overdue rows are
locked (``FOR UPDATE`` on PostgreSQL) so two runs at once escalate each deadline once.

Who may run it is decided by ``catalog.policy`` (``request.escalate``: the platform, admins).
Works in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.duty_events import RequestEscalated
from catalog.guard import ensure
from catalog.models import AuditEvent, ObjectionStatus, RequestStatus, ShareRequest, utcnow
from catalog.principals import SYSTEM, Principal
from catalog.resources import PLATFORM
from catalog.workdays import CHINA, DeadlineRules, WorkCalendar
from catalog.workflow_tables import RequestObjection

__all__ = ["Escalation", "escalate_overdue", "escalated_at", "working_days_late"]

_LONGEST = 400
"""Days counted at most (bounds the count over a corrupt date)."""


@dataclass(frozen=True, slots=True)
class Escalation:
    """One overdue reply escalated now."""

    request_id: int
    objection_id: int | None
    owner_department: str
    due_at: dt.datetime
    working_days_late: int


def working_days_late(due_at: dt.datetime, now: dt.datetime, calendar: WorkCalendar) -> int:
    """Working days from the day after the last day to answer (``due_at``'s local date) up to
    ``now``'s local date, both included; 0 before the deadline."""
    if now < due_at:
        return 0
    day, today, count = due_at.astimezone(CHINA).date(), now.astimezone(CHINA).date(), 0
    for _ in range(_LONGEST):
        if day > today:
            break
        count += calendar.is_workday(day)[0]
        day += dt.timedelta(days=1)
    return count


def _key(request_id: int, objection_id: int | None, due_at: dt.datetime) -> tuple[int, int, str]:
    return request_id, objection_id or 0, due_at.astimezone(dt.UTC).isoformat()


def _escalated_since(session: Session, since: dt.datetime) -> set[tuple[int, int, str]]:
    """(request, objection or 0, deadline) of every escalation recorded since ``since``."""
    details = session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.action == RequestEscalated.action, AuditEvent.occurred_at >= since
        )
    )
    return {
        (int(d["request_id"]), int(d.get("objection_id") or 0), str(d["due_at"])) for d in details
    }


def escalate_overdue(
    session: Session,
    now: dt.datetime | None = None,
    actor: Principal = SYSTEM,
    *,
    rules: DeadlineRules | None = None,
) -> list[Escalation]:
    """Escalate every reply and objection answer past its deadline, once per deadline."""
    now, rules = now or utcnow(), rules or DeadlineRules()
    ensure(session, actor, act.REQUEST_ESCALATE, PLATFORM, now=now)
    late_requests = list(
        session.scalars(
            select(ShareRequest)
            .where(
                ShareRequest.status == RequestStatus.PENDING,
                ShareRequest.reply_due_at.is_not(None),
                ShareRequest.reply_due_at <= now,
            )
            .order_by(ShareRequest.id)
            .with_for_update()
        )
    )
    late_objections = list(
        session.scalars(
            select(RequestObjection)
            .where(RequestObjection.status == ObjectionStatus.OPEN, RequestObjection.due_at <= now)
            .order_by(RequestObjection.id)
            .with_for_update()
        )
    )
    due: list[tuple[ShareRequest, RequestObjection | None, dt.datetime]] = [
        (r, None, r.reply_due_at) for r in late_requests if r.reply_due_at is not None
    ]
    due += [(o.request, o, o.due_at) for o in late_objections]
    if not due:
        return []
    done = _escalated_since(session, min(d for _, _, d in due))
    escalations = []
    for request, objection, due_at in due:
        key = _key(request.id, objection.id if objection else None, due_at)
        if key in done:
            continue
        done.add(key)
        escalations.append(_escalate(session, request, objection, due_at, now, rules, actor))
    return escalations


def _escalate(
    session: Session,
    request: ShareRequest,
    objection: RequestObjection | None,
    due_at: dt.datetime,
    now: dt.datetime,
    rules: DeadlineRules,
    actor: Principal,
) -> Escalation:
    owner = request.dataset.owner
    late = working_days_late(due_at, now, rules.calendar)
    audit.record(
        session,
        RequestEscalated(
            dataset_id=request.dataset_id,
            request_id=request.id,
            objection_id=objection.id if objection else None,
            owner_department_id=owner.id,
            owner_department=owner.code,
            requester_department=request.requester.code,
            due_at=_key(request.id, None, due_at)[2],
            working_days_late=late,
        ),
        actor=actor,
        now=now,
    )
    return Escalation(
        request_id=request.id,
        objection_id=objection.id if objection else None,
        owner_department=owner.code,
        due_at=due_at,
        working_days_late=late,
    )


def escalated_at(session: Session, requests: Iterable[ShareRequest]) -> dict[int, dt.datetime]:
    """When each of ``requests`` was last escalated (those never escalated are left out): one
    query over the ``request.escalated`` events of their datasets (``(dataset_id, occurred_at)``
    index). Showing it is the caller's business: it has already decided who sees the requests."""
    wanted = {r.id: r.dataset_id for r in requests}
    if not wanted:
        return {}
    rows = session.execute(
        select(AuditEvent.detail, AuditEvent.occurred_at).where(
            AuditEvent.dataset_id.in_(set(wanted.values())),
            AuditEvent.action == RequestEscalated.action,
        )
    )
    latest: dict[int, dt.datetime] = {}
    for detail, occurred_at in rows:
        request_id = int(detail["request_id"])
        if request_id in wanted and (request_id not in latest or occurred_at > latest[request_id]):
            latest[request_id] = occurred_at
    return latest
