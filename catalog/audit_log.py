"""The audit log as an auditor reads it: filtered, newest first, a page at a time.

:func:`read_log` is the one way to list events (``GET /api/v1/audit/events``, the portal's
``/portal/audit``), decided as ``audit.view``. It returns the log itself — the envelope every
event carries and its ``detail`` — never a row of shared data: events hold what was asked, how
much was sent and the SHA-256 of it, not the data.

Filters (all optional): the acting department's code, a dataset's code, a grant id, an action
(``data.read``) or a family of actions (``data.*``), an outcome, and days (China Standard Time,
as ``catalog.usage_window`` reads them; no dates means the whole log). Paging is by keyset on the
sequence number: a page ends with ``next_before``, the id to pass as ``before`` for the next
(older) page, so pages stay put while new events are appended. Bad filters are ``InvalidInput``
with the codes of ``catalog.usage_window`` and: ``audit.bad_action``, ``audit.bad_outcome``,
``audit.bad_cursor`` (``before`` not a positive id), ``audit.limit_invalid`` (not 1 to
:data:`MAX_LIMIT`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit_events, bulk_events, change_events, subscription_events, usage_events
from catalog import backup_events as _backup_events
from catalog import contract_events as _contract_events
from catalog import element_events as _element_events
from catalog import export_events as _export_events
from catalog import list_events as _list_events
from catalog import negative_events as _negative_events
from catalog import scorecard_events as _scorecard_events
from catalog import verify_events as _verify_events
from catalog.errors import InvalidInput
from catalog.events import AuditedEvent
from catalog.guard import ensure
from catalog.models import AuditEvent, AuditOutcome, utcnow
from catalog.principals import Principal
from catalog.resources import PLATFORM
from catalog.usage import Names
from catalog.usage_window import Scope, day_start, parse_day, resolve_scope

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "LogEntry",
    "LogPage",
    "LogQuery",
    "action_families",
    "known_actions",
    "read_log",
]

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_ACTION = re.compile(r"[a-z][a-z_]{0,31}(\.[a-z][a-z_]{0,47}|\.\*)")
_EVENT_MODULES = (
    audit_events,
    bulk_events,
    change_events,
    _list_events,
    subscription_events,
    usage_events,
    _verify_events,
    _negative_events,
    _scorecard_events,
    _export_events,
    _element_events,
    _contract_events,
    _backup_events,
)  # imported so every event class is known to ``known_actions``


def _subclasses(cls: type[AuditedEvent]) -> list[type[AuditedEvent]]:
    found: list[type[AuditedEvent]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def known_actions() -> tuple[str, ...]:
    """Every action an event class names, sorted."""
    return tuple(sorted({c.action for c in _subclasses(AuditedEvent) if "action" in vars(c)}))


def action_families() -> tuple[str, ...]:
    """``data.*``, ``grant.*`` …: the first part of every known action."""
    return tuple(sorted({f"{a.split('.', 1)[0]}.*" for a in known_actions()}))


@dataclass(frozen=True, slots=True)
class LogQuery:
    """The filters as typed; checked after the access decision allowed the view."""

    department: str | None = None
    dataset: str | None = None
    grant: str | int | None = None
    action: str | None = None
    outcome: str | None = None
    date_from: str | dt.date | None = None
    date_to: str | dt.date | None = None
    before: str | int | None = None
    limit: str | int | None = None


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    occurred_at: dt.datetime
    action: str
    outcome: str
    actor_account_id: int | None
    actor_name: str
    department_code: str
    department_name: str
    object: str
    dataset_code: str
    grant_id: int | None
    purpose: str
    params_sha256: str
    rows_sent: int | None
    bytes_sent: int | None
    content_sha256: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class LogPage:
    entries: tuple[LogEntry, ...]
    next_before: int | None
    """Pass as ``before`` for the next, older page; ``None`` on the last page."""
    scope: Scope
    action: str
    outcome: str
    date_from: dt.date | None
    date_to: dt.date | None
    limit: int


def _whole(value: str | int | None, what: str, code: str, low: int, high: int) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or not low <= int(text) <= high:
        raise InvalidInput(f"{what} must be a whole number from {low} to {high}", code=code)
    return int(text)


def _action(value: str | None) -> str:
    text = (value or "").strip()
    if text and not _ACTION.fullmatch(text):
        raise InvalidInput(
            "action must be an action name (data.read) or a family (data.*)",
            code="audit.bad_action",
        )
    return text


def _outcome(value: str | None) -> AuditOutcome | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return AuditOutcome(text)
    except ValueError:
        raise InvalidInput(
            "outcome must be ok, refused or error", code="audit.bad_outcome"
        ) from None


def read_log(
    session: Session, actor: Principal, query: LogQuery, *, now: dt.datetime | None = None
) -> LogPage:
    """A page of the log, newest first, if ``actor`` may read it (``audit.view``)."""
    now = now or utcnow()
    ensure(session, actor, act.AUDIT_VIEW, PLATFORM, now=now)
    limit = _whole(query.limit, "limit", "audit.limit_invalid", 1, MAX_LIMIT) or DEFAULT_LIMIT
    before = _whole(query.before, "before", "audit.bad_cursor", 1, 2**63 - 1)
    action, outcome = _action(query.action), _outcome(query.outcome)
    first, last = parse_day(query.date_from, "from"), parse_day(query.date_to, "to")
    if first is not None and last is not None and first > last:
        raise InvalidInput("from must not be after to", code="audit.range_invalid")
    if last is not None and last >= dt.date.max - dt.timedelta(days=1):
        raise InvalidInput("to is out of range", code="audit.bad_date", parameter="to")
    scope = resolve_scope(
        session, department=query.department, dataset=query.dataset, grant=query.grant
    )
    stmt = select(AuditEvent)
    if scope.department_id is not None:
        stmt = stmt.where(AuditEvent.actor_department_id == scope.department_id)
    if scope.dataset_id is not None:
        stmt = stmt.where(AuditEvent.dataset_id == scope.dataset_id)
    if scope.grant_id is not None:
        stmt = stmt.where(AuditEvent.grant_id == scope.grant_id)
    if action.endswith(".*"):
        stmt = stmt.where(AuditEvent.action.startswith(action[:-1], autoescape=True))
    elif action:
        stmt = stmt.where(AuditEvent.action == action)
    if outcome is not None:
        stmt = stmt.where(AuditEvent.outcome == outcome)
    if first is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= day_start(first))
    if last is not None:
        stmt = stmt.where(AuditEvent.occurred_at < day_start(last + dt.timedelta(days=1)))
    if before is not None:
        stmt = stmt.where(AuditEvent.id < before)
    events = list(session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    more = len(events) > limit
    events = events[:limit]
    names = Names.load(
        session,
        departments=(e.actor_department_id for e in events),
        datasets=(e.dataset_id for e in events),
        accounts=(e.actor_account_id for e in events),
    )
    return LogPage(
        entries=tuple(_entry(e, names) for e in events),
        next_before=events[-1].id if more and events else None,
        scope=scope,
        action=action,
        outcome=outcome.value if outcome is not None else "",
        date_from=first,
        date_to=last,
        limit=limit,
    )


def _entry(event: AuditEvent, names: Names) -> LogEntry:
    dept_code, dept_name = names.department(event.actor_department_id)
    account = event.actor_account_id
    return LogEntry(
        id=event.id,
        occurred_at=event.occurred_at,
        action=event.action,
        outcome=event.outcome.value,
        actor_account_id=account,
        actor_name=names.accounts.get(account, f"#{account}") if account is not None else "",
        department_code=dept_code,
        department_name=dept_name,
        object=event.object,
        dataset_code=names.dataset(event.dataset_id)[0],
        grant_id=event.grant_id,
        purpose=event.purpose,
        params_sha256=event.params_sha256,
        rows_sent=event.rows_sent,
        bytes_sent=event.bytes_sent,
        content_sha256=event.content_sha256,
        detail=dict(event.detail or {}),
        prev_hash=event.prev_hash,
        hash=event.hash,
    )
