"""Every error becomes an RFC 9457 problem+json answer here, and only here.

Domain packages raise :class:`schemas.errors.ZhongtaiError` subclasses, each carrying its stable
``code`` and HTTP ``status``; one handler turns any of them into a problem with that status and
code. A 4xx problem's ``detail`` is the error's message (written for people, never quoting data
values); a 5xx problem says only a fixed sentence, and the error goes to the server log. Request
validation is 422 ``request.invalid`` with the failing locations; Starlette's own 404/405 keep
their headers (``Allow``); a body that stops arriving is 400 ``request.incomplete``. Anything
else is a bare 500 with no stack trace.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match, Route

from catalog.errors import AuditUnavailable, Throttled
from schemas.errors import ZhongtaiError

__all__ = ["PROBLEM_JSON", "ProblemResponse", "install", "problem"]

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Access refused",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}

_SERVER_DETAIL = {
    500: "An internal error occurred; it has been logged.",
    503: "A store or engine the platform needs could not answer; try again later.",
}


class ProblemResponse(JSONResponse):
    """An ``application/problem+json`` body. Text that cannot be UTF-8 (a lone surrogate echoed
    from a request) is sent \\u-escaped rather than failing the answer itself."""

    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str = "",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": f"urn:zhongtai:problem:{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    headers = dict(headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="zhongtai"')
    return ProblemResponse(body, status_code=status, headers=headers or None)


def detail_of(exc: ZhongtaiError) -> str:
    """What the caller is told: the message of a 4xx, a fixed sentence for a 5xx."""
    if exc.status >= 500:
        return _SERVER_DETAIL.get(exc.status, _SERVER_DETAIL[500])
    return exc.message


async def _domain_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, ZhongtaiError)
    if exc.status >= 500:
        log.error("%s on %s: %s", exc.code, request.url.path, exc.message, exc_info=exc)
    response = problem(exc.status, exc.code, detail_of(exc), instance=request.url.path)
    if isinstance(exc, Throttled):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _validation_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors()
    ]
    return problem(
        422,
        "request.invalid",
        "The request does not match its schema.",
        instance=request.url.path,
        errors=errors,
    )


def _allowed_methods(request: Request) -> str:
    """Every method some route takes at this path. Starlette's own ``Allow`` names only the
    first route that matched the path, when GET and POST are separate routes."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches(request.scope)
            if match is not Match.NONE:
                methods |= route.methods
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "route.not_found", 405: "method.not_allowed"}.get(exc.status_code, "http.error")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return problem(
        exc.status_code, code, str(exc.detail), instance=request.url.path, headers=headers
    )


async def _client_gone(request: Request, exc: Exception) -> ProblemResponse:
    """The body stopped arriving (the client went away, or ``BodyLimit`` cut it off): no bug,
    and nobody is left to read the answer."""
    return problem(
        400,
        "request.incomplete",
        "The request body was not received in full.",
        instance=request.url.path,
    )


async def _catalog_refused(request: Request, exc: Exception) -> ProblemResponse:
    """The catalog — which holds the audit log — refused a write or a read (read-only, full,
    locked, gone). Whatever the act was, its audit event was not made durable, so nothing was
    sent: fail closed, and say so with a stable code rather than 500."""
    unavailable = AuditUnavailable.because(exc)
    log.error("%s on %s: %s", unavailable.code, request.url.path, exc)
    return problem(503, unavailable.code, unavailable.message, instance=request.url.path)


async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
    log.exception("unexpected error on %s", request.url.path)
    return problem(500, "internal", _SERVER_DETAIL[500])


def install(app: FastAPI) -> None:
    app.add_exception_handler(ZhongtaiError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(OperationalError, _catalog_refused)
    app.add_exception_handler(sqlite3.OperationalError, _catalog_refused)
    app.add_exception_handler(Exception, _unexpected)
