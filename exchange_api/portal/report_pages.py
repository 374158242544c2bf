"""The 智能报表 page: report templates, pre-filled from the visitor's granted data.

- ``GET /portal/reports?template=&month=`` — the templates (a list with a pre-fill form each:
  template chosen, month picker); with ``template`` and ``month``, the pre-filled table: each
  field's value, status (已复用 / 待采集), source dataset and snapshot, the reason and what to
  request, and the 重复采集 mark; then the sources read. The pre-fill is decided, audited
  (``report.prefilled``) and committed exactly as the API's (``exchange_api.report_path``); a bad
  month or an unknown template is the portal's refusal page (422 / 404), never a 500.
- ``GET /portal/reports/download?template=&month=`` — the same pre-fill as an XLSX workbook.

Plain links and a GET form: the page changes nothing but the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.identify import now_of
from exchange_api.portal.forms import LangQuery, page_errors
from exchange_api.portal.frame import portal_page
from exchange_api.portal.i18n import DEFAULT_LANG
from exchange_api.portal.pages import PortalPrincipal
from exchange_api.report_path import prefill_report, templates
from exchange_api.report_sheet import report_xlsx
from lakehouse.report_fill import PrefilledReport

__all__ = ["router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)

TemplateText = Annotated[str, Query(max_length=64)]
MonthText = Annotated[str, Query(max_length=16)]
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CST = dt.timezone(dt.timedelta(hours=8))


def _last_month(now: dt.datetime) -> str:
    first = now.astimezone(_CST).date().replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    template: TemplateText = "",
    month: MonthText = "",
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """The templates, and one pre-filled when a template and month are chosen."""
    now = now_of(request)
    report: PrefilledReport | None = None
    chosen = template.strip()
    wanted = month.strip() or _last_month(now)
    with page_errors(session, lang):
        if chosen:
            report = prefill_report(session, settings, principal, chosen, wanted)
    download = (
        "/portal/reports/download?"
        + urlencode([("template", chosen), ("month", wanted), ("lang", lang)])
        if report is not None
        else ""
    )
    return portal_page(
        request,
        session,
        settings,
        principal,
        "reports.html",
        lang,
        current="reports",
        now=now,
        templates=templates(),
        chosen=chosen,
        month=wanted,
        report=report,
        download=download,
    )


@router.get("/reports/download")
def reports_download(
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    template: TemplateText = "",
    month: MonthText = "",
    lang: LangQuery = DEFAULT_LANG,
) -> Response:
    """The pre-filled report as XLSX (the pre-fill audited first)."""
    with page_errors(session, lang):
        report = prefill_report(session, settings, principal, template.strip(), month.strip())
    disposition = f'attachment; filename="{report.template}-{report.month}.xlsx"'
    return Response(
        report_xlsx(report),
        media_type=_XLSX,
        headers={
            "Content-Disposition": disposition,
            "X-Zhongtai-Audit-Event": str(report.event_id),
        },
    )
