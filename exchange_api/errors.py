"""Every error becomes an RFC 9457 problem+json answer here, and only here.

Domain packages raise their own exception families (``catalog.errors``, ``lakehouse.errors``,
``quality.errors``); this module maps each to a status and a stable ``code``. Unexpected
exceptions become a bare 500 problem with no stack trace; the trace goes to the server log.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from catalog.errors import (
    AccessRefused,
    CatalogError,
    Conflict,
    InvalidInput,
    NotFound,
    Throttled,
    Unauthenticated,
)
from lakehouse.connection import LakehouseError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

_STATUS: dict[type[CatalogError], int] = {
    NotFound: 404,
    Unauthenticated: 401,
    AccessRefused: 403,
    Conflict: 409,
    InvalidInput: 422,
    Throttled: 429,
}

_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Access refused",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


def problem(
    status: int, code: str, detail: str, *, instance: str = "", **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:zhongtai:problem:{code}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    headers = {"WWW-Authenticate": 'Bearer realm="zhongtai"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def status_of(exc: CatalogError) -> int:
    for cls in type(exc).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 400


async def _catalog_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CatalogError)
    response = problem(status_of(exc), exc.code, exc.message, instance=request.url.path)
    if isinstance(exc, Throttled):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _lakehouse_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("lakehouse error on %s", request.url.path)
    code = getattr(exc, "code", "lakehouse.error")
    return problem(
        503, code, "The lakehouse could not answer this request.", instance=request.url.path
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
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


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "route.not_found", 405: "method.not_allowed"}.get(exc.status_code, "http.error")
    return problem(exc.status_code, code, str(exc.detail), instance=request.url.path)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s", request.url.path)
    return problem(500, "internal", "An internal error occurred; it has been logged.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(CatalogError, _catalog_error)
    app.add_exception_handler(LakehouseError, _lakehouse_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
