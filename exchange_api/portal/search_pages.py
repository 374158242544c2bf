"""The catalog page as a search (信息资源目录检索): ``GET /portal/catalog?q=&department=&
share_type=&grade=&cycle=&fresh=&offset=&lang=``.

The library the API calls (``catalog.search.search``, decided as ``dataset.view``): words in
Chinese (no segmentation), pinyin initials or full pinyin, English; filters by owner, share type,
grade, update cycle and freshness, each facet value a link with its count for the current
search; the matched characters of titles and summaries marked (``catalog.search_text.highlight``,
pinyin initials marking the characters they stand for). Without words and filters it lists the
whole catalog, by code. Bad input is the refusal page with its code (``search.bad_filter`` …).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from catalog.search import SearchFilters, SearchHit, SearchResult, search
from catalog.search_text import highlight
from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.identify import now_of
from exchange_api.portal.forms import LangQuery, page_errors
from exchange_api.portal.frame import portal_page
from exchange_api.portal.i18n import DEFAULT_LANG, Lang
from exchange_api.portal.pages import PortalPrincipal

__all__ = ["router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)

PAGE = 20
SNIPPET = 90
_Values = Annotated[list[str] | None, Query(max_length=50)]
_FACETS = ("share_type", "department", "grade", "cycle", "freshness")


def _snippet(text: str, terms: tuple[str, ...]) -> list[tuple[str, bool]]:
    """``text`` with its matches marked, cut to about :data:`SNIPPET` characters around the
    first match."""
    pieces = highlight(text, terms)
    start = 0
    for piece, matched in pieces:
        if matched:
            break
        start += len(piece)
    else:
        start = 0
    begin = max(0, start - SNIPPET // 3)
    out: list[tuple[str, bool]] = [("…", False)] if begin else []
    position = 0
    for piece, matched in pieces:
        lo, hi = max(begin, position), min(begin + SNIPPET, position + len(piece))
        if lo < hi:
            out.append((piece[lo - position : hi - position], matched))
        position += len(piece)
    if position > begin + SNIPPET:
        out.append(("…", False))
    return out


def _row(hit: SearchHit, terms: tuple[str, ...], lang: Lang) -> dict[str, Any]:
    title = hit.title_zh if lang == "zh" else hit.title_en
    return {
        "code": hit.code,
        "title": highlight(title, terms),
        "summary": _snippet(hit.description.strip(), terms),
        "share_type": hit.share_type,
        "share_basis": hit.share_basis,
        "owner": hit.owner_name,
        "grade": hit.grade,
        "update_cycle": hit.update_cycle,
        "freshness": hit.freshness,
        "matched_in": hit.matched_in,
    }


def _href(params: list[tuple[str, str]], lang: Lang) -> str:
    return "/portal/catalog?" + urlencode([*params, ("lang", lang)])


def _facet_links(
    query: str, filters: SearchFilters, result: SearchResult, lang: Lang
) -> dict[str, list[dict[str, Any]]]:
    """Per facet: its values with counts, each a link to the search with that value chosen
    (and "all", the search without that filter)."""
    base = [("q", query)] if query else []
    current = filters.as_query()
    links: dict[str, list[dict[str, Any]]] = {}
    for key in _FACETS:
        param = "fresh" if key == "freshness" else key
        others = [(k, v) for k, v in current if k != param]
        chosen = {v for k, v in current if k == param}
        everything = {"value": "", "label": "", "count": None, "chosen": not chosen,
                      "href": _href(base + others, lang)}  # fmt: skip
        items: list[dict[str, Any]] = [everything]
        for f in result.facets.get(key, ()):
            value = f.value
            if key == "freshness":
                if value in ("unpublished", "irregular"):
                    continue  # the filter is fresh or not: these are under "not fresh"
                value = "true" if f.value == "fresh" else "false"
            items.append({"value": f.value, "label": f.label, "count": f.count,
                          "href": _href(base + others + [(param, value)], lang),
                          "chosen": value in chosen})  # fmt: skip
        links[key] = items
    return links


@router.get("/catalog", response_class=HTMLResponse)
def catalog_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    q: Annotated[str, Query(max_length=400)] = "",
    department: _Values = None,
    share_type: _Values = None,
    grade: _Values = None,
    cycle: _Values = None,
    fresh: Annotated[str | None, Query(max_length=10)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """The catalog (信息资源目录): search it, narrow it, see who owns what and how it is shared."""
    now = now_of(request)
    with page_errors(session, lang):
        filters = SearchFilters.parse(
            departments=department or (), share_types=share_type or (), grades=grade or (),
            cycles=cycle or (), fresh=fresh,
        )  # fmt: skip
        result = search(session, principal, q, filters, limit=PAGE, offset=offset, now=now)
    keep = ([("q", q)] if q else []) + filters.as_query()
    return portal_page(
        request,
        session,
        settings,
        principal,
        "catalog.html",
        lang,
        current="catalog",
        now=now,
        query=q,
        filters=filters,
        result=result,
        rows=[_row(h, result.terms, lang) for h in result.hits],
        facets=_facet_links(q, filters, result, lang),
        previous=_href(keep + [("offset", str(max(0, offset - PAGE)))], lang) if offset else None,
        next=_href(keep + [("offset", str(offset + PAGE))], lang)
        if offset + PAGE < result.total
        else None,
        first=offset + 1,
        last=offset + len(result.hits),
    )
