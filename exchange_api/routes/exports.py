"""Catalog exports: the public part as DCAT-AP 3, the whole catalog as a spreadsheet.

- ``GET /api/v1/catalog/dcat.jsonld`` and ``GET /api/v1/catalog/dcat.ttl`` — the public part of
  the catalog (``catalog.dcat``: only entries whose open type lets the public see them), for
  harvesters such as a national or provincial open-data portal, a page at a time
  (``?page=&per_page=``, default 200 entries, at most 1,000; Hydra links to the next page), so
  one request costs a bounded amount of work. **No token is asked**: the document holds only
  what the entries' open type already declares public — no not-open entry, no field, no personal
  flag, no row — and a harvester holds no platform account. Whether the outside world reaches it
  at all is the network's decision (the platform runs inside a government network; the reverse
  proxy in front of it publishes this path or not), not this route's. Nothing is recorded: there
  is no actor, and nothing that is not public leaves.
- ``GET /api/v1/catalog/export.xlsx`` and ``GET /api/v1/catalog/export.csv`` — the whole catalog
  (not-shared entries' metadata included) as a GB/T 21063-style spreadsheet with Chinese
  headings, for any account with a platform role (``catalog.export``); each download is
  recorded (``catalog.exported``) and committed before a byte is sent.

Codes: 422 ``catalog.bad_page`` or a query out of range (public), 401 without a token
(spreadsheet), 403 ``catalog.export_not_allowed`` (recorded), 503
``audit.unavailable`` when the download cannot be recorded.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from catalog.catalog_exports import MAX_PAGE_SIZE, PAGE_SIZE, export_catalog, public_catalog
from exchange_api.deps import CurrentPrincipal, SessionDep, SettingsDep
from exchange_api.downloads import download_response
from exchange_api.identify import now_of
from exchange_api.openapi import problem_response

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog exports"])

_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The whole catalog; the download is recorded first (catalog.exported)",
        "content": {"text/csv": {}, _SHEET: {}},
        "headers": {
            "X-Content-SHA256": {"description": "the file's SHA-256", "schema": {"type": "string"}},
            "X-Zhongtai-Audit-Event": {
                "description": "The event recording the download",
                "schema": {"type": "integer"},
            },
        },
    },
    403: problem_response(403, "No platform role (catalog.export_not_allowed)"),
    503: problem_response(503, "The download could not be recorded (audit.unavailable)"),
}


Page = Annotated[int, Query(ge=1, le=10**8, description="The page, from 1 (Hydra links lead on)")]
PerPage = Annotated[
    int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"Entries a page, 1 to {MAX_PAGE_SIZE}")
]
_PUBLIC_PROBLEMS: dict[int | str, dict[str, Any]] = {
    422: problem_response(422, "A page or page size out of range"),
}


def _public(
    request: Request, session: SessionDep, settings: SettingsDep, fmt: str, page: int, size: int
) -> Response:
    made = public_catalog(
        session,
        fmt,
        base_url=settings.public_base_url,
        now=now_of(request),
        page=page,
        per_page=size,
    )
    return download_response(made, disposition="inline")


@router.get(
    "/dcat.jsonld",
    summary="The public catalog as DCAT-AP 3 JSON-LD (open entries only; no token needed)",
    responses={200: {"content": {"application/ld+json": {}}}, **_PUBLIC_PROBLEMS},
    response_class=Response,
)
def dcat_jsonld(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    page: Page = 1,
    per_page: PerPage = PAGE_SIZE,
) -> Response:
    return _public(request, session, settings, "jsonld", page, per_page)


@router.get(
    "/dcat.ttl",
    summary="The public catalog as DCAT-AP 3 Turtle (open entries only; no token needed)",
    responses={200: {"content": {"text/turtle": {}}}, **_PUBLIC_PROBLEMS},
    response_class=Response,
)
def dcat_turtle(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    page: Page = 1,
    per_page: PerPage = PAGE_SIZE,
) -> Response:
    return _public(request, session, settings, "ttl", page, per_page)


def _export(
    request: Request, session: SessionDep, principal: CurrentPrincipal, fmt: str
) -> Response:
    made = export_catalog(session, principal, fmt, now=now_of(request))
    session.commit()  # the download is on the record before a byte of it leaves
    return download_response(made)


@router.get(
    "/export.xlsx",
    summary="The whole catalog as a GB/T 21063-style XLSX (信息资源目录 and 信息项 sheets)",
    responses=_FILE,
    response_class=Response,
)
def export_xlsx(request: Request, session: SessionDep, principal: CurrentPrincipal) -> Response:
    return _export(request, session, principal, "xlsx")


@router.get(
    "/export.csv",
    summary="The whole catalog as CSV (UTF-8 with a BOM, Chinese headings)",
    responses=_FILE,
    response_class=Response,
)
def export_csv(request: Request, session: SessionDep, principal: CurrentPrincipal) -> Response:
    return _export(request, session, principal, "csv")
