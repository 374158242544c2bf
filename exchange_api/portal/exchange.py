"""The requesting department's pages (使用方): the catalog, a request form, my requests.

- ``GET /portal/catalog`` — the catalog search (``exchange_api.portal.search_pages``);
- ``GET /portal/catalog/{code}`` — one dataset: its fields, personal ones marked with the mask a
  grantee sees, and the request form when the access rules let the caller file one
  (``request.file``); ``POST /portal/catalog/{code}/requests`` files it
  (``catalog.requests.file_request``: unconditional data is granted at once, not-shared data
  refused at once with its legal basis, conditional data waits for the owner);
- ``GET /portal/requests`` — my department's requests: status, reply deadline with its clock
  (working time left, or overdue; provisional where the calendar had to guess), the grant an
  approval gave; ``POST …/withdraw`` (``withdraw_request``) and ``POST …/objections``
  (``catalog.objections.file_objection``: 异议 to a refusal).

Every act is the API's library function, so the access decision, its audit and every check are
the API's; forms pass :data:`forms.FormActor` (session cookie, Origin, CSRF) first, and answer
with a redirect to the page that shows the result (post, redirect, get).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from catalog import actions as act
from catalog import objections
from catalog import requests as share_requests
from catalog.datasets import get_dataset
from catalog.departments import get_department
from catalog.models import AccessMode, RequestStatus
from catalog.policy import Refusal, authorize
from catalog.resources import DatasetTerms
from catalog.workdays import DeadlineRules
from exchange_api.deps import SessionDep, SettingsDep, dataset_code
from exchange_api.identify import now_of
from exchange_api.payloads import PathId
from exchange_api.portal.dataset_page import entry_view
from exchange_api.portal.forms import (
    Checked,
    LangQuery,
    Posted,
    Text,
    form_expiry,
    form_quota,
    form_text,
    page_errors,
)
from exchange_api.portal.frame import portal_page
from exchange_api.portal.i18n import DEFAULT_LANG, MESSAGES
from exchange_api.portal.pages import PortalPrincipal
from exchange_api.portal.views import dataset_title, field_views, request_view

__all__ = ["router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)


@router.get("/catalog/{code}", response_class=HTMLResponse)
def catalog_entry(
    code: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """One dataset and, when the caller may file one, the request form."""
    now = now_of(request)
    with page_errors(session, lang):
        dataset = get_dataset(session, dataset_code(code))
    terms = DatasetTerms.of(dataset)
    decision = authorize(principal, act.REQUEST_FILE, terms, now=now)
    fields = field_views(dataset)
    bound = terms.region_bound(get_department(session, principal.department_code).region_code)
    return portal_page(
        request,
        session,
        settings,
        principal,
        "catalog_entry.html",
        lang,
        current="catalog",
        now=now,
        dataset={
            "code": dataset.code,
            "title": dataset_title(dataset, lang),
            "description": dataset.description,
            "share_type": dataset.share_type.value,
            "share_basis": dataset.share_basis,
            "owner": dataset.owner.name,
            "steward": dataset.steward,
            "grade": dataset.grade.value,
            "update_cycle": dataset.update_cycle,
            "published": dataset.current_snapshot_id is not None,
            "region_field": dataset.region_field,
            "region_bound": bound.value if bound is not None else None,
        },
        fields=fields,
        matchable=[f for f in fields if f.masked],
        modes=[m.value for m in AccessMode],
        may_file=not isinstance(decision, Refusal),
        refusal=decision.code if isinstance(decision, Refusal) else "",
        refusal_text=MESSAGES[lang].get(f"problem.{decision.code}", "")
        if isinstance(decision, Refusal)
        else "",
        **entry_view(session, principal, dataset, lang, now=now),  # the dataset page (item 8)
    )


@router.post("/catalog/{code}/requests")
def file_request(
    code: str,
    form: Posted,
    settings: SettingsDep,
    fields: Checked = None,
    purpose: Text = "",
    scenario: Text = "",
    legal_basis: Text = "",
    access_modes: Checked = None,
    match_fields: Checked = None,
    quota_rows: Text = "",
    expires_on: Text = "",
) -> Response:
    """File a share request from the form (``catalog.requests.file_request``)."""
    with form.acting():
        filed = share_requests.file_request(
            form.session,
            form.actor,
            dataset_code(code),
            fields or [],
            form_text(purpose, "purpose", required=True),
            scenario=form_text(scenario, "scenario"),
            legal_basis=form_text(legal_basis, "legal basis"),
            access_modes=tuple(access_modes or ()),
            match_fields=tuple(match_fields or ()),
            quota_rows=form_quota(quota_rows),
            expires_at=form_expiry(expires_on),
            rules=DeadlineRules.of(settings),
            now=form.now,
        )
    return form.back_to("/portal/requests", f"request-{filed.id}")


@router.get("/requests", response_class=HTMLResponse)
def my_requests(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """The requests my department filed, newest first, each with its deadline clock."""
    now = now_of(request)
    calendar = DeadlineRules.of(settings).calendar
    mine = [
        r
        for r in share_requests.list_requests(session, principal, now=now)
        if r.requester_department_id == principal.department_id  # a view: filed by us
    ]
    rows = [
        request_view(
            r,
            share_requests.grant_of(session, r),
            principal,
            lang,
            now=now,
            calendar=calendar,
        )
        for r in reversed(mine)
    ]
    return portal_page(
        request,
        session,
        settings,
        principal,
        "requests.html",
        lang,
        current="requests",
        now=now,
        rows=rows,
        pending=sum(1 for r in mine if r.status is RequestStatus.PENDING),
    )


@router.post("/requests/{request_id}/withdraw")
def withdraw(
    request_id: PathId,
    form: Posted,
    reason: Text = "",
) -> Response:
    """Withdraw my department's pending request (``catalog.requests.withdraw_request``)."""
    with form.acting():
        share_requests.withdraw_request(
            form.session,
            form.actor,
            request_id,
            reason=form_text(reason, "reason"),
            now=form.now,
        )
    return form.back_to("/portal/requests", f"request-{request_id}")


@router.post("/requests/{request_id}/objections")
def object_to_refusal(
    request_id: PathId,
    form: Posted,
    settings: SettingsDep,
    reason: Text = "",
) -> Response:
    """Object (异议) to the refusal of my department's request; the owner answers by a deadline."""
    with form.acting():
        objections.file_objection(
            form.session,
            form.actor,
            request_id,
            form_text(reason, "objection"),
            rules=DeadlineRules.of(settings),
            now=form.now,
        )
    return form.back_to("/portal/requests", f"request-{request_id}")
