"""The auditor's API: the audit log a page at a time, usage reports and reconciliation.

- ``GET /api/v1/audit/events`` — the log, newest first, filtered by department, dataset, grant,
  action (or ``family.*``), outcome and days; keyset pages (``before`` = the previous page's
  ``next_before``). Only the log: envelopes and details, never rows of shared data
  (``catalog.audit_log``); ``audit.view``.
- ``GET /api/v1/audit/usage`` — who read what, per period, department, dataset and grant
  (``catalog.usage``); ``?format=csv|xlsx`` downloads it (``audit.usage_exported`` is recorded
  first, with the SHA-256 of the file); ``audit.usage``.
- ``GET /api/v1/audit/reconciliation`` — use against grants (``catalog.usage_reconcile``),
  likewise downloadable.

Filters are plain text checked by the library after the access decision, so a refused caller
learns nothing; a bad one is 422 with a stable code (``audit.bad_date``,
``audit.range_invalid``, ``audit.unknown_department`` … — ``catalog.usage_window`` lists them).
Viewing is not recorded; downloads are (``catalog.usage_events`` says why).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from catalog.audit_log import read_log
from catalog.usage import usage_report
from catalog.usage_export import export_report
from catalog.usage_reconcile import reconcile
from catalog.usage_window import ReportQuery
from exchange_api.audit_filters import LogFilters, ReportFilters, WindowFilters
from exchange_api.audit_payloads import (
    AuditEventsPage,
    ReconciliationPublic,
    UsagePublic,
    events_page,
    reconciliation_public,
    usage_public,
)
from exchange_api.deps import CurrentPrincipal, SessionDep
from exchange_api.downloads import download_response
from exchange_api.identify import now_of
from exchange_api.openapi import problem_response

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

Format = Annotated[str, Query(max_length=40, description="json (default), csv or xlsx")]
Encoding = Annotated[
    str | None,
    Query(max_length=40, description="CSV only: utf-8 (with BOM, default), gbk, gb18030"),
]
Lang = Annotated[str, Query(max_length=8, description="Headers of a file: zh (default) or en")]

_REPORT = {
    200: {
        "description": "The report as JSON, or as a file (``format=csv|xlsx``); a file's "
        "download is recorded first (``audit.usage_exported``)",
        "content": {
            "text/csv": {},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
        },
        "headers": {
            "X-Content-SHA256": {"description": "SHA-256 of a file", "schema": {"type": "string"}},
            "X-Zhongtai-Audit-Event": {
                "description": "The event recording a file's download",
                "schema": {"type": "integer"},
            },
        },
    },
    503: problem_response(503, "The download could not be recorded (audit.unavailable)"),
}


def _file_or_json(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    query: ReportQuery,
    report: str,
    fmt: str,
    encoding: str | None,
    lang: str,
) -> Response | None:
    """The report as a downloaded file, or ``None`` when JSON is asked for."""
    if fmt.strip().lower() in ("", "json"):
        return None
    done = export_report(
        session,
        principal,
        query,
        report=report,
        file_format=fmt,
        encoding=encoding,
        lang="en" if lang == "en" else "zh",
        now=now_of(request),
    )
    session.commit()  # the download is on the record before a byte of it leaves
    return download_response(done)


@router.get(
    "/events",
    response_model=AuditEventsPage,
    summary="The audit log, newest first, filtered, a keyset page at a time (auditors, admins)",
)
def audit_events(
    request: Request, session: SessionDep, principal: CurrentPrincipal, query: LogFilters
) -> AuditEventsPage:
    return events_page(read_log(session, principal, query, now=now_of(request)))


@router.get(
    "/usage",
    response_model=UsagePublic,
    responses=_REPORT,  # type: ignore[arg-type]
    summary="Who read what: reads, rows, bytes per period, department, dataset and grant",
)
def audit_usage(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    query: ReportFilters,
    format: Format = "json",  # noqa: A002
    encoding: Encoding = None,
    lang: Lang = "zh",
) -> Any:
    sent = _file_or_json(request, session, principal, query, "usage", format, encoding, lang)
    if sent is not None:
        return sent
    report = usage_report(session, principal, query, now=now_of(request))
    return JSONResponse(usage_public(report).model_dump(mode="json"))


@router.get(
    "/reconciliation",
    response_model=ReconciliationPublic,
    responses=_REPORT,  # type: ignore[arg-type]
    summary="Use against grants: unused grants and columns, spikes, reads near expiry, quota",
)
def audit_reconciliation(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    query: WindowFilters,
    format: Format = "json",  # noqa: A002
    encoding: Encoding = None,
    lang: Lang = "zh",
) -> Any:
    sent = _file_or_json(
        request, session, principal, query, "reconciliation", format, encoding, lang
    )
    if sent is not None:
        return sent
    recon = reconcile(session, principal, query, now=now_of(request))
    return JSONResponse(reconciliation_public(recon).model_dump(mode="json"))
