"""Server-rendered portal pages (Jinja2), Chinese by default, English with ``?lang=en``.

Authentication: a bearer token in the ``Authorization`` header (or a client certificate a
trusted proxy verified), or the ``zt_session`` cookie a browser gets from ``/portal/login``
(:mod:`exchange_api.portal.login`): a signed, random server-side session id — never the token —
set ``HttpOnly; SameSite=Strict``, and ``Secure`` in production (``catalog.portal_sessions``).
A cookie changes something only through the portal's own forms, each checked for its session's
CSRF token and Origin first (``exchange_api.portal.forms``); the API's write routes accept the
header only.
Access is the API's rule, decided by ``quality.reports.may_read_reports`` in the ``PortalReport``
dependency.

Pages load nothing from outside the platform (government networks are often air-gapped): one
local stylesheet, no script, no web fonts, the chart as inline SVG; the Content-Security-Policy
header says so to the browser.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import duckdb
from fastapi import APIRouter, Cookie, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from catalog.errors import Unauthenticated
from catalog.guard import is_audited_refusal
from catalog.models import QualityReport
from catalog.principals import Principal
from exchange_api import identify
from exchange_api.deps import SessionDep, open_lake, serving_of
from exchange_api.payloads import PathId
from exchange_api.portal.i18n import DEFAULT_LANG, Lang, translator
from quality.reports import readable_report

__all__ = [
    "SESSION_COOKIE",
    "STATIC_DIR",
    "PortalLake",
    "PortalPrincipal",
    "PortalReport",
    "SignInRequired",
    "render_page",
    "router",
    "sign_in_redirect",
    "templates",
]

PORTAL_DIR = Path(__file__).resolve().parent
STATIC_DIR = PORTAL_DIR / "static"
SESSION_COOKIE = "zt_session"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

templates = Environment(
    loader=FileSystemLoader(PORTAL_DIR / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_bearer = HTTPBearer(auto_error=False, description="A bearer token, or the zt_session cookie")

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)


def render_page(
    template: str, lang: Lang, status: int = 200, *, nav: Sequence[Any] = (), **context: Any
) -> HTMLResponse:
    """``template`` rendered in ``lang`` (``t``, ``lang`` and ``other_lang`` are supplied), with
    the headers every portal page carries: the CSP, its language, no caching, no referrer
    beyond the portal itself.
    ``nav`` is the navigation of a signed-in page (``exchange_api.portal.frame``)."""
    html = templates.get_template(template).render(
        t=translator(lang), lang=lang, other_lang="en" if lang == "zh" else "zh", nav=nav, **context
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "Content-Language": "zh-CN" if lang == "zh" else "en",
            "Cache-Control": "no-store",
            # not "no-referrer": under it a browser sends "Origin: null" with every form post,
            # and the Origin check (forms.same_origin) then refuses the portal's own forms
            "Referrer-Policy": "same-origin",
        },
    )


class SignInRequired(Exception):
    """A browser without a valid session asked for a page: send it to sign in, then back."""

    def __init__(self, target: str, lang: str) -> None:
        super().__init__(target)
        self.target, self.lang = target, lang


def sign_in_redirect(request: Request, exc: Exception) -> Response:
    """The app's handler for :class:`SignInRequired`: 303 to the sign-in page, forgetting any
    session cookie the browser still holds (it was refused)."""
    assert isinstance(exc, SignInRequired)
    lang = "en" if exc.lang == "en" else DEFAULT_LANG
    response = RedirectResponse(
        f"/portal/login?lang={lang}&next={quote(exc.target, safe='/')}", status_code=303
    )
    if SESSION_COOKIE in request.cookies:
        response.delete_cookie(SESSION_COOKIE, path="/portal", httponly=True, samesite="strict")
    return response


def get_portal_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    zt_session: Annotated[str | None, Cookie()] = None,
) -> Principal:
    """The caller, from the bearer header (or a verified client certificate) or else the
    ``zt_session`` cookie. A browser (it accepts HTML) with no header and no valid session is sent
    to sign in; anyone else gets the 401. A refusal is audited either way."""
    token = credentials.credentials if credentials is not None else None
    try:
        return identify.caller(request, session, token=token, cookie=zt_session)
    except Unauthenticated as exc:
        if is_audited_refusal(exc):
            session.commit()  # the refusal stays on the record though no error leaves this
        if credentials is None and "text/html" in request.headers.get("accept", ""):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(target, request.query_params.get("lang", "")) from None
        raise


PortalPrincipal = Annotated[Principal, Depends(get_portal_principal)]


def _portal_report(
    report_id: PathId, session: SessionDep, principal: PortalPrincipal
) -> QualityReport:
    return readable_report(session, principal, report_id)


PortalReport = Annotated[QualityReport, Depends(_portal_report)]


def _portal_lake(
    request: Request, principal: PortalPrincipal
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The lake, once the bearer header or the session cookie has named the caller."""
    yield from open_lake(serving_of(request))


PortalLake = Annotated[duckdb.DuckDBPyConnection, Depends(_portal_lake)]
