"""The auditor's page for reproducing a read (``lakehouse.reproduce``).

- ``GET /portal/audit/reproduce`` — a box for an audit event's number (``?event=N`` opens it);
- ``GET /portal/audit/events/{id}/reproduce`` — what the event recorded: who read which dataset,
  through which grant, for which purpose, which columns (which masked), the row filter as it was,
  the snapshot, and the SHA-256, rows and bytes of what was sent;
- ``POST /portal/audit/events/{id}/reproduce`` — the replay (a CSRF-checked form, since a replay
  is an audited act): the verdict beside both digests, a warning when the event no longer matches
  its chain hash, and for a JSON read the first rows of the replayed content — what the
  department received. A bulk extract is not shown; the API and the CLI hand out the file.

Every view is decided by ``audit.reproduce`` (auditors only) through ``catalog.guard.ensure``:
anyone else gets the 403 page, and the refusal is audited. Nothing here changes anything but the
replay's own audit event.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog.errors import NotFound
from catalog.guard import ensure
from catalog.models import AuditEvent, Dataset, Department
from catalog.principals import Principal
from catalog.resources import PLATFORM
from catalog.settings import Settings
from exchange_api.deps import LazyLake, SessionDep, SettingsDep, serving_of
from exchange_api.identify import now_of
from exchange_api.payloads import PathId
from exchange_api.portal.forms import FormActor, LangQuery, page_errors
from exchange_api.portal.frame import portal_page
from exchange_api.portal.i18n import DEFAULT_LANG, Lang
from exchange_api.portal.pages import PortalPrincipal
from exchange_api.portal.views import condition_text, dataset_title, local_date
from lakehouse.replay import REPLAYABLE
from lakehouse.reproduce import MAX_EVENT_ID, Reproduction, reproduce

__all__ = ["PREVIEW_ROWS", "router"]

PREVIEW_ROWS = 50
"""The rows of a replayed JSON read the page shows (the rest: API or CLI)."""

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)


def _event(session: Session, event_id: int) -> AuditEvent:
    row = session.get(AuditEvent, event_id) if event_id <= MAX_EVENT_ID else None
    if row is None:
        raise NotFound(f"no audit event has id {event_id}", code="audit.event_not_found")
    return row


def _event_view(session: Session, row: AuditEvent, lang: Lang) -> dict[str, Any]:
    detail = row.detail or {}
    dataset = session.get(Dataset, row.dataset_id) if row.dataset_id is not None else None
    department = (
        session.get(Department, row.actor_department_id) if row.actor_department_id else None
    )
    titles = {f.name: f.title_zh for f in dataset.fields} if dataset is not None else {}
    filters = detail.get("filters") if isinstance(detail.get("filters"), list) else []
    return {
        "id": row.id,
        "action": row.action,
        "label": f"action.{row.action}" if row.action in REPLAYABLE else None,
        "occurred": local_date(row.occurred_at),
        "department": department.name if department is not None else "",
        "dataset": dataset.code if dataset is not None else "",
        "dataset_title": dataset_title(dataset, lang) if dataset is not None else "",
        "grant_id": row.grant_id,
        "purpose": detail.get("purpose", ""),
        "snapshot": detail.get("snapshot_id", detail.get("to_snapshot")),
        "columns": detail.get("columns") or detail.get("group_by") or [],
        "masked": detail.get("masked_columns") or detail.get("masked_group_by") or [],
        "filters": [_condition(c, titles, lang) for c in filters or ()],
        "format": f"{detail['format']} · {detail['encoding']}" if "format" in detail else "",
        "recorded": {
            "sha256": detail.get("content_sha256", ""),
            "rows": detail.get("row_count", detail.get("group_count", "")),
            "bytes": detail.get("bytes_sent", ""),
        },
    }


def _condition(condition: Any, titles: dict[str, str], lang: Lang) -> str:
    try:
        return condition_text(condition, titles, lang)
    except Exception:  # an edited record: show it as it is, never fail the page
        return json.dumps(condition, ensure_ascii=False)


def _preview(done: Reproduction) -> dict[str, Any] | None:
    """The first rows of a replayed JSON read, as a table: column names and rows."""
    body = done.replayed.body
    if body is None:
        return None
    page = json.loads(body)
    if done.action == "data.changes_read":
        names = [c["name"] for c in page["columns"]]
        rows = [[c["change"], *(c["row"].get(n) for n in names)] for c in page["changes"]]
        return {"columns": ["__change", *names], "rows": rows[:PREVIEW_ROWS]}
    if done.action == "data.aggregated":
        names = [g["name"] for g in page["group_by"]] + [m["name"] for m in page["measures"]]
        rows = [[g.get(n) for n in names] for g in page["groups"]]
        return {"columns": names, "rows": rows[:PREVIEW_ROWS]}
    names = [c["name"] for c in page["columns"]]
    rows = [[r.get(n) for n in names] for r in page["rows"]]
    return {"columns": names, "rows": rows[:PREVIEW_ROWS]}


def _result_view(done: Reproduction) -> dict[str, Any]:
    r = done.replayed
    return {
        "verdict": r.verdict,
        "intact": done.event_intact,
        "audit_event": done.audit_event_id,
        "replayed": {
            "sha256": r.replayed_sha256,
            "rows": r.replayed_rows,
            "bytes": r.replayed_bytes,
        },
        "preview": _preview(done),
    }


def _page(
    request: Request,
    session: Session,
    settings: Settings,
    principal: Principal,
    lang: Lang,
    row: AuditEvent,
    result: dict[str, Any] | None,
) -> HTMLResponse:
    return portal_page(
        request,
        session,
        settings,
        principal,
        "audit_reproduce.html",
        lang,
        current="",
        now=now_of(request),
        event=_event_view(session, row, lang),
        result=result,
        preview_rows=PREVIEW_ROWS,
    )


@router.get("/audit/reproduce", response_class=HTMLResponse)
def reproduce_lookup(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
    event: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> Response:
    """A box for an event's number; with ``?event=N``, that event's page."""
    with page_errors(session, lang):
        ensure(session, principal, act.AUDIT_REPRODUCE, PLATFORM, now=now_of(request))
    if event is not None:
        return RedirectResponse(
            f"/portal/audit/events/{event}/reproduce?lang={lang}", status_code=303
        )
    return portal_page(
        request,
        session,
        settings,
        principal,
        "audit_reproduce.html",
        lang,
        current="",
        now=now_of(request),
        event=None,
        result=None,
        preview_rows=PREVIEW_ROWS,
    )


@router.get("/audit/events/{event_id}/reproduce", response_class=HTMLResponse)
def reproduce_form(
    event_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """What the event recorded, and the button that replays it."""
    with page_errors(session, lang):
        ensure(session, principal, act.AUDIT_REPRODUCE, PLATFORM, now=now_of(request))
        row = _event(session, event_id)
    return _page(request, session, settings, principal, lang, row, None)


@router.post("/audit/events/{event_id}/reproduce", response_class=HTMLResponse)
def reproduce_post(
    event_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: FormActor,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """Replay the event's read and show the verdict (``lakehouse.reproduce``, audited)."""
    with page_errors(session, lang):
        lake = LazyLake(serving_of(request))  # opened only once the decision allowed it
        try:
            done = reproduce(
                session, lake, settings, principal, event_id, shown=True, now=now_of(request)
            )
        finally:
            lake.close()
        session.commit()
        row = _event(session, event_id)
    return _page(request, session, settings, principal, lang, row, _result_view(done))
