"""A grant's download page (bulk mode): the grant's rows as one file, through the API's path.

- ``GET /portal/grants/{id}/download`` — pick a format (Parquet, CSV, Arrow IPC), the CSV encoding
  (UTF-8, GBK, GB18030) and the fields (within the grant; personal ones shown with their mask);
- ``POST /portal/grants/{id}/download`` — a form (CSRF-checked, ``forms.FormActor``) that streams
  the file as an attachment, exactly as ``GET /api/v1/datasets/{code}/bulk?grant_id=`` would:
  ``exchange_api.bulk_path.export_shared`` decides (the one access decision: a grant without the
  ``bulk`` mode, revoked, expired or another department's is refused and audited), writes the
  extract, audits its manifest and charges the quota before a byte is sent.

A grant another department holds is "not found" (404, audited), as on the other grant pages.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.background import BackgroundTask

from catalog.grants import get_grant
from exchange_api.bulk_path import bulk_headers, bulk_request, export_shared
from exchange_api.deps import LazyLake, SessionDep, SettingsDep, serving_of
from exchange_api.identify import now_of
from exchange_api.payloads import PathId
from exchange_api.portal.forms import Checked, FormActor, LangQuery, Text, page_errors
from exchange_api.portal.frame import portal_page
from exchange_api.portal.i18n import DEFAULT_LANG
from exchange_api.portal.pages import PortalPrincipal
from exchange_api.portal.views import grant_view
from exchange_api.streaming import file_chunks
from lakehouse.bulk import BulkEncoding, BulkFormat, bulk_options

__all__ = ["router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)


@router.get("/grants/{grant_id}/download", response_class=HTMLResponse)
def download_page(
    grant_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """The download form of a grant held by my department."""
    now = now_of(request)
    with page_errors(session, lang):
        grant = get_grant(session, grant_id, principal, now=now)
    view = grant_view(grant, principal, lang, now=now)
    return portal_page(
        request,
        session,
        settings,
        principal,
        "grant_download.html",
        lang,
        current="grants",
        now=now,
        grant=view,
        bulk_allowed="bulk" in view["access_modes"],
        formats=[f.value for f in BulkFormat],
        encodings=[e.value for e in BulkEncoding],
    )


@router.post("/grants/{grant_id}/download")
def download(
    grant_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: FormActor,
    lang: LangQuery = DEFAULT_LANG,
    format: Text = "parquet",  # noqa: A002
    encoding: Text = "utf-8",
    fields: Checked = None,
) -> StreamingResponse:
    """Stream the grant's extract as an attachment (audited and charged before sending)."""
    with page_errors(session, lang):
        grant = get_grant(session, grant_id, principal, now=now_of(request))
        chosen, charset = bulk_options(format, encoding)
        lake = LazyLake(serving_of(request))  # reached only once the decision allowed it
        try:
            done = export_shared(
                session,
                lake,
                principal,
                settings,
                grant.dataset.code,
                bulk_request(tuple(fields) if fields else None),
                fmt=chosen,
                encoding=charset,
                grant_id=grant.id,
            )
        finally:
            lake.close()
    return StreamingResponse(
        file_chunks(done.spool.path, done.discard),
        media_type=done.media_type,
        headers=bulk_headers(done),
        background=BackgroundTask(done.discard),
    )
