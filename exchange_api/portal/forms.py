"""The portal's state-changing forms: who may post one, and what becomes of a refusal.

Every ``POST`` form of the portal goes through :data:`FormActor` before its handler sees a
field. In this order, and before anything else is looked up:

1. the ``Origin`` of the post, if the browser sent one, must be this site (:func:`same_origin`,
   the sign-in form's rule);
2. the ``zt_session`` cookie must be there — a bearer header is never enough: a form is a
   browser's act, and a script holding a token has the API;
3. the hidden ``csrf`` field must be the session's token (``catalog.portal_sessions.csrf_matches``,
   an HMAC of the session id: nothing stored, worthless once the session ends).

A failure of any of them is a 403 page with code ``csrf.invalid``, recorded on the audit chain as
``portal.form_refused`` with the precise reason, and nothing else happens. Only then is the
session resolved like any portal cookie (refusals audited, lockout, rate limit); a session that
ended meanwhile is sent to sign in again.

Refusals inside a page or form — a service's :class:`ZhongtaiError`, the access decision's
audited refusals included — are caught by :func:`page_errors`, which commits the audited refusal
(and nothing else) and raises :class:`PageRefusal`; the app renders it with :func:`refusal_page`:
the status, the stable code and a sentence in the page's language, never a stack trace.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Cookie, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from catalog import audit
from catalog.errors import AccessRefused, InvalidInput, Unauthenticated
from catalog.events import PortalFormRefused
from catalog.guard import is_audited_refusal
from catalog.portal_sessions import csrf_matches, csrf_token
from catalog.principals import Principal
from catalog.settings import Settings
from exchange_api import identify
from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.errors import detail_of
from exchange_api.payloads import end_of_day, in_utc
from exchange_api.peers import client_address
from exchange_api.portal.i18n import DEFAULT_LANG, MESSAGES, Lang
from exchange_api.portal.pages import SignInRequired, render_page
from schemas.errors import ZhongtaiError

__all__ = [
    "TEXT_MAX",
    "Checked",
    "FormActor",
    "LangQuery",
    "PageRefusal",
    "Posted",
    "PostedForm",
    "csrf_for",
    "form_expiry",
    "form_quota",
    "form_text",
    "page_errors",
    "posted_form",
    "problem_text",
    "refusal_page",
    "same_origin",
    "see_other",
    "Text",
]

log = logging.getLogger(__name__)

TEXT_MAX = 2000
"""The longest free text a form field takes (purpose, reason, answer), as the API's bodies."""

LangQuery = Annotated[Lang, Query()]
"""The page's language, ``?lang=zh`` (default) or ``?lang=en``."""
Checked = Annotated[list[str] | None, Form()]
"""The ticked boxes of a checkbox group (none ticked: ``None``)."""
Text = Annotated[str, Form()]
"""One text field of a form."""


class PageRefusal(Exception):
    """A refusal to be shown as a portal page in ``lang``; raised by :func:`page_errors`."""

    def __init__(self, error: ZhongtaiError, lang: Lang) -> None:
        super().__init__(error.code)
        self.error, self.lang = error, lang


def problem_text(error: ZhongtaiError, lang: Lang) -> str:
    """What the page says: the code's own sentence in ``lang``, else its status's."""
    messages = MESSAGES[lang]
    known = messages.get(f"problem.{error.code}")
    if known is not None:
        return known
    return messages.get(f"error.{error.status}", messages["error.other"])


def refusal_page(request: Request, exc: Exception) -> Response:
    """The app's handler for :class:`PageRefusal`: an HTML page with the status and code."""
    assert isinstance(exc, PageRefusal)
    error, lang = exc.error, exc.lang
    if error.status >= 500:
        log.error("%s on %s: %s", error.code, request.url.path, error.message, exc_info=error)
    title = MESSAGES[lang].get(f"error.{error.status}", MESSAGES[lang]["error.other"])
    page = render_page(
        "error.html",
        lang,
        error.status,
        http_status=error.status,
        code=error.code,
        title=title,
        text=problem_text(error, lang),
        detail=detail_of(error) if lang == "en" else "",
        audited=is_audited_refusal(error),
    )
    retry_after = error.context.get("retry_after")
    if retry_after is not None:
        page.headers["Retry-After"] = str(retry_after)
    return page


@contextmanager
def page_errors(session: Session, lang: Lang) -> Iterator[None]:
    """Turn a domain error raised inside into a :class:`PageRefusal`, keeping an audited
    refusal on the record (committed) and nothing else (rolled back)."""
    try:
        yield
    except ZhongtaiError as exc:
        if is_audited_refusal(exc):
            session.commit()
        else:
            session.rollback()
        raise PageRefusal(exc, lang) from None


def same_origin(request: Request) -> bool:
    """A form posted from another site carries that site's ``Origin``; browsers always send one
    on a cross-site POST, so a missing header is a same-site client (or not a browser). Host names
    are compared without ports: a TLS proxy may forward ``Host`` without the port it listens on."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = urlsplit(f"//{request.headers.get('host', '')}").hostname
    return host is not None and urlsplit(origin).hostname == host


def csrf_for(settings: Settings, cookie: str | None) -> str | None:
    """The CSRF token for a page's forms: only a browser holding a session gets forms."""
    if not cookie:
        return None
    try:
        return csrf_token(cookie, secret=settings.secret_key)
    except Unauthenticated:
        return None


def _form_refusal(request: Request, settings: Settings, cookie: str | None, token: str) -> str:
    """Why the form is refused before anything else, or ``""``."""
    if not same_origin(request):
        return "origin.cross_site"
    if not cookie:
        return "session.missing"
    if not token:
        return "csrf.missing"
    if not csrf_matches(cookie, token, secret=settings.secret_key):
        return "csrf.mismatch"
    return ""


def form_actor(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    lang: Annotated[Lang, Query()] = DEFAULT_LANG,
    csrf: Annotated[str, Form()] = "",
    zt_session: Annotated[str | None, Cookie()] = None,
) -> Principal:
    """The account posting a portal form, once the checks of the module docstring passed."""
    reason = _form_refusal(request, settings, zt_session, csrf)
    if reason:
        audit.record(
            session,
            PortalFormRefused(
                code="csrf.invalid",
                reason=reason,
                path=request.url.path,
                client=client_address(request, settings.trusted_proxy_networks),
            ),
        )
        session.commit()
        refused = AccessRefused(
            "The form was refused: it did not come from this portal's own page.",
            code="csrf.invalid",
            audited=True,
        )
        raise PageRefusal(refused, lang)
    try:
        return identify.caller(request, session, token=None, cookie=zt_session)
    except Unauthenticated as exc:
        if is_audited_refusal(exc):
            session.commit()
        raise SignInRequired("/portal/", lang) from None
    except ZhongtaiError as exc:  # locked out, rate-limited
        raise PageRefusal(exc, lang) from None


FormActor = Annotated[Principal, Depends(form_actor)]


def see_other(path: str, lang: Lang, anchor: str = "") -> RedirectResponse:
    """Post, redirect, get: the page to show after a form succeeded, in the same language."""
    return RedirectResponse(f"{path}?lang={lang}{f'#{anchor}' if anchor else ''}", status_code=303)


@dataclass(frozen=True, slots=True)
class PostedForm:
    """A portal form that passed :data:`FormActor`, and the steps every form handler takes:
    act inside :meth:`acting` (a refusal becomes a page, success is committed), then go
    :meth:`back_to` a page in the same language."""

    request: Request
    session: Session
    actor: Principal
    lang: Lang

    @property
    def now(self) -> dt.datetime:
        return identify.now_of(self.request)

    @contextmanager
    def acting(self) -> Iterator[None]:
        """:func:`page_errors` around the act, and a commit once it succeeded."""
        with page_errors(self.session, self.lang):
            yield
            self.session.commit()

    def back_to(self, path: str, anchor: str = "") -> RedirectResponse:
        return see_other(path, self.lang, anchor)


def posted_form(
    request: Request, session: SessionDep, actor: FormActor, lang: LangQuery = DEFAULT_LANG
) -> PostedForm:
    """The posted form of a handler that takes :data:`Posted`."""
    return PostedForm(request, session, actor, lang)


Posted = Annotated[PostedForm, Depends(posted_form)]


# --- form values -----------------------------------------------------------------------------


def _invalid(message: str, code: str = "form.invalid") -> InvalidInput:
    return InvalidInput(message, code=code)


def form_text(value: str, what: str, *, required: bool = False) -> str:
    """A free-text field, stripped; plain text of at most :data:`TEXT_MAX` characters."""
    value = value.strip()
    if "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise _invalid(f"{what} must be plain text")
    if len(value) > TEXT_MAX:
        raise _invalid(f"{what} has at most {TEXT_MAX} characters")
    if required and not value:
        raise _invalid(f"{what} is required", code="form.required")
    return value


def form_quota(value: str) -> int | None:
    """A row quota typed into a form: empty for none, else a positive whole number."""
    value = value.strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        raise _invalid("a row quota is a whole number of rows", code="request.invalid_quota")
    return int(value)


def form_expiry(value: str) -> dt.datetime | None:
    """An expiry date typed into a form (``YYYY-MM-DD``): the end of that day in China Standard
    Time, as the API reads a bare date; empty for none."""
    value = value.strip()
    if not value:
        return None
    try:
        expires = end_of_day(value)
        if not isinstance(expires, dt.datetime):
            raise ValueError(value)
        return in_utc(expires)
    except ValueError:
        raise _invalid("an expiry is a date, YYYY-MM-DD", code="request.invalid_expiry") from None
