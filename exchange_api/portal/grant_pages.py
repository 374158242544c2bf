"""The requesting department's grants (授权): what each allows, renewal, and its data.

- ``GET /portal/grants`` — the grants my department holds: fields with the masks it sees them
  through, row filter, access modes, match keys, quota used and left, expiry, state; renewal
  (``POST /portal/grants/{id}/renew``: ``catalog.grants.renew_grant``, a new request on the same
  terms that supersedes the grant once approved);
- ``GET /portal/grants/{id}/data?page=N`` — a page of rows within the grant, read exactly as
  ``GET /api/v1/datasets/{code}/data?grant_id=`` reads it (``exchange_api.read_path``): decided
  by the policy, masked and filtered in SQL, audited, counted against the quota;
- ``POST /portal/grants/{id}/data/match`` — for a grant with match keys (masked fields it may
  match), one exact value per call, as the API's query does: a probe that costs at least one row
  of quota. It is a form (CSRF-checked), so the value — often an ID number — never sits in a URL,
  a browser history or an access log; its result is shown at once, not redirected.

A grant another department holds is "not found" (404, audited), as over the API.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from catalog.conditions import Condition, Op
from catalog.grants import get_grant, list_grants, renew_grant
from catalog.models import Grant
from catalog.policy import ReadRequest
from catalog.principals import Principal
from catalog.settings import Settings
from catalog.workdays import DeadlineRules
from exchange_api.deps import LazyLake, SessionDep, SettingsDep, serving_of
from exchange_api.identify import now_of
from exchange_api.payloads import PathId
from exchange_api.portal.forms import (
    FormActor,
    LangQuery,
    Text,
    form_expiry,
    form_text,
    page_errors,
    see_other,
)
from exchange_api.portal.frame import portal_page
from exchange_api.portal.i18n import DEFAULT_LANG, Lang
from exchange_api.portal.pages import PortalPrincipal
from exchange_api.portal.views import grant_view
from exchange_api.read_path import SharedRead, read_shared

__all__ = ["PAGE_ROWS", "router"]

PAGE_ROWS = 20
"""Rows on one page of a grant's data."""
MAX_PAGE = 100_000

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)


@router.get("/grants", response_class=HTMLResponse)
def my_grants(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """The grants my department holds, newest first."""
    now = now_of(request)
    held = [
        g
        for g in list_grants(session, principal, now=now)
        if g.grantee_department_id == principal.department_id  # a view: held by us
    ]
    rows = [grant_view(g, principal, lang, now=now) for g in reversed(held)]
    return portal_page(
        request,
        session,
        settings,
        principal,
        "grants.html",
        lang,
        current="grants",
        now=now,
        rows=rows,
    )


@router.post("/grants/{grant_id}/renew")
def renew(
    grant_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: FormActor,
    lang: LangQuery = DEFAULT_LANG,
    purpose: Text = "",
    expires_on: Text = "",
) -> Response:
    """Ask for the grant again on the same terms (``catalog.grants.renew_grant``)."""
    with page_errors(session, lang):
        renewal = renew_grant(
            session,
            principal,
            grant_id,
            expires_at=form_expiry(expires_on),
            purpose=form_text(purpose, "purpose") or None,
            rules=DeadlineRules.of(settings),
            now=now_of(request),
        )
        session.commit()
    return see_other("/portal/requests", lang, f"request-{renewal.id}")


def _read(
    request: Request,
    session: Session,
    settings: Settings,
    principal: Principal,
    grant: Grant,
    read: ReadRequest,
) -> SharedRead:
    lake = LazyLake(serving_of(request))  # reached only once the decision allowed the read
    try:
        return read_shared(
            session, lake, principal, settings, grant.dataset.code, read, grant_id=grant.id
        )
    finally:
        lake.close()


def _data_page(
    request: Request,
    session: Session,
    settings: Settings,
    principal: Principal,
    lang: Lang,
    grant: Grant,
    read: SharedRead,
    **context: Any,
) -> HTMLResponse:
    now = now_of(request)
    session.refresh(grant)  # the quota this read used
    titles = {f.name: f.title_zh for f in grant.dataset.fields}
    result = read.result
    columns = [
        {
            "name": name,
            "title": titles.get(name, name) if lang == "zh" else name,
            "masked": name in result.masked_columns,
        }
        for name in result.columns
    ]
    rows = [
        ["" if row[name] is None else str(row[name]) for name in result.columns]
        for row in result.table.to_pylist()
    ]
    return portal_page(
        request,
        session,
        settings,
        principal,
        "grant_data.html",
        lang,
        current="grants",
        now=now,
        here=None if context.get("matched") is None else f"/portal/grants/{grant.id}/data",
        grant=grant_view(grant, principal, lang, now=now),
        through_grant=read.plan.grant_id is not None,
        match_keys=[{"name": k, "title": titles.get(k, k)} for k in sorted(read.plan.match_keys)],
        columns=columns,
        rows=rows,
        audit_event=read.delivery.event.id,
        **context,
    )


@router.get("/grants/{grant_id}/data", response_class=HTMLResponse)
def grant_data(
    grant_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    """A page of the grant's rows, read through the API's read path."""
    with page_errors(session, lang):
        grant = get_grant(session, grant_id, principal, now=now_of(request))
        read = _read(
            request,
            session,
            settings,
            principal,
            grant,
            ReadRequest(limit=PAGE_ROWS, offset=(page - 1) * PAGE_ROWS),
        )
    return _data_page(
        request,
        session,
        settings,
        principal,
        lang,
        grant,
        read,
        page=page,
        has_next=read.result.row_count == PAGE_ROWS and page < MAX_PAGE,
        matched=None,
    )


@router.post("/grants/{grant_id}/data/match", response_class=HTMLResponse)
def grant_match(
    grant_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: FormActor,
    lang: LangQuery = DEFAULT_LANG,
    field: Text = "",
    value: Text = "",
) -> HTMLResponse:
    """The rows whose match key equals one exact value: a probe the policy allows only for the
    grant's match keys, one value per call, at a cost of at least one row of quota."""
    with page_errors(session, lang):
        grant = get_grant(session, grant_id, principal, now=now_of(request))
        condition = Condition(
            field=form_text(field, "field", required=True),
            op=Op.EQ,
            value=form_text(value, "value", required=True),
        )
        read = _read(
            request,
            session,
            settings,
            principal,
            grant,
            ReadRequest(filters=(condition,), limit=PAGE_ROWS),
        )
    return _data_page(
        request,
        session,
        settings,
        principal,
        lang,
        grant,
        read,
        page=1,
        has_next=False,
        matched={"field": condition.field, "count": read.result.row_count},
    )
