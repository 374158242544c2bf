"""The scorecards page (考核): how departments meet their duties over a period, with charts.

- ``GET /portal/scorecards?period=&department=`` — the summary of every scorecard the visitor
  may see (admins and auditors: every department's, ranked; anyone else: their own), with bar
  charts (inline SVG: no script, no inline style) of the fulfilment share, the median reply and
  the breaches per department; then one department's details — its responsibility items, its
  replies (breaches marked), its objections and its quality trend drawn per batch. The details
  are the chosen ``department``'s, or the only card's. ``scorecard.view`` decides
  (``catalog.scorecards``); another department's card is the portal's refusal page (403
  ``scorecard.not_allowed``, recorded); a bad period is a 422 page, never a 500.
- ``GET /portal/scorecards/download?format=csv|xlsx&period=&department=&part=`` — the same as a
  file (``catalog.scorecard_export``: recorded as ``scorecard.exported``, then sent).

The page reads and changes nothing; it has no form that posts.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from catalog.scorecard_export import export_scorecards
from catalog.scorecard_terms import Period, Scorecard
from catalog.scorecards import department_scorecard, league
from catalog.usage_tables import local_time
from catalog.workdays import DeadlineRules
from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.downloads import download_response
from exchange_api.identify import now_of
from exchange_api.portal.bar_chart import bar_list
from exchange_api.portal.chart import trend_chart
from exchange_api.portal.forms import LangQuery, page_errors
from exchange_api.portal.frame import portal_page
from exchange_api.portal.i18n import DEFAULT_LANG, MESSAGES
from exchange_api.portal.pages import PortalPrincipal

__all__ = ["router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)

PeriodText = Annotated[str, Query(max_length=10)]
DepartmentCode = Annotated[str, Query(max_length=32)]


def _period(text: str, request: Request) -> Period:
    return Period.parse(text) if text.strip() else Period.month_of(now_of(request))


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}%"


def _charts(cards: list[Scorecard]) -> dict[str, Any]:
    def name(card: Scorecard) -> str:
        return card.department_name or card.department_code

    with_items = [c for c in cards if c.fulfilment.share is not None]
    answered = [c for c in cards if c.replies.median_hours is not None]
    return {
        "fulfilment_chart": bar_list(
            [
                (c.department_code, name(c), round((c.fulfilment.share or 0) * 100))
                for c in with_items
            ]
        )
        if with_items
        else None,
        "reply_chart": bar_list(
            [(c.department_code, name(c), round(c.replies.median_hours or 0)) for c in answered]
        )
        if answered
        else None,
        "breach_chart": bar_list([(c.department_code, name(c), c.replies.breaches) for c in cards])
        if any(c.replies.requests for c in cards)
        else None,
    }


def _trend(card: Scorecard) -> Any:
    points = [
        {"batch_id": p.batch_id, "rows_quarantined": p.rows_quarantined, "score": p.score}
        for p in card.quality.points
    ]
    return trend_chart(points) if points else None


@router.get("/scorecards", response_class=HTMLResponse)
def scorecards_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    period: PeriodText = "",
    department: DepartmentCode = "",
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """The summary with charts, then one department's details."""
    now = now_of(request)
    calendar = DeadlineRules.of(settings).calendar
    with page_errors(session, lang):
        chosen = _period(period, request)
        cards = league(session, principal, chosen, now=now, calendar=calendar)
        focus: Scorecard | None = cards[0] if len(cards) == 1 else None
        wanted = department.strip()
        if wanted:
            focus = next((c for c in cards if c.department_code == wanted), None)
            if focus is None:
                focus = department_scorecard(
                    session, principal, wanted, chosen, now=now, calendar=calendar
                )
    kept = [("period", chosen.label)] + ([("department", wanted)] if wanted else [])

    def download(fmt: str) -> str:
        return "/portal/scorecards/download?" + urlencode([("format", fmt), *kept, ("lang", lang)])

    return portal_page(
        request,
        session,
        settings,
        principal,
        "scorecards.html",
        lang,
        current="scorecards",
        now=now,
        period=chosen,
        department=wanted,
        cards=cards,
        focus=focus,
        trend=_trend(focus) if focus is not None else None,
        percent=_percent,
        cycle=lambda c: MESSAGES[lang].get(f"cycle.{c}", c),
        local_time=local_time,
        as_of=local_time(min(now, chosen.end)),
        downloads=[("scorecard.xlsx", download("xlsx")), ("scorecard.csv", download("csv"))],
        **_charts(cards),
    )


@router.get("/scorecards/download")
def scorecards_download(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    period: PeriodText = "",
    department: DepartmentCode = "",
    format: Annotated[str, Query(max_length=8)] = "xlsx",  # noqa: A002
    part: Annotated[str, Query(max_length=20)] = "summary",
    lang: LangQuery = DEFAULT_LANG,
) -> Response:
    """The scorecards as a file, the download recorded first."""
    with page_errors(session, lang):
        done = export_scorecards(
            session,
            principal,
            _period(period, request),
            file_format=format,
            part=part,
            department=department.strip() or None,
            lang=lang,
            now=now_of(request),
            calendar=DeadlineRules.of(settings).calendar,
        )
        session.commit()
    return download_response(done)
