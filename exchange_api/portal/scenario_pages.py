"""Scenario requests' pages (应用场景): the list, the file form, one scenario.

- ``GET /portal/scenarios`` — the scenarios the caller may see
  (``catalog.scenarios.list_scenarios``: the requesting department, member owners, auditors,
  admins), each with its status and every member's decision; and, for whoever may file a
  request for some dataset (``request.file``), the form: title, purpose, legal basis, the join
  field, and one box a field of every dataset offered — those the caller may request, and its
  own department's (a scenario's *anchor*, read as its owner reads it). A dataset takes part
  when one of its fields is ticked; the join field is added to every member's fields (the
  service refuses a dataset without it).
- ``POST /portal/scenarios`` files it (``catalog.scenarios.file_scenario``: every member through
  the ordinary request path, all or none). A refusal or a faulty form comes back on the form
  page, its code and sentence in the page's language, the form as it was filled; an audited
  refusal stays on the record.
- ``GET /portal/scenarios/{id}`` — one scenario (``get_scenario``: outsiders get the audited
  "not found"): each member with its owner, status and a link to where it is decided (the
  owner's inbox) or followed (the requester's requests), the members a read leaves out and why
  (``lakehouse.scenario_read.scenario_members``), and, when ``scenario.read`` allows it, the link
  to the joined view (``exchange_api.portal.scenario_data_pages``).

Each member is decided by its owner on the existing inbox pages, as any request.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import scenarios
from catalog.datasets import list_datasets
from catalog.guard import is_audited_refusal
from catalog.policy import Allowed, authorize
from catalog.principals import Principal
from catalog.requests import grant_of
from catalog.resources import DatasetTerms
from catalog.scenario_tables import ScenarioRequest
from catalog.settings import Settings
from catalog.workdays import DeadlineRules
from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.identify import now_of
from exchange_api.payloads import PathId
from exchange_api.portal.forms import (
    Checked,
    LangQuery,
    Posted,
    Text,
    form_text,
    page_errors,
    problem_text,
)
from exchange_api.portal.frame import allowed, portal_page
from exchange_api.portal.i18n import DEFAULT_LANG, Lang
from exchange_api.portal.pages import PortalPrincipal
from exchange_api.portal.views import dataset_title, field_views, local_date, request_view
from lakehouse.scenario_read import scenario_members
from schemas.errors import ZhongtaiError

__all__ = ["may_read", "router", "scenario_asks"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)

DEFAULT_JOIN = "citizen_id"


def scenario_asks(ticked: list[str], join_field: str) -> list[scenarios.MemberAsk]:
    """The members a form asks for: its ticked ``dataset.field`` boxes, grouped by dataset in
    the order first ticked, the join field first in each."""
    wanted: dict[str, list[str]] = {}
    for box in ticked:
        code, sep, name = box.partition(".")
        if sep and code and name:
            wanted.setdefault(code, [])
            if name not in wanted[code]:
                wanted[code].append(name)
    return [
        scenarios.MemberAsk(code, tuple(dict.fromkeys([join_field, *names])))
        for code, names in wanted.items()
    ]


def _offered(
    session: Session, principal: Principal, lang: Lang, now: dt.datetime
) -> list[dict[str, Any]]:
    """The datasets the form offers: those the caller may request, and its own (an anchor)."""
    datasets = list_datasets(session)
    offered = []
    for dataset, terms in zip(datasets, DatasetTerms.of_all(session, datasets), strict=True):
        own = terms.owner_department_id == principal.department_id
        if (own and allowed(principal, act.DATASET_VIEW, terms, now)) or allowed(
            principal, act.REQUEST_FILE, terms, now
        ):
            offered.append(
                {
                    "code": dataset.code,
                    "title": dataset_title(dataset, lang),
                    "owner": dataset.owner.name,
                    "own": own,
                    "fields": field_views(dataset),
                }
            )
    return offered


def _join_candidates(offered: list[dict[str, Any]]) -> list[str]:
    """Field names two or more offered datasets share, the usual citizen ID first."""
    counts = Counter(f.name for d in offered for f in d["fields"])
    shared = sorted(name for name, n in counts.items() if n >= 2)
    return sorted(shared, key=lambda name: name != DEFAULT_JOIN)


def _member_rows(
    session: Session,
    principal: Principal,
    scenario: ScenarioRequest,
    lang: Lang,
    calendar: Any,
    now: dt.datetime,
) -> list[dict[str, Any]]:
    rows = []
    for member in scenario.members:
        view = request_view(
            member, grant_of(session, member), principal, lang, now=now, calendar=calendar
        )
        if view["can_decide"]:
            view["decide_href"] = f"/portal/inbox?lang={lang}#request-{member.id}"
        elif member.requester_department_id == principal.department_id:
            view["decide_href"] = f"/portal/requests?lang={lang}#request-{member.id}"
        else:
            view["decide_href"] = ""
        rows.append(view)
    return rows


def may_read(principal: Principal, scenario: ScenarioRequest, now: dt.datetime) -> bool:
    """Whether ``scenario.read`` would let ``principal`` read the joined view now (only what
    to offer: the read itself is decided again, and audited)."""
    terms = scenarios.scenario_terms(scenario)
    return isinstance(authorize(principal, act.SCENARIO_READ, terms, now=now), Allowed)


def _summary(scenario: ScenarioRequest, lang: Lang) -> dict[str, Any]:
    anchor = scenario.anchor
    return {
        "id": scenario.id,
        "title": scenario.title,
        "purpose": scenario.purpose,
        "legal_basis": scenario.legal_basis,
        "requester": scenario.requester.name,
        "join_field": scenario.join_field,
        "status": scenarios.scenario_status(scenario),
        "created_local": local_date(scenario.created_at),
        "anchor": None
        if anchor is None
        else {
            "code": anchor.code,
            "title": dataset_title(anchor, lang),
            "owner": anchor.owner.name,
            "fields": list(scenario.anchor_fields),
        },
        "members": [
            {
                "id": m.id,
                "code": m.dataset.code,
                "title": dataset_title(m.dataset, lang),
                "status": m.status.value,
            }
            for m in scenario.members
        ],
    }


def _list_page(
    request: Request,
    session: Session,
    settings: Settings,
    principal: Principal,
    lang: Lang,
    *,
    error: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    now = now_of(request)
    seen = scenarios.list_scenarios(session, principal, now=now)
    offered = _offered(session, principal, lang, now)
    may_file = any(not d["own"] for d in offered)
    candidates = _join_candidates(offered)
    filled = form or {}
    return portal_page(
        request,
        session,
        settings,
        principal,
        "scenarios.html",
        lang,
        current="scenarios",
        now=now,
        status=status,
        here="/portal/scenarios",
        rows=[_summary(s, lang) for s in reversed(seen)],
        may_file=may_file,
        offered=offered if may_file else [],
        join_candidates=candidates,
        error=error,
        form={
            "title": filled.get("title", ""),
            "purpose": filled.get("purpose", ""),
            "legal_basis": filled.get("legal_basis", ""),
            "join_field": filled.get("join_field")
            or (candidates[0] if candidates else DEFAULT_JOIN),
            "ticked": set(filled.get("ticked", ())),
        },
    )


@router.get("/scenarios", response_class=HTMLResponse)
def scenario_list(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """The scenarios the caller may see, newest first, and the form to file one."""
    with page_errors(session, lang):
        return _list_page(request, session, settings, principal, lang)


@router.post("/scenarios", response_class=HTMLResponse)
def file_scenario(
    form: Posted,
    settings: SettingsDep,
    title: Text = "",
    purpose: Text = "",
    legal_basis: Text = "",
    join_field: Text = "",
    fields: Checked = None,
) -> Response:
    """File the scenario from the form; a refusal or a faulty form comes back on the page."""
    session, lang = form.session, form.lang
    ticked = fields or []
    filled = {
        "title": title,
        "purpose": purpose,
        "legal_basis": legal_basis,
        "join_field": join_field.strip(),
        "ticked": ticked,
    }
    try:
        join = form_text(join_field, "join field")
        filed = scenarios.file_scenario(
            session,
            form.actor,
            title=form_text(title, "title"),
            purpose=form_text(purpose, "purpose"),
            legal_basis=form_text(legal_basis, "legal basis"),
            join_field=join,
            members=scenario_asks(ticked, join),
            rules=DeadlineRules.of(settings),
            now=form.now,
        )
    except ZhongtaiError as exc:
        if is_audited_refusal(exc):
            session.commit()  # the refusal stays on the record; nothing else was kept
        else:
            session.rollback()
        error = {
            "code": exc.code,
            "text": problem_text(exc, lang),
            "detail": exc.message if lang == "en" else "",
        }
        with page_errors(session, lang):
            return _list_page(
                form.request,
                session,
                settings,
                form.actor,
                lang,
                error=error,
                form=filled,
                status=exc.status,
            )
    session.commit()
    return form.back_to(f"/portal/scenarios/{filed.id}")


@router.get("/scenarios/{scenario_id}", response_class=HTMLResponse)
def scenario_page(
    scenario_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """One scenario: its members, their decisions, what a read leaves out, the joined view."""
    now = now_of(request)
    with page_errors(session, lang):
        scenario = scenarios.get_scenario(session, scenario_id, principal, now=now)
    _, left_out = scenario_members(session, scenario)
    calendar = DeadlineRules.of(settings).calendar
    return portal_page(
        request,
        session,
        settings,
        principal,
        "scenario.html",
        lang,
        current="scenarios",
        now=now,
        s=_summary(scenario, lang),
        members=_member_rows(session, principal, scenario, lang, calendar, now),
        left_out=left_out,
        can_read=may_read(principal, scenario, now),
    )
