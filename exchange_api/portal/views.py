"""What the exchange pages show of datasets, requests and grants: plain values for templates.

Requests and grants start from the API's own shapes (``routes.requests.request_public`` and
``grant_public``), so a page and ``GET /api/v1/…`` never disagree; a view adds the titles, the
deadline clocks and which acts the viewer is offered — each offer decided by
``catalog.policy.authorize`` (``frame.allowed``) and decided again, audited, when acted on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from catalog import actions as act
from catalog.conditions import Condition
from catalog.grants import remaining_quota
from catalog.models import Dataset, Grant, ObjectionStatus, RequestStatus, ShareRequest
from catalog.principals import Principal
from catalog.read_plan import grantee_mask
from catalog.resources import DatasetTerms, GrantTerms, RequestTerms
from catalog.workdays import CHINA, WorkCalendar
from exchange_api.portal.clock import DeadlineClock, deadline_clock
from exchange_api.portal.frame import allowed
from exchange_api.portal.i18n import MESSAGES, Lang
from exchange_api.routes.requests import grant_public, request_public

__all__ = [
    "FieldView",
    "condition_text",
    "dataset_title",
    "field_views",
    "grant_state",
    "grant_view",
    "local_date",
    "request_view",
]

_OP_SIGNS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥"}


@dataclass(frozen=True, slots=True)
class FieldView:
    """A field as a page shows it: whether it is personal, and the mask a grantee sees."""

    name: str
    title: str
    duckdb_type: str
    required: bool
    personal: bool
    mask: str
    """The grantee's mask (``keep:6:4``, ``redact``…), empty when shown as stored."""

    @property
    def masked(self) -> bool:
        return bool(self.mask)


def dataset_title(dataset: Dataset, lang: Lang) -> str:
    return dataset.title_zh if lang == "zh" else dataset.title_en


def field_views(dataset: Dataset, only: list[str] | None = None) -> list[FieldView]:
    """``dataset``'s fields in contract order (only those in ``only``, when given)."""
    terms = DatasetTerms.of(dataset)
    views = []
    for field in dataset.fields:
        if only is not None and field.name not in only:
            continue
        mask = grantee_mask(terms.field(field.name))
        views.append(
            FieldView(
                name=field.name,
                title=field.title_zh,
                duckdb_type=field.duckdb_type,
                required=field.required,
                personal=field.personal,
                mask=str(mask) if mask.masked else "",
            )
        )
    return views


def condition_text(condition: dict[str, Any], titles: dict[str, str], lang: Lang) -> str:
    """``field op value`` for people: ``参保地行政区划 开头为 3301``, ``amount ≥ 1000``."""
    parsed = Condition.from_json(condition)
    name = titles.get(parsed.field, parsed.field) if lang == "zh" else parsed.field
    value = parsed.value
    shown = ", ".join(str(v) for v in value) if isinstance(value, tuple) else str(value)
    if parsed.op.value == "in":
        shown = f"[{shown}]"
    sign = _OP_SIGNS.get(parsed.op.value) or MESSAGES[lang][f"cond.{parsed.op.value}"]
    return f"{name} {sign} {shown}"


def local_date(moment: dt.datetime | None) -> str:
    """A moment as a date and time in China Standard Time, for people."""
    if moment is None:
        return ""
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _clock(
    due_at: dt.datetime | None, provisional: bool, now: dt.datetime, calendar: WorkCalendar
) -> DeadlineClock | None:
    return None if due_at is None else deadline_clock(due_at, provisional, now, calendar)


def request_view(
    request: ShareRequest,
    grant: Grant | None,
    principal: Principal,
    lang: Lang,
    *,
    now: dt.datetime,
    calendar: WorkCalendar,
    escalated: dt.datetime | None = None,
) -> dict[str, Any]:
    """One request as a page shows it, with its clocks and the acts ``principal`` is offered;
    ``escalated`` (when the platform last escalated it) is marked while an answer is still late."""
    view = request_public(request, grant, escalated=escalated).model_dump()
    terms = RequestTerms.of(request)
    titles = {f.name: f.title_zh for f in request.dataset.fields}
    pending = request.status is RequestStatus.PENDING
    refused = request.status is RequestStatus.REFUSED
    open_objection = any(o.status is ObjectionStatus.OPEN for o in request.objections)
    view.update(
        dataset_title=dataset_title(request.dataset, lang),
        requester_name=request.requester.name,
        owner_name=request.dataset.owner.name,
        field_list=field_views(request.dataset, list(request.fields)),
        filter_texts=[condition_text(c, titles, lang) for c in request.row_filter or ()],
        created_local=local_date(request.created_at),
        decided_local=local_date(request.decided_at),
        expires_local=local_date(request.expires_at),
        quota_rows=request.quota_rows,
        escalated_local=local_date(escalated)
        if escalated is not None and request.awaits_an_overdue_answer(now)
        else "",
        clock=_clock(request.reply_due_at, request.reply_due_provisional, now, calendar)
        if pending
        else None,
        can_withdraw=pending and allowed(principal, act.REQUEST_WITHDRAW, terms, now),
        can_decide=pending and allowed(principal, act.REQUEST_APPROVE, terms, now),
        can_object=refused
        and not open_objection
        and allowed(principal, act.OBJECTION_FILE, terms, now),
        can_answer=open_objection and allowed(principal, act.OBJECTION_ANSWER, terms, now),
        objection_list=[
            {
                "id": o.id,
                "reason": o.reason,
                "status": o.status.value,
                "answer": o.answer,
                "filed_local": local_date(o.filed_at),
                "answered_local": local_date(o.answered_at),
                "clock": _clock(o.due_at, o.due_provisional, now, calendar)
                if o.status is ObjectionStatus.OPEN
                else None,
            }
            for o in request.objections
        ],
        grant_view=grant_view(grant, principal, lang, now=now) if grant is not None else None,
    )
    return view


def grant_state(grant: Grant, now: dt.datetime) -> str:
    """``live``, ``revoked``, ``superseded`` (revoked by its renewal) or ``expired``."""
    if grant.revoked_at is not None:
        return "superseded" if grant.superseded_by_grant_id is not None else "revoked"
    if grant.expires_at is not None and grant.expires_at <= now:
        return "expired"
    return "live"


def grant_view(
    grant: Grant, principal: Principal, lang: Lang, *, now: dt.datetime
) -> dict[str, Any]:
    """One grant as a page shows it: what it allows, its use, and the acts offered."""
    view = grant_public(grant).model_dump()
    terms = GrantTerms.of(grant)
    titles = {f.name: f.title_zh for f in grant.dataset.fields}
    state = grant_state(grant, now)
    view.update(
        dataset_title=dataset_title(grant.dataset, lang),
        grantee_name=grant.request.requester.name,
        owner_name=grant.dataset.owner.name,
        field_list=field_views(grant.dataset, list(grant.fields)),
        filter_texts=[condition_text(c, titles, lang) for c in grant.row_filter or ()],
        rows_left=remaining_quota(grant),
        created_local=local_date(grant.created_at),
        expires_local=local_date(grant.expires_at),
        revoked_local=local_date(grant.revoked_at),
        state=state,
        can_read=state == "live",
        can_renew=state in ("live", "expired") and allowed(principal, act.GRANT_RENEW, terms, now),
        can_revoke=state == "live" and allowed(principal, act.GRANT_REVOKE, terms, now),
    )
    return view
