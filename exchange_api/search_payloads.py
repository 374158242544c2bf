"""The HTTP shape of a catalog search answer (``exchange_api.routes.search``), built from the
library's frozen :class:`catalog.search.SearchResult`."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from catalog.search import SearchResult

__all__ = ["FacetValueOut", "SearchHitOut", "SearchResultOut", "search_out"]


class SearchHitOut(BaseModel):
    code: str
    title_zh: str
    title_en: str
    description: str
    owner_department: str
    owner_name: str
    share_type: str
    share_basis: str
    grade: str
    update_cycle: str
    status: str
    freshness: str
    last_published_at: dt.datetime | None
    score: int
    matched_in: list[str]


class FacetValueOut(BaseModel):
    value: str
    count: int
    label: str


class SearchResultOut(BaseModel):
    query: str
    terms: list[str]
    total: int
    limit: int
    offset: int
    hits: list[SearchHitOut]
    facets: dict[str, list[FacetValueOut]]


def search_out(result: SearchResult) -> SearchResultOut:
    return SearchResultOut(
        query=result.query,
        terms=list(result.terms),
        total=result.total,
        limit=result.limit,
        offset=result.offset,
        hits=[
            SearchHitOut(
                code=h.code,
                title_zh=h.title_zh,
                title_en=h.title_en,
                description=h.description,
                owner_department=h.owner_code,
                owner_name=h.owner_name,
                share_type=h.share_type,
                share_basis=h.share_basis,
                grade=h.grade,
                update_cycle=h.update_cycle,
                status=h.status,
                freshness=h.freshness,
                last_published_at=h.last_published_at,
                score=h.score,
                matched_in=list(h.matched_in),
            )  # fmt: skip
            for h in result.hits
        ],
        facets={
            key: [FacetValueOut(value=f.value, count=f.count, label=f.label) for f in values]
            for key, values in result.facets.items()
        },
    )
