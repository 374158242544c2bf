"""The auditor's pages (审计): the audit log, and usage with its reconciliation.

- ``GET /portal/audit`` — the log, newest first, filtered by department, dataset, grant, action
  (or family), outcome and days, 50 events a page (keyset: "older events" carries ``before``),
  under a banner saying whether the chain verifies and up to which event its checkpoints are
  signed (``catalog.audit.verify_chain`` with the keys ``catalog.audit_keys.trusted`` trusts;
  the last full check is reused while the head is unchanged, for at most five minutes, and the
  banner says when it ran: ``catalog.audit_status``).
  ``audit.view``; everything shown is the log, never shared data.
- ``GET /portal/audit/usage`` — usage per period, department, dataset and grant, drawn as bar
  charts (inline SVG), and the reconciliation of use against grants with its findings;
  ``audit.usage``.
- ``GET /portal/audit/usage/download`` — the same report as CSV or XLSX
  (``catalog.usage_export``: recorded as ``audit.usage_exported``, then sent).

All three are the API's library functions behind the same decision; anyone else gets the
portal's refusal page (403 ``role.auditor_required``, recorded). Auditors read and change
nothing: no page here has a form that posts.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from catalog.audit_chain import ChainReport
from catalog.audit_keys import trusted
from catalog.audit_log import LogEntry, action_families, known_actions, read_log
from catalog.datasets import list_datasets
from catalog.models import Department
from catalog.usage import usage_report
from catalog.usage_export import export_report
from catalog.usage_reconcile import reconcile
from catalog.usage_tables import local_time
from exchange_api.audit_filters import LogFilters, ReportFilters
from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.downloads import download_response
from exchange_api.identify import now_of
from exchange_api.portal.bar_chart import bar_list, column_chart
from exchange_api.portal.forms import LangQuery, page_errors
from exchange_api.portal.frame import portal_page
from exchange_api.portal.i18n import DEFAULT_LANG, Lang, translator
from exchange_api.portal.pages import PortalPrincipal

__all__ = ["router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)

Filter = Annotated[str, Query(max_length=200)]


def _choices(session: SessionDep, lang: Lang) -> dict[str, Any]:
    departments = session.scalars(select(Department).order_by(Department.code))
    return {
        "departments": [{"code": d.code, "name": d.name} for d in departments],
        "datasets": [
            {"code": d.code, "title": d.title_zh if lang == "zh" else d.title_en}
            for d in list_datasets(session)
        ],
    }


def _chain(report: ChainReport, lang: Lang) -> dict[str, Any]:
    t = translator(lang)
    if not report.ok:
        text = t("audit.chain_broken").format(id=report.first_bad_event_id, damage=report.damage)
        return {"ok": False, "text": text, "reason": report.reason, "signed": ""}
    if report.checkpoints_checked:
        signed = t("audit.checkpoints").format(
            n=report.checkpoints_checked, id=report.last_signed_event_id, u=report.unsigned_events
        )
    else:
        signed = t("audit.no_checkpoint")
    text = t("audit.chain_ok").format(n=report.events_checked)
    return {"ok": True, "text": text, "reason": "", "signed": signed}


def _entry(e: LogEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "time": local_time(e.occurred_at),
        "action": e.action,
        "outcome": e.outcome,
        "actor": e.actor_name,
        "department": e.department_name or e.department_code,
        "object": e.object,
        "dataset": e.dataset_code,
        "grant_id": e.grant_id,
        "purpose": e.purpose,
        "rows": e.rows_sent,
        "bytes": e.bytes_sent,
        "sha": e.content_sha256,
        "detail": json.dumps(e.detail, ensure_ascii=False, sort_keys=True),
    }


@router.get("/audit", response_class=HTMLResponse)
def audit_log_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    query: LogFilters,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """The log, newest first, with the chain's state above it."""
    now = now_of(request)
    filters = {
        "department": query.department or "",
        "dataset": query.dataset or "",
        "grant": str(query.grant or ""),
        "action": query.action or "",
        "outcome": query.outcome or "",
        "from": str(query.date_from or ""),
        "to": str(query.date_to or ""),
    }
    with page_errors(session, lang):
        page = read_log(session, principal, query, now=now)
        checked = request.app.state.chain_status.status(session, trusted(settings), now=now)
        chain = _chain(checked.report, lang) | {"checked_at": local_time(checked.checked_at)}
    kept = [(k, v) for k, v in filters.items() if v]
    older = (
        "/portal/audit?" + urlencode([*kept, ("before", page.next_before), ("lang", lang)])
        if page.next_before is not None
        else None
    )
    return portal_page(
        request,
        session,
        settings,
        principal,
        "audit_log.html",
        lang,
        current="audit",
        now=now,
        filters=filters,
        entries=[_entry(e) for e in page.entries],
        older_href=older,
        newest_href=(
            "/portal/audit?" + urlencode([*kept, ("lang", lang)]) if query.before else None
        ),
        chain=chain,
        actions=[*action_families(), *known_actions()],
        outcomes=["ok", "refused", "error"],
        **_choices(session, lang),
    )


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


@router.get("/audit/usage", response_class=HTMLResponse)
def usage_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    query: ReportFilters,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """Usage with bar charts, then the reconciliation, with download links."""
    now = now_of(request)
    t = translator(lang)
    with page_errors(session, lang):
        report = usage_report(session, principal, query, now=now)
        recon = reconcile(session, principal, query, now=now)
    kept = {
        "department": report.scope.department_code,
        "dataset": report.scope.dataset_code,
        "grant": "" if report.scope.grant_id is None else str(report.scope.grant_id),
        "from": report.window.first_day.isoformat(),
        "to": report.window.last_day.isoformat(),
        "by": report.period.value,
    }
    base = [(k, v) for k, v in kept.items() if v]

    def download(kind: str, fmt: str, encoding: str = "") -> str:
        extra = [("encoding", encoding)] if encoding else []
        query = [("report", kind), ("format", fmt), *extra, *base, ("lang", lang)]
        return "/portal/audit/usage/download?" + urlencode(query)

    datasets_label = {r.dataset_code: r.dataset_title_en for r in report.rows}
    return portal_page(
        request,
        session,
        settings,
        principal,
        "audit_usage.html",
        lang,
        current="usage",
        now=now,
        filters=kept,
        report=report,
        recon=recon,
        share=_share,
        local_time=local_time,
        period_chart=column_chart([(x.key, x.label, x.rows) for x in report.by_period]),
        department_chart=bar_list(
            [(x.key, x.label or x.key, x.rows) for x in report.by_department]
        ),
        dataset_chart=bar_list(
            [
                (x.key, x.label if lang == "zh" else datasets_label.get(x.key) or x.key, x.rows)
                for x in report.by_dataset
            ]
        ),
        findings_chart=bar_list(
            [(code, t(f"finding.{code}"), n) for code, n in recon.finding_counts]
        ),
        downloads={
            "usage": [
                ("usage.csv", download("usage", "csv")),
                ("usage.csv_gbk", download("usage", "csv", "gb18030")),
                ("usage.xlsx", download("usage", "xlsx")),
            ],
            "reconciliation": [
                ("usage.csv", download("reconciliation", "csv")),
                ("usage.csv_gbk", download("reconciliation", "csv", "gb18030")),
                ("usage.xlsx", download("reconciliation", "xlsx")),
            ],
        },
        **_choices(session, lang),
    )


@router.get("/audit/usage/download")
def usage_download(
    request: Request,
    session: SessionDep,
    principal: PortalPrincipal,
    query: ReportFilters,
    lang: LangQuery = DEFAULT_LANG,
    report: Filter = "usage",
    format: Filter = "csv",  # noqa: A002
    encoding: Filter = "",
) -> Response:
    """The report as a file, its download recorded first."""
    with page_errors(session, lang):
        done = export_report(
            session,
            principal,
            query,
            report=report,
            file_format=format,
            encoding=encoding or None,
            lang=lang,
            now=now_of(request),
        )
        session.commit()
    return download_response(done)
