"""A scenario's joined view in the portal (应用场景联合视图), for the requesting department.

- ``GET /portal/scenarios/{id}/data?page=N`` — a page of the joined view, read exactly as
  ``GET /api/v1/scenarios/{id}/rows`` reads it (``exchange_api.scenario_path.read_joined``:
  ``scenario.read`` decided by the policy, every member through its own grant, one DuckDB query,
  each member read and the scenario read audited, quota charged). Column headers are
  ``dataset.field``; a column a grant shows masked is marked, and its cells are the masked values
  the query returned — nothing is unmasked here. A column an owner did not grant is not there.
- ``GET /portal/scenarios/{id}/download?page=N&format=ndjson|json`` — the same page as a file,
  in the formats the API offers (one JSON row a line, or the API's JSON page); read and audited
  again, as any download is, the audit event and digest in the response headers.

Refusals (another department: the hidden "not found"; a member owner: ``scenario.not_requester``;
undecided members: ``scenario.not_live``; a revoked member grant) are audited and shown as the
portal's refusal page.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from catalog import scenarios
from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.identify import now_of
from exchange_api.payloads import PathId
from exchange_api.portal.forms import LangQuery, page_errors
from exchange_api.portal.frame import portal_page
from exchange_api.portal.i18n import DEFAULT_LANG
from exchange_api.portal.pages import PortalPrincipal
from exchange_api.scenario_path import read_joined

__all__ = ["PAGE_ROWS", "router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)

PAGE_ROWS = 20
"""Rows on one page of a joined view."""
MAX_PAGE = 100_000
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]


@router.get("/scenarios/{scenario_id}/data", response_class=HTMLResponse)
def scenario_data(
    scenario_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
    page: Page = 1,
) -> HTMLResponse:
    """A page of the joined view, read through the API's scenario read path."""
    now = now_of(request)
    with page_errors(session, lang):
        delivery = read_joined(
            session,
            settings,
            principal,
            scenario_id,
            limit=PAGE_ROWS,
            offset=(page - 1) * PAGE_ROWS,
        )
        scenario = scenarios.get_scenario(session, scenario_id, principal, now=now)
    result = delivery.result
    columns = [{"name": n, "masked": n in result.masked_columns} for n in result.columns]
    rows = [
        [
            {"value": "" if row[c["name"]] is None else str(row[c["name"]]), "masked": c["masked"]}
            for c in columns
        ]
        for row in result.table.to_pylist()
    ]
    return portal_page(
        request,
        session,
        settings,
        principal,
        "scenario_data.html",
        lang,
        current="scenarios",
        now=now,
        s={"id": scenario.id, "title": scenario.title, "join_field": scenario.join_field},
        columns=columns,
        rows=rows,
        left_out=list(result.left_out),
        page=page,
        has_next=result.row_count == PAGE_ROWS and page < MAX_PAGE,
        audit_event=delivery.event.id,
        formats=("ndjson", "json"),
    )


@router.get("/scenarios/{scenario_id}/download")
def scenario_download(
    scenario_id: PathId,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
    page: Page = 1,
    format: Literal["ndjson", "json"] = Query(default="ndjson"),  # noqa: A002
) -> Response:
    """The same page as a file (NDJSON or the API's JSON page), read and audited again."""
    with page_errors(session, lang):
        delivery = read_joined(
            session,
            settings,
            principal,
            scenario_id,
            limit=PAGE_ROWS,
            offset=(page - 1) * PAGE_ROWS,
            fmt=format,
        )
    name = f"scenario-{scenario_id}-page-{page}.{format}"
    return Response(
        content=delivery.body,
        media_type="application/x-ndjson" if format == "ndjson" else "application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Zhongtai-Audit-Event": str(delivery.event.id),
            "X-Content-SHA256": delivery.content_sha256,
        },
    )
