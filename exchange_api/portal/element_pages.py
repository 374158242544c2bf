"""The data-element page (数据元与代码表): the elements and code lists the catalog holds, the codes
of one list, and — for admins — a form adding a code list by uploading its CSV file.

- ``GET /portal/elements[?list=NAME]`` — ``element.view`` (any signed-in account); with
  ``list``, that list's codes (the first :data:`SHOWN_CODES`).
- ``POST /portal/code-lists`` — multipart form (CSRF-checked by :data:`FormActor`): ``name``,
  ``title``, ``standard``, ``version``, ``file``; decided as ``element.manage`` by
  ``catalog.elements.add_code_list``. A refusal of the act is the portal's refusal page
  (403, recorded); a faulty file is this page again with the code, the line and why (422,
  413 or 409), nothing stored; success redirects to the new list.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from catalog import actions as act
from catalog import elements
from catalog.code_list_csv import MAX_BYTES
from catalog.element_tables import CodeList
from catalog.errors import AccessRefused, InvalidInput, NotFound
from catalog.principals import Principal
from catalog.resources import PLATFORM
from catalog.usage_tables import local_time
from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.identify import now_of
from exchange_api.portal.forms import FormActor, LangQuery, Text, page_errors
from exchange_api.portal.frame import allowed, portal_page
from exchange_api.portal.i18n import DEFAULT_LANG, MESSAGES, Lang, translator
from exchange_api.portal.pages import PortalPrincipal
from schemas.errors import ZhongtaiError

__all__ = ["SHOWN_CODES", "router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)
SHOWN_CODES = 500


def _lists(found: list[CodeList]) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "title": c.title,
            "standard": " ".join(p for p in (c.standard, c.version) if p),
            "entries": c.entry_count,
            "origin": c.origin,
            "added": local_time(c.added_at),
        }
        for c in found
    ]


def _page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: Principal,
    lang: Lang,
    *,
    shown: str = "",
    error: dict[str, Any] | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    now = now_of(request)
    rows = elements.list_elements(session, principal)
    lists = elements.list_code_lists(session, principal)
    selected = None
    if shown:
        found = elements.get_code_list(session, principal, shown)
        selected = {
            "name": found.name,
            "title": found.title,
            "codes": found.entries[:SHOWN_CODES],
            "more": max(found.entry_count - SHOWN_CODES, 0),
        }
    return portal_page(
        request,
        session,
        settings,
        principal,
        "elements.html",
        lang,
        current="elements",
        now=now,
        status=status,
        elements=rows,
        lists=_lists(lists),
        selected=selected,
        may_manage=allowed(principal, act.ELEMENT_MANAGE, PLATFORM, now),
        error=error,
        form=form or {},
    )


@router.get("/elements", response_class=HTMLResponse)
def elements_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    list_name: Annotated[str, Query(alias="list", max_length=80)] = "",
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """Every data element and code list; with ``list``, that list's codes."""
    with page_errors(session, lang):
        return _page(request, session, settings, principal, lang, shown=list_name.strip())


@router.post("/code-lists", response_class=HTMLResponse)
async def add_code_list(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: FormActor,
    file: Annotated[UploadFile | None, File()] = None,
    lang: LangQuery = DEFAULT_LANG,
    name: Text = "",
    title: Text = "",
    standard: Text = "",
    version: Text = "",
) -> Response:
    """Add a code list from the uploaded file; a faulty file comes back on the page."""
    data = await file.read(MAX_BYTES + 1) if file is not None else b""
    form = {"name": name, "title": title, "standard": standard, "version": version}
    with page_errors(session, lang):
        try:
            if not data:
                raise InvalidInput("choose a file to upload", code="form.file_required")
            added = elements.add_code_list(
                session, name.strip(), data, principal,
                title=title, standard=standard, version=version, now=now_of(request),
            )  # fmt: skip
        except (AccessRefused, NotFound):
            raise  # the decision's refusal: the refusal page, recorded
        except ZhongtaiError as exc:
            session.rollback()
            t = translator(lang)
            line = exc.context.get("line")
            error = {
                "code": exc.code,
                "line": t("codelists.line").format(n=line) if line else "",
                "text": MESSAGES[lang].get(f"problem.{exc.code}", ""),
                "detail": exc.message,
            }
            return _page(
                request, session, settings, principal, lang,
                error=error, status=exc.status, form=form,
            )  # fmt: skip
        session.commit()
    return RedirectResponse(
        f"/portal/elements?lang={lang}&list={added.name}#codes", status_code=303
    )
