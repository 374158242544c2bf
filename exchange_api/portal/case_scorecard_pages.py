"""The on-time scorecard page (案件按时办结率, 民呼我为), linked from the scorecards page.

- ``GET /portal/scorecards/cases?dataset=…&dataset=…&as_of=&lang=`` — a form (checkboxes of the
  case datasets the catalog holds, those with a handling-department field; the ``as_of``
  moment), then, when datasets are chosen, per handling department: cases, on time, late, open
  past / within the deadline and the on-time rate, with a bar chart of the rates (inline SVG).
  Counted by ``lakehouse.case_scorecard`` — the library the API and the CLI call, through the
  one access decision, each count audited. A refusal (``grant.missing``, ``field.masked`` …) is
  the portal's refusal page, recorded; a bad ``as_of`` a 422 page.

The page changes nothing but the audit log; its one form is a GET.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from catalog.keys import mask_master_key
from catalog.models import Dataset
from exchange_api.case_scorecard_payloads import CaseScorecardOut, case_scorecard_out, parse_as_of
from exchange_api.deps import LazyLakeDep, SessionDep, SettingsDep
from exchange_api.identify import now_of
from exchange_api.portal.bar_chart import bar_list
from exchange_api.portal.forms import LangQuery, page_errors
from exchange_api.portal.frame import portal_page
from exchange_api.portal.i18n import DEFAULT_LANG
from exchange_api.portal.pages import PortalPrincipal
from lakehouse.case_scorecard import MAX_DATASETS, case_scorecard

__all__ = ["router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)


@router.get("/scorecards/cases", response_class=HTMLResponse)
def cases_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    lake: LazyLakeDep,
    principal: PortalPrincipal,
    dataset: Annotated[list[str], Query(max_length=MAX_DATASETS)] = [],  # noqa: B006
    as_of: Annotated[str, Query(max_length=40)] = "",
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """The form, and the scorecard of the chosen datasets."""
    now = now_of(request)
    case_datasets = session.execute(
        select(Dataset.code, Dataset.title_zh)
        .where(Dataset.handler_field.is_not(None))
        .order_by(Dataset.code)
    ).all()
    chosen = [code.strip() for code in dataset if code.strip()]
    card: CaseScorecardOut | None = None
    with page_errors(session, lang):
        moment = parse_as_of(as_of, now)
        if chosen:
            card = case_scorecard_out(
                case_scorecard(
                    session,
                    lake,
                    principal,
                    chosen,
                    as_of=moment,
                    min_group_size=settings.min_group_size,
                    mask_master=lambda: mask_master_key(settings),
                    now=now,
                )
            )
            session.commit()
    chart = None
    if card is not None and card.departments:
        chart = bar_list(
            [(d.department, d.department, round((d.rate or 0) * 100)) for d in card.departments]
        )
    return portal_page(
        request,
        session,
        settings,
        principal,
        "case_scorecard.html",
        lang,
        current="scorecards",
        now=now,
        case_datasets=case_datasets,
        chosen=chosen,
        as_of_text=as_of,
        card=card,
        chart=chart,
        percent=lambda rate: "" if rate is None else f"{rate * 100:.1f}%",
    )
