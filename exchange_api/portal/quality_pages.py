"""A batch's quality report as a portal page, and a steward's sign-off of it (签核).

- ``GET /portal/quality/{report_id}`` — summary, rules, batch findings, masked samples, trend and
  the sign-off, in the portal's frame. Who may read it is the API's rule
  (``quality.reports.readable_report``). The sign-off form is offered while the report is
  unsigned and bound to a published snapshot, to whoever ``catalog.policy.authorize`` lets do
  ``report.sign_off`` (a steward of the owner department).
- ``POST /portal/quality/{report_id}/sign-off`` — the form (CSRF-checked, ``forms.Posted``),
  answered by the same library function as ``POST /api/v1/quality/reports/{id}/sign-off``
  (``quality.reports.sign_off``: decided again, audited, bound to the snapshot); a refusal is the
  portal's refusal page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from catalog import actions as act
from catalog.resources import ReportTerms
from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.identify import now_of
from exchange_api.payloads import PathId
from exchange_api.portal.chart import trend_chart
from exchange_api.portal.forms import LangQuery, Posted, Text, form_text
from exchange_api.portal.frame import allowed, portal_page
from exchange_api.portal.i18n import DEFAULT_LANG, Lang, rule_description
from exchange_api.portal.pages import PortalLake, PortalPrincipal, PortalReport
from exchange_api.routes.quality import TREND_LENGTH, report_view
from quality.reports import sign_off, trend

__all__ = ["router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)


def _sample_columns(
    view: dict[str, Any], titles: dict[str, str], lang: Lang
) -> list[dict[str, str]]:
    names = [k for k in (view["samples"][0] if view["samples"] else {}) if k != "failed_rules"]
    return [
        {"name": n, "title": titles.get(n, n) if lang == "zh" else n}
        for n in names
        if not n.startswith("_")
    ]


@router.get("/quality/{report_id}", response_class=HTMLResponse)
def quality_page(
    request: Request,
    report: PortalReport,
    session: SessionDep,
    settings: SettingsDep,
    lake: PortalLake,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """A quality report: summary, rules, batch findings, masked samples, trend, sign-off."""
    now = now_of(request)
    view = report_view(session, lake, principal, report)
    dataset = report.batch.dataset
    points = trend(session, dataset, TREND_LENGTH)
    titles = {f.name: f.title_zh for f in dataset.fields}
    can_sign = (
        view["sign_off"] is None
        and report.snapshot_id is not None
        and allowed(principal, act.REPORT_SIGN_OFF, ReportTerms.of(report, dataset), now)
    )
    return portal_page(
        request,
        session,
        settings,
        principal,
        "quality_report.html",
        lang,
        current="home",
        now=now,
        describe=lambda code, english: rule_description(code, english, lang),
        report=view,
        dataset_title=dataset.title_zh if lang == "zh" else dataset.title_en,
        field_titles=titles if lang == "zh" else {},
        sample_columns=_sample_columns(view, titles, lang),
        points=points,
        chart=trend_chart(points, current_batch_id=report.batch_id),
        can_sign=can_sign,
    )


@router.post("/quality/{report_id}/sign-off")
def sign_off_form(report_id: PathId, form: Posted, note: Text = "") -> RedirectResponse:
    """A steward signs the report off from its page; back to the page, at the sign-off."""
    with form.acting():
        sign_off(form.session, form.actor, report_id, form_text(note, "the sign-off note"))
    return form.back_to(f"/portal/quality/{report_id}", "signoff")
