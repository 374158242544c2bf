"""The on-time scorecard (案件按时办结率, 民呼我为) over HTTP.

- ``GET /api/v1/scorecards/cases?dataset=cgj_hotline_cases&dataset=zjj_hotline_cases`` — per
  handling department: cases, replied by the deadline, late, open past the deadline, open
  within it, on-time rate; counted from each named case dataset the caller may read (owner, or
  grantee through its live grant with the ``aggregate`` mode), each count audited as
  ``data.aggregated`` (``lakehouse.case_scorecard``). ``as_of`` (ISO 8601; no offset: China
  Standard Time; default now) splits the open cases; ``filter`` (repeat) a JSON row condition
  ``{"field", "op", "value"}`` on unmasked fields; ``grant_id`` names the grant when one
  dataset is asked for and several are live.

Problems (problem+json): 403 ``grant.missing`` and the other refusals of the access decision
(audited as ``access.refused``), ``field.masked`` for a filter on a masked field; 404
``dataset.not_found``; 409 ``grant.ambiguous``; 422 ``scorecard.invalid`` (no dataset, or not a
case dataset), ``scorecard.bad_as_of``, ``filter.invalid``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from catalog.errors import InvalidInput
from catalog.keys import mask_master_key
from exchange_api.case_scorecard_payloads import (
    CaseScorecardOut,
    case_scorecard_out,
    parse_as_of,
    parse_filters,
)
from exchange_api.deps import CurrentPrincipal, LazyLakeDep, SessionDep, SettingsDep
from exchange_api.identify import now_of
from exchange_api.openapi import problem_response
from lakehouse.case_scorecard import MAX_DATASETS, case_scorecard

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/scorecards", tags=["scorecards"])

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    403: problem_response(403, "Refused by the access decision (grant.missing, field.masked …)"),
    404: problem_response(404, "No such dataset (dataset.not_found)"),
    409: problem_response(409, "Several live grants: name one (grant.ambiguous)"),
    422: problem_response(422, "No or not a case dataset, a bad as_of or filter"),
}

DatasetList = Annotated[
    list[str],
    Query(
        alias="dataset",
        max_length=MAX_DATASETS,
        description="A case dataset's code (repeat)",
    ),
]


@router.get(
    "/cases",
    response_model=CaseScorecardOut,
    responses=_PROBLEMS,
    summary="案件按时办结率: cases answered by their deadline, per handling department",
)
def cases_on_time(
    request: Request,
    session: SessionDep,
    lake: LazyLakeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    datasets: DatasetList,
    as_of: Annotated[str | None, Query(max_length=40)] = None,
    filters: Annotated[list[str], Query(alias="filter", max_length=20)] = [],  # noqa: B006
    grant_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> CaseScorecardOut:
    now = now_of(request)
    if grant_id is not None and len(set(datasets)) != 1:
        raise InvalidInput("grant_id goes with exactly one dataset", code="scorecard.invalid")
    card = case_scorecard(
        session,
        lake,
        principal,
        datasets,
        as_of=parse_as_of(as_of, now),
        min_group_size=settings.min_group_size,
        filters=parse_filters(filters),
        grant_ids={datasets[0]: grant_id} if grant_id is not None else None,
        mask_master=lambda: mask_master_key(settings),
        now=now,
    )
    session.commit()
    return case_scorecard_out(card)
