"""The responsibility list (责任清单) and the demand list (需求清单) in the portal.

- ``GET /portal/lists/responsibilities?department=&retired=`` — the list, filterable by
  department; an admin's form to add a duty (``POST`` the same path); on each item the forms its
  reader may use: link to one of the department's own datasets (``…/{id}/link``), retire
  (``…/{id}/retire``);
- ``GET /portal/lists/demands?department=&status=`` — the list; a requester's form to file a
  demand (``POST`` the same path); on each demand: match (``…/{id}/match``, the candidates
  offered), record the share request filed for it (``…/{id}/request``), mark fulfilled
  (``…/{id}/fulfil``), decline (``…/{id}/decline``).

Which forms are offered is asked of the one access decision (never a role compared here); each
act is decided again, and audited, by the library. Forms are CSRF-checked
(``exchange_api.portal.forms``); refusals are pages with the code's sentence. The negative list
(负面清单) is its own page, ``/portal/lists/negative``, linked from both.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import demands, responsibilities
from catalog.datasets import list_datasets
from catalog.list_tables import DemandItem, DemandStatus, ResponsibilityItem
from catalog.models import Dataset, Department, RequestStatus, ShareRequest
from catalog.principals import Principal
from catalog.resources import DemandTerms, ResponsibilityTerms
from catalog.settings import Settings
from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.identify import now_of
from exchange_api.payloads import PathId
from exchange_api.portal.forms import LangQuery, Posted, Text, page_errors
from exchange_api.portal.frame import allowed, portal_page
from exchange_api.portal.i18n import DEFAULT_LANG, Lang
from exchange_api.portal.pages import PortalPrincipal
from exchange_api.portal.views import dataset_title, local_date

__all__ = ["router"]

router = APIRouter(prefix="/portal/lists", tags=["portal"], include_in_schema=False)

RESPONSIBILITIES, DEMANDS = "/portal/lists/responsibilities", "/portal/lists/demands"
_SPLIT = re.compile(r"[\n,，、;；]+")
_Filter = Query(None, max_length=64)


def _form_id(text: str) -> int:
    """A catalog id typed or chosen in a form; 0 (no such row) for anything else."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else 0


def _departments(session: Session) -> list[dict[str, str]]:
    rows = session.scalars(select(Department).order_by(Department.code))
    return [{"code": d.code, "name": d.name} for d in rows]


# --- the responsibility list ---------------------------------------------------------------------


def _duty_view(
    item: ResponsibilityItem, owned: list[Dataset], principal: Principal, lang: Lang, now: Any
) -> dict[str, Any]:
    live = item.retired_at is None
    choices = [
        {"code": d.code, "title": dataset_title(d, lang)}
        for d in owned
        if live
        and d.id != item.dataset_id
        and allowed(
            principal, act.RESPONSIBILITY_LINK, responsibilities.responsibility_terms(item, d), now
        )
    ]
    manage = responsibilities.responsibility_terms(item)
    return {
        "id": item.id,
        "department": item.department.code,
        "department_name": item.department.name,
        "title": (item.title_en or item.title_zh) if lang == "en" else item.title_zh,
        "duty": item.duty,
        "legal_basis": item.legal_basis,
        "cycle": item.update_cycle,
        "min_score": f"{item.min_quality_score:g}",
        "dataset": item.dataset.code if item.dataset is not None else "",
        "dataset_title": dataset_title(item.dataset, lang) if item.dataset is not None else "",
        "created_local": local_date(item.created_at),
        "retired_local": local_date(item.retired_at),
        "retire_reason": item.retire_reason,
        "link_choices": choices,
        "can_retire": live and allowed(principal, act.RESPONSIBILITY_MANAGE, manage, now),
    }


def _duty_page(
    request: Request,
    session: Session,
    settings: Settings,
    principal: Principal,
    lang: Lang,
    department: str | None,
    retired: bool,
) -> HTMLResponse:
    now = now_of(request)
    found = responsibilities.list_responsibilities(
        session, principal, department_code=department, include_retired=retired, now=now
    )
    by_owner: dict[int, list[Dataset]] = {}
    for dataset in list_datasets(session):
        by_owner.setdefault(dataset.owner_department_id, []).append(dataset)
    add = ResponsibilityTerms(responsibility_id=None, department_id=principal.department_id)
    return portal_page(
        request,
        session,
        settings,
        principal,
        "list_responsibilities.html",
        lang,
        current="lists",
        now=now,
        rows=[
            _duty_view(i, by_owner.get(i.department_id, []), principal, lang, now) for i in found
        ],
        departments=_departments(session),
        department=department or "",
        retired=retired,
        can_add=allowed(principal, act.RESPONSIBILITY_MANAGE, add, now),
    )


@router.get("/responsibilities", response_class=HTMLResponse)
def responsibility_list(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
    department: str | None = _Filter,
    retired: bool = False,
) -> HTMLResponse:
    with page_errors(session, lang):
        return _duty_page(request, session, settings, principal, lang, department, retired)


@router.post("/responsibilities")
def add_responsibility(
    form: Posted,
    department: Text = "",
    title_zh: Text = "",
    title_en: Text = "",
    duty: Text = "",
    legal_basis: Text = "",
    update_cycle: Text = "",
    min_quality_score: Text = "",
) -> Response:
    with form.acting():
        item = responsibilities.add_responsibility(
            form.session,
            form.actor,
            department_code=department,
            title_zh=title_zh,
            title_en=title_en,
            duty=duty,
            legal_basis=legal_basis,
            update_cycle=update_cycle,
            min_quality_score=min_quality_score,
            now=form.now,
        )
    return form.back_to(RESPONSIBILITIES, f"responsibility-{item.id}")


@router.post("/responsibilities/{responsibility_id}/link")
def link_responsibility(responsibility_id: PathId, form: Posted, dataset: Text = "") -> Response:
    with form.acting():
        responsibilities.link_responsibility(
            form.session, form.actor, responsibility_id, dataset, now=form.now
        )
    return form.back_to(RESPONSIBILITIES, f"responsibility-{responsibility_id}")


@router.post("/responsibilities/{responsibility_id}/retire")
def retire_responsibility(responsibility_id: PathId, form: Posted, reason: Text = "") -> Response:
    with form.acting():
        responsibilities.retire_responsibility(
            form.session, form.actor, responsibility_id, reason, now=form.now
        )
    return form.back_to(RESPONSIBILITIES)


# --- the demand list -----------------------------------------------------------------------------


def _requests_for(session: Session, item: DemandItem) -> list[dict[str, Any]]:
    """The requesting department's live share requests for the matched dataset."""
    rows = session.scalars(
        select(ShareRequest)
        .where(
            ShareRequest.requester_department_id == item.requester_department_id,
            ShareRequest.dataset_id == item.dataset_id,
            ShareRequest.status.in_((RequestStatus.PENDING, RequestStatus.APPROVED)),
        )
        .order_by(ShareRequest.id.desc())
    )
    return [{"id": r.id, "purpose": r.purpose[:40], "status": r.status.value} for r in rows]


def _demand_view(
    session: Session, item: DemandItem, principal: Principal, lang: Lang, now: dt.datetime
) -> dict[str, Any]:
    terms = demands.demand_terms(item)
    whole = demands.may_see_whole(principal, item, now)
    status = item.status
    can_match = status in (DemandStatus.OPEN, DemandStatus.MATCHED) and allowed(
        principal, act.DEMAND_MATCH, DemandTerms(item.id, item.requester_department_id), now
    )
    can_request = status in (DemandStatus.MATCHED, DemandStatus.REQUESTED) and allowed(
        principal, act.DEMAND_REQUEST, terms, now
    )
    closed = status in (DemandStatus.FULFILLED, DemandStatus.DECLINED)
    candidates = demands.suggest_datasets(session, item, limit=5) if can_match else []
    return {
        "id": item.id,
        "requester": item.requester.code,
        "requester_name": item.requester.name,
        "title": item.title,
        "status": status.value,
        "dataset": item.dataset.code if item.dataset is not None else "",
        "dataset_title": dataset_title(item.dataset, lang) if item.dataset is not None else "",
        "created_local": local_date(item.created_at),
        "whole": whole,
        "scenario": item.scenario if whole else "",
        "legal_duty": item.legal_duty if whole else "",
        "fields": [str(f) for f in item.fields_wanted] if whole else [],
        "decline_reason": item.decline_reason if whole else "",
        "share_request_id": item.share_request_id if whole else None,
        "can_match": can_match,
        "candidates": [{"code": d.code, "title": dataset_title(d, lang)} for d in candidates],
        "can_request": can_request,
        "request_choices": _requests_for(session, item) if can_request else [],
        "can_fulfil": status is DemandStatus.REQUESTED
        and allowed(principal, act.DEMAND_FULFIL, terms, now),
        "can_decline": not closed and allowed(principal, act.DEMAND_DECLINE, terms, now),
    }


@router.get("/demands", response_class=HTMLResponse)
def demand_list(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
    department: str | None = _Filter,
    status: str | None = Query(None, max_length=16),
) -> HTMLResponse:
    now = now_of(request)
    with page_errors(session, lang):
        found = demands.list_demands(
            session, principal, department_code=department, status=status, now=now
        )
        own = DemandTerms(demand_id=None, requester_department_id=principal.department_id)
        return portal_page(
            request,
            session,
            settings,
            principal,
            "list_demands.html",
            lang,
            current="lists",
            now=now,
            rows=[_demand_view(session, item, principal, lang, now) for item in found],
            departments=_departments(session),
            department=department or "",
            state=status or "",
            states=[s.value for s in DemandStatus],
            can_file=allowed(principal, act.DEMAND_FILE, own, now),
        )


@router.post("/demands")
def file_demand(
    form: Posted,
    title: Text = "",
    scenario: Text = "",
    legal_duty: Text = "",
    fields_wanted: Text = "",
) -> Response:
    wanted = [part for part in _SPLIT.split(fields_wanted) if part.strip()]
    with form.acting():
        item = demands.file_demand(
            form.session,
            form.actor,
            title=title,
            scenario=scenario,
            legal_duty=legal_duty,
            fields_wanted=wanted,
            now=form.now,
        )
    return form.back_to(DEMANDS, f"demand-{item.id}")


@router.post("/demands/{demand_id}/match")
def match_demand(demand_id: PathId, form: Posted, dataset: Text = "", other: Text = "") -> Response:
    with form.acting():
        chosen = other if other.strip() else dataset
        demands.match_demand(form.session, form.actor, demand_id, chosen, now=form.now)
    return form.back_to(DEMANDS, f"demand-{demand_id}")


@router.post("/demands/{demand_id}/request")
def record_request(demand_id: PathId, form: Posted, request_id: Text = "") -> Response:
    with form.acting():
        demands.record_request(
            form.session, form.actor, demand_id, _form_id(request_id), now=form.now
        )
    return form.back_to(DEMANDS, f"demand-{demand_id}")


@router.post("/demands/{demand_id}/fulfil")
def fulfil_demand(demand_id: PathId, form: Posted) -> Response:
    with form.acting():
        demands.fulfil_demand(form.session, form.actor, demand_id, now=form.now)
    return form.back_to(DEMANDS, f"demand-{demand_id}")


@router.post("/demands/{demand_id}/decline")
def decline_demand(demand_id: PathId, form: Posted, reason: Text = "") -> Response:
    with form.acting():
        demands.decline_demand(form.session, form.actor, demand_id, reason, now=form.now)
    return form.back_to(DEMANDS, f"demand-{demand_id}")
