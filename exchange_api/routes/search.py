"""Catalog search (``dataset.view``: any authenticated account; only what a dataset's catalog
page shows).

- ``GET /api/v1/search?q=&department=&share_type=&grade=&cycle=&fresh=&limit=&offset=`` — the
  datasets matching ``q`` (Chinese substrings without word segmentation, pinyin initials or full
  pinyin, English words, field titles and data-element names) and the filters (each may repeat
  or hold a comma-separated list; ``fresh=true`` fresh datasets only, ``false`` stale or
  unpublished ones), best first, with the total and the facets (``catalog.search``).

Codes: 422 ``search.query_too_long`` (more than 100 characters), ``search.too_many_terms``,
``search.bad_filter``, ``search.bad_page`` (limit 1–100, offset 0–10000), ``request.invalid``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from catalog.search import SearchFilters, search
from exchange_api.deps import CurrentPrincipal, SessionDep
from exchange_api.identify import now_of
from exchange_api.openapi import problem_response
from exchange_api.search_payloads import SearchResultOut, search_out

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/search", tags=["search"])

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    422: problem_response(422, "A bad query, filter or page (search.*)"),
}
_Values = Annotated[list[str] | None, Query(max_length=50)]


@router.get(
    "",
    response_model=SearchResultOut,
    responses=_PROBLEMS,
    summary="Search the catalog (信息资源目录检索): Chinese, pinyin, English; filters, facets",
)
def search_catalog(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    q: Annotated[str, Query(max_length=400)] = "",
    department: _Values = None,
    share_type: _Values = None,
    grade: _Values = None,
    cycle: _Values = None,
    fresh: Annotated[str | None, Query(max_length=10)] = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchResultOut:
    filters = SearchFilters.parse(
        departments=department or (), share_types=share_type or (), grades=grade or (),
        cycles=cycle or (), fresh=fresh,
    )  # fmt: skip
    result = search(session, principal, q, filters, limit=limit, offset=offset, now=now_of(request))
    return search_out(result)
