"""The frame of every signed-in portal page: the navigation (``exchange_api.portal.navigation``,
one table of links, each offered when ``catalog.policy.authorize`` allows it), who is signed in,
the language switch, the session's CSRF token, and a skip link to the page's main content.

Every link and form keeps the page's language (``?lang=``); the switch keeps the rest of the
query (the page of rows, say).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from catalog.models import Department
from catalog.principals import Principal
from catalog.settings import Settings
from exchange_api.portal.forms import csrf_for
from exchange_api.portal.i18n import Lang
from exchange_api.portal.navigation import NavLink, allowed, grouped, navigation
from exchange_api.portal.pages import SESSION_COOKIE, render_page

__all__ = ["NavLink", "allowed", "navigation", "portal_page", "switch_href"]


def switch_href(request: Request, lang: Lang, path: str | None = None) -> str:
    """This page (or ``path``) in the other language, the rest of its query kept."""
    other = "en" if lang == "zh" else "zh"
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    if path is not None:
        query = []
    return f"{path or request.url.path}?{urlencode([*query, ('lang', other)])}"


def portal_page(
    request: Request,
    session: Session,
    settings: Settings,
    principal: Principal,
    template: str,
    lang: Lang,
    *,
    current: str,
    now: dt.datetime,
    status: int = 200,
    here: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """``template`` in the frame: navigation, who is signed in, the switch, the CSRF token
    (``None`` without a session cookie: a page read with a bearer header offers no forms)."""
    department = session.get(Department, principal.department_id)
    return render_page(
        template,
        lang,
        status,
        nav=grouped(navigation(session, principal, lang, current, now)),
        who=department.name if department is not None else principal.department_code,
        switch_href=switch_href(request, lang, here),
        csrf=csrf_for(settings, request.cookies.get(SESSION_COOKIE)),
        **context,
    )
