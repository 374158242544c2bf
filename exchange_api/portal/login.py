"""Signing in to the portal, and its home page: the quality reports the caller may read.

``POST /portal/login`` takes the account's token from a form, checks it like any bearer token
(refusals audited and counted for lockout), opens a server-side session
(``catalog.portal_sessions``) and answers with the ``zt_session`` cookie — a random session id
signed with ``ZHONGTAI_SECRET_KEY``, never the token — set ``HttpOnly; SameSite=Strict;
Path=/portal`` (and ``Secure`` in production or over HTTPS) for ``ZHONGTAI_PORTAL_SESSION_HOURS``.
A cross-site form is refused by its ``Origin``; a wrong token is a 401 page that never repeats what
was typed; a locked-out address gets a 429 page; ``next`` only ever leads to a portal page, so the
form cannot be used to send someone elsewhere. ``POST /portal/logout`` ends the session in the
catalog (a copy of the cookie is refused from then on) and clears the cookie.

The API's write routes accept the bearer header only; the portal's own forms
(``exchange_api.portal.forms``) take the cookie only, and only with the session's CSRF token from
a portal page, so a page that tricks a signed-in browser into posting changes nothing.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Cookie, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from catalog.datasets import list_datasets
from catalog.errors import Throttled, Unauthenticated
from exchange_api import identify
from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.portal.forms import same_origin
from exchange_api.portal.frame import portal_page
from exchange_api.portal.i18n import DEFAULT_LANG, Lang
from exchange_api.portal.pages import (
    SESSION_COOKIE,
    SignInRequired,
    get_portal_principal,
    render_page,
    sign_in_redirect,
)
from quality.reports import latest_report, may_read_reports

__all__ = ["router", "safe_next"]

HOME = "/portal/"
router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)


def safe_next(target: str | None) -> str:
    """``target`` if it is a path inside the portal (not the login page), else the home page."""
    if not target or "\\" in target or any(ord(c) < 0x20 for c in target):
        return HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return HOME
    if not parts.path.startswith("/portal/") or parts.path.startswith("/portal/login"):
        return HOME
    return target


@router.get("/login", response_class=HTMLResponse)
def login_page(
    lang: Annotated[Lang, Query()] = DEFAULT_LANG, next: Annotated[str | None, Query()] = None
) -> HTMLResponse:
    """The sign-in form."""
    return render_page("login.html", lang, next=safe_next(next), error=None)


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=512)] = "",
    next: Annotated[str, Form(max_length=2048)] = HOME,
    lang: Annotated[Lang, Form()] = DEFAULT_LANG,
) -> Response:
    """Check the token; on success open a session, set its cookie and go to ``next``."""
    target = safe_next(next)
    if not same_origin(request):
        return render_page("login.html", lang, 403, next=target, error="login.cross_site")
    try:
        cookie = identify.sign_in(request, session, token.strip())
    except Unauthenticated:
        return render_page("login.html", lang, 401, next=target, error="login.invalid")
    except Throttled as exc:
        page = render_page("login.html", lang, 429, next=target, error="login.locked")
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=settings.portal_session_hours * 3600,
        path="/portal",
        httponly=True,
        samesite="strict",
        secure=settings.environment == "production" or request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    lang: Annotated[Lang, Form()] = DEFAULT_LANG,
    zt_session: Annotated[str | None, Cookie()] = None,
) -> Response:
    """End the session in the catalog, then have the browser forget the cookie."""
    identify.sign_out(request, session, zt_session)
    response = RedirectResponse(f"/portal/login?lang={lang}", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/portal", httponly=True, samesite="strict")
    return response


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    lang: Annotated[Lang, Query()] = DEFAULT_LANG,
    zt_session: Annotated[str | None, Cookie()] = None,
) -> Response:
    """The datasets whose quality reports the caller may read, each with its latest report."""
    try:  # the home page is for browsers only: no session always means the sign-in page
        principal = get_portal_principal(request, session, None, zt_session)
    except (Unauthenticated, SignInRequired):
        return sign_in_redirect(request, SignInRequired(str(request.url.path), lang))
    rows = []
    for dataset in list_datasets(session):
        if not may_read_reports(principal, dataset):
            continue
        report = latest_report(session, dataset)
        rows.append(
            {
                "code": dataset.code,
                "title": dataset.title_zh if lang == "zh" else dataset.title_en,
                "owner": dataset.owner.code,
                "report": report,
            }
        )
    return portal_page(
        request,
        session,
        settings,
        principal,
        "index.html",
        lang,
        current="home",
        now=identify.now_of(request),
        rows=rows,
    )
