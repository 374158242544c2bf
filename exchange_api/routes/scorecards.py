"""Scorecards (考核): how each department meets its duties over a month, quarter or year.

- ``GET /api/v1/scorecards?period=2026-10`` — every department's scorecard, ranked (the league
  table), for admins and auditors; for anyone else, their own department's alone;
- ``GET /api/v1/scorecards/export.xlsx?period=&department=&lang=`` — the same as a workbook, a
  sheet per part, Chinese headings (``lang=en``: English);
- ``GET /api/v1/scorecards/export.csv?period=&part=&department=&lang=`` — one part as CSV (UTF-8
  with a BOM): ``summary`` (default), ``responsibilities``, ``replies``, ``objections``,
  ``quality``;
- ``GET /api/v1/scorecards/{department}?period=`` — one department's scorecard.

``period`` is ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY`` in China Standard Time (default: this month).
Who sees which is ``scorecard.view`` (``catalog.policy_scorecards``). Codes: 422
``request.invalid`` (a period or part outside the documented forms); 404
``department.not_found``; 403 ``scorecard.not_allowed`` (audited). A download is recorded
(``scorecard.exported``) before it is sent; viewing is not.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from catalog.scorecard_export import export_scorecards
from catalog.scorecard_terms import Period
from catalog.scorecards import department_scorecard, league
from catalog.workdays import DeadlineRules
from exchange_api.deps import CurrentPrincipal, SessionDep, SettingsDep
from exchange_api.downloads import download_response
from exchange_api.identify import now_of
from exchange_api.openapi import problem_response
from exchange_api.scorecard_payloads import ScorecardOut, scorecard_out

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/scorecards", tags=["scorecards"])

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    403: problem_response(403, "Not yours to see (scorecard.not_allowed)"),
    404: problem_response(404, "No such department (department.not_found)"),
    422: problem_response(422, "A bad period, part or format"),
}
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FILE_HEADERS = {
    "X-Content-SHA256": {"description": "SHA-256 of the file", "schema": {"type": "string"}},
    "X-Zhongtai-Audit-Event": {
        "description": "The event recording the download (scorecard.exported)",
        "schema": {"type": "integer"},
    },
}


def _file(media_type: str) -> dict[int | str, dict[str, Any]]:
    ok = {"description": "The file, its download recorded first", "content": {media_type: {}}}
    return {200: ok | {"headers": _FILE_HEADERS}, **_PROBLEMS}


PeriodQuery = Annotated[
    str,
    Query(
        max_length=10,
        pattern=r"^((20[0-9]{2}|2100)(-(0[1-9]|1[0-2]|[Qq][1-4]))?)?$",
        description="2026-10 (month), 2026-Q4 (quarter) or 2026 (year); default this month",
    ),
]
PartQuery = Annotated[
    Literal["summary", "responsibilities", "replies", "objections", "quality"],
    Query(description="The part a CSV file holds"),
]
DepartmentQuery = Annotated[str, Query(max_length=32, description="One department's code")]
LangQuery = Annotated[Literal["zh", "en"], Query(description="Headings: zh (default) or en")]


def _period(text: str, request: Request) -> Period:
    return Period.parse(text) if text.strip() else Period.month_of(now_of(request))


def _download(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    period: str,
    *,
    file_format: str,
    part: str = "summary",
    department: str,
    lang: Literal["zh", "en"],
) -> Response:
    """The scorecards as a file, the download recorded and committed before it is sent."""
    done = export_scorecards(
        session,
        principal,
        _period(period, request),
        file_format=file_format,
        part=part,
        department=department or None,
        lang=lang,
        now=now_of(request),
        calendar=DeadlineRules.of(settings).calendar,
    )
    session.commit()
    return download_response(done)


@router.get(
    "",
    response_model=list[ScorecardOut],
    responses=_PROBLEMS,
    summary="Every department's scorecard (admins, auditors) or one's own, for a period",
)
def list_scorecards(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    period: PeriodQuery = "",
) -> list[ScorecardOut]:
    cards = league(
        session,
        principal,
        _period(period, request),
        now=now_of(request),
        calendar=DeadlineRules.of(settings).calendar,
    )
    return [scorecard_out(c) for c in cards]


@router.get(
    "/export.xlsx",
    responses=_file(_XLSX),
    summary="Scorecards as XLSX: a sheet per part, Chinese headings",
    response_class=Response,
)
def export_xlsx(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    period: PeriodQuery = "",
    department: DepartmentQuery = "",
    lang: LangQuery = "zh",
) -> Response:
    return _download(
        request,
        session,
        settings,
        principal,
        period,
        file_format="xlsx",
        department=department,
        lang=lang,
    )


@router.get(
    "/export.csv",
    responses=_file("text/csv"),
    summary="One part of the scorecards as CSV (UTF-8 with BOM)",
    response_class=Response,
)
def export_csv(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    period: PeriodQuery = "",
    part: PartQuery = "summary",
    department: DepartmentQuery = "",
    lang: LangQuery = "zh",
) -> Response:
    return _download(
        request,
        session,
        settings,
        principal,
        period,
        file_format="csv",
        part=part,
        department=department,
        lang=lang,
    )


@router.get(
    "/{department}",
    response_model=ScorecardOut,
    responses=_PROBLEMS,
    summary="One department's scorecard for a period",
)
def one_scorecard(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    department: Annotated[str, Path(description="Department code, e.g. 330100RSJ")],
    period: PeriodQuery = "",
) -> ScorecardOut:
    card = department_scorecard(
        session,
        principal,
        department,
        _period(period, request),
        now=now_of(request),
        calendar=DeadlineRules.of(settings).calendar,
    )
    return scorecard_out(card)
