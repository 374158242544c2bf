"""The owner department's pages (提供方): requests to decide, objections to answer, grants given.

- ``GET /portal/inbox`` — pending requests the caller may decide (``request.approve``), the
  oldest deadline first, overdue ones marked, and marked escalated (督办) once the platform's daily
  duty escalated them (``catalog.escalation``); then refusals objected to (``objection.answer``).
  ``POST /portal/requests/{id}/approve`` approves as asked or narrowed
  (``catalog.requests.approve_request``): the field, mode and match-key boxes offer only what was
  asked, a quota and an expiry may only shrink it, one extra row filter may be added — the
  service refuses anything wider (``approval.not_narrower``). ``POST …/refuse`` needs a reason
  (``refuse_request``); ``POST …/objections/{oid}/answer`` upholds (reopens the request) or
  dismisses an objection (``catalog.objections.answer_objection``);
- ``GET /portal/given`` — grants of the datasets my department owns, with their use, and
  ``POST /portal/grants/{id}/revoke`` (``catalog.grants.revoke_grant``: reads stop at once).

Forms pass :data:`forms.FormActor` first; every act is the API's library function, decided and
audited there.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import objections
from catalog import requests as share_requests
from catalog.conditions import Op, type_family
from catalog.errors import InvalidInput
from catalog.escalation import escalated_at
from catalog.grants import list_grants, revoke_grant
from catalog.models import Dataset, ObjectionStatus, RequestStatus, ShareRequest
from catalog.principals import Principal
from catalog.resources import RequestTerms
from catalog.workdays import DeadlineRules
from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.identify import now_of
from exchange_api.payloads import PathId
from exchange_api.portal.forms import (
    Checked,
    LangQuery,
    Posted,
    Text,
    form_expiry,
    form_quota,
    form_text,
)
from exchange_api.portal.frame import allowed, portal_page
from exchange_api.portal.i18n import DEFAULT_LANG
from exchange_api.portal.pages import PortalPrincipal
from exchange_api.portal.views import field_views, grant_view, request_view

__all__ = ["router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)


_FAR = dt.datetime.max.replace(tzinfo=dt.UTC)
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _due(request: ShareRequest) -> dt.datetime:
    return request.reply_due_at or _FAR


def _objection_due(request: ShareRequest) -> dt.datetime:
    due = [o.due_at for o in request.objections if o.status is ObjectionStatus.OPEN]
    return min(due, default=_FAR)


@router.get("/inbox", response_class=HTMLResponse)
def inbox(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """Requests to approve, narrow or refuse, and objections to answer; oldest deadline first."""
    now = now_of(request)
    calendar = DeadlineRules.of(settings).calendar
    visible = share_requests.list_requests(session, principal, now=now)
    to_decide = sorted(
        (
            r
            for r in visible
            if r.status is RequestStatus.PENDING
            and allowed(principal, act.REQUEST_APPROVE, RequestTerms.of(r), now)
        ),
        key=lambda r: (_due(r), r.id),
    )
    to_answer = sorted(
        (
            r
            for r in visible
            if any(o.status is ObjectionStatus.OPEN for o in r.objections)
            and allowed(principal, act.OBJECTION_ANSWER, RequestTerms.of(r), now)
        ),
        key=lambda r: (_objection_due(r), r.id),
    )

    escalated = escalated_at(session, [*to_decide, *to_answer])

    def view(r: ShareRequest) -> dict[str, Any]:
        shown = request_view(
            r, None, principal, lang, now=now, calendar=calendar, escalated=escalated.get(r.id)
        )
        shown["filter_fields"] = field_views(r.dataset)
        return shown

    return portal_page(
        request,
        session,
        settings,
        principal,
        "inbox.html",
        lang,
        current="inbox",
        now=now,
        to_decide=[view(r) for r in to_decide],
        to_answer=[view(r) for r in to_answer],
        overdue=sum(1 for r in to_decide if r.overdue(now)),
        ops=[o.value for o in Op],
    )


def _filter_value(dataset: Dataset, field: str, op: str, value: str) -> Any:
    """The typed value of the extra row filter: numbers for a numeric field, a list for ``in``."""
    kinds = {f.name: type_family(f.duckdb_type) for f in dataset.fields}
    if field not in kinds:
        raise InvalidInput("the row filter names no field of this dataset", code="form.invalid")
    parts = [v.strip() for v in re.split(r"[,，、]", value)] if op == Op.IN.value else [value]
    if kinds[field] == "number":
        if not all(_NUMBER.fullmatch(p) for p in parts):
            raise InvalidInput("this field is compared with numbers", code="form.invalid")
        typed: list[Any] = [float(p) if "." in p else int(p) for p in parts]
    else:
        typed = list(parts)
    return typed if op == Op.IN.value else typed[0]


def _extra_filter(
    session: Session, principal: Principal, request_id: int, field: str, op: str, value: str
) -> tuple[dict[str, Any], ...]:
    """The one row filter the owner may add, typed by its field — read from the request, which
    the caller must be allowed to see first (``request.view``: another department's request is
    "not found", audited, before any of the form is looked at)."""
    field, value = field.strip(), form_text(value, "row filter value")
    if not field:
        return ()
    request = share_requests.get_request(session, request_id, principal)
    return ({"field": field, "op": op, "value": _filter_value(request.dataset, field, op, value)},)


@router.post("/requests/{request_id}/approve")
def approve(
    request_id: PathId,
    form: Posted,
    settings: SettingsDep,
    fields: Checked = None,
    access_modes: Checked = None,
    match_fields: Checked = None,
    quota_rows: Text = "",
    expires_on: Text = "",
    filter_field: Text = "",
    filter_op: Text = "eq",
    filter_value: Text = "",
    reason: Text = "",
) -> Response:
    """Approve as asked, or narrowed by the boxes left unticked and the terms typed."""
    with form.acting():
        share_requests.approve_request(
            form.session,
            form.actor,
            request_id,
            reason=form_text(reason, "reason"),
            fields=fields or [],
            access_modes=access_modes or [],
            match_fields=match_fields or [],
            row_filter=_extra_filter(
                form.session, form.actor, request_id, filter_field, filter_op, filter_value
            ),
            quota_rows=form_quota(quota_rows),
            expires_at=form_expiry(expires_on),
            rules=DeadlineRules.of(settings),
            now=form.now,
        )
    return form.back_to("/portal/inbox")


@router.post("/requests/{request_id}/refuse")
def refuse(
    request_id: PathId,
    form: Posted,
    reason: Text = "",
) -> Response:
    """Refuse, saying why (the reason is required; the service refuses a blank one)."""
    with form.acting():
        share_requests.refuse_request(
            form.session, form.actor, request_id, reason=form_text(reason, "reason"), now=form.now
        )
    return form.back_to("/portal/inbox")


@router.post("/requests/{request_id}/objections/{objection_id}/answer")
def answer(
    request_id: PathId,
    objection_id: PathId,
    form: Posted,
    settings: SettingsDep,
    decision: Text = "",
    answer: Text = "",
) -> Response:
    """Uphold the objection (the request is pending again) or dismiss it (the refusal stands)."""
    with form.acting():
        if decision not in ("uphold", "dismiss"):
            raise InvalidInput("choose to uphold or dismiss the objection", code="form.required")
        objections.answer_objection(
            form.session,
            form.actor,
            objection_id,
            request_id=request_id,
            uphold=decision == "uphold",
            answer=form_text(answer, "answer"),
            rules=DeadlineRules.of(settings),
            now=form.now,
        )
    return form.back_to("/portal/inbox")


@router.get("/given", response_class=HTMLResponse)
def given(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """Grants of the datasets my department owns, live ones first."""
    now = now_of(request)
    ours = [
        g
        for g in list_grants(session, principal, now=now)
        if g.dataset.owner_department_id == principal.department_id  # a view: given by us
    ]
    rows = [grant_view(g, principal, lang, now=now) for g in reversed(ours)]
    rows.sort(key=lambda g: g["state"] != "live")
    return portal_page(
        request,
        session,
        settings,
        principal,
        "given.html",
        lang,
        current="given",
        now=now,
        rows=rows,
    )


@router.post("/grants/{grant_id}/revoke")
def revoke(
    grant_id: PathId,
    form: Posted,
    reason: Text = "",
) -> Response:
    """Revoke a grant at once, saying why (``catalog.grants.revoke_grant``)."""
    with form.acting():
        revoke_grant(form.session, form.actor, grant_id, form_text(reason, "reason"), now=form.now)
    return form.back_to("/portal/given", f"grant-{grant_id}")
