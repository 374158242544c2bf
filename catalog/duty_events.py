"""The audit events of the platform's daily duties: a reply escalated, a grant's expiry recorded.

Kept beside ``catalog.events`` (same base, written only through ``catalog.audit.record``). Each is
written once per deadline or expiry (``catalog.escalation``, ``catalog.grant_expiry``): the event
itself is the record that the duty was done, so running the duty again finds it and does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from catalog.events import AuditedEvent

__all__ = ["GrantExpired", "RequestEscalated"]


@dataclass(frozen=True, kw_only=True)
class RequestEscalated(AuditedEvent):
    """A share request's reply (or the answer to an objection to its refusal) passed its deadline
    unanswered: the platform escalated it, naming the owner department that must answer."""

    action: ClassVar[str] = "request.escalated"
    request_id: int
    objection_id: int | None = None
    """The objection whose answer is late; none when the reply to the request itself is."""
    owner_department_id: int
    owner_department: str
    """The owner department's code: the department that must answer."""
    requester_department: str
    due_at: str
    """The deadline that passed (ISO 8601, UTC): one escalation per request and deadline."""
    working_days_late: int
    """Working days (official calendar) from the day after the last day to answer, up to today."""


@dataclass(frozen=True, kw_only=True)
class GrantExpired(AuditedEvent):
    """A grant reached its expiry: reads through it were already refused; now it is on the
    record, and the subscriptions that depended on it are cancelled."""

    action: ClassVar[str] = "grant.expired"
    grantee_department: str
    owner_department: str
    expires_at: str
    """The expiry that passed (ISO 8601, UTC): one record per grant and expiry."""
    subscriptions_stopped: tuple[int, ...] = ()
