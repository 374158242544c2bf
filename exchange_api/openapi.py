"""The OpenAPI document's error answers, declared once for every operation.

Each operation under ``/api/v1`` gets the problem+json answers it can give, derived from what it
is rather than written route by route:

============  ==================================================================================
status        declared on
============  ==================================================================================
401, 403,     every operation that takes a token (no token, a bad one; the policy or a role
429           refuses; too many requests — the rate limit is reserved, not yet enforced)
404           operations with a path parameter or a body (the dataset, request, grant or report
              named in the path, or a dataset or grant named in the body)
409           operations with a body (an act that clashes with the current state: already
              decided, signed off) and data reads (a dataset with no published snapshot)
413           operations with a body (over ``ZHONGTAI_MAX_BODY_BYTES``)
422           operations with any input (``request.invalid``, or a domain code such as
              ``filter.invalid``)
503           operations that open the lake (DuckDB or DuckLake could not answer)
============  ==================================================================================

Every answer of 400 or more is ``application/problem+json`` with the :class:`Problem` schema;
FastAPI's own ``HTTPValidationError`` is replaced, since the 422 it describes is a problem too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from exchange_api.deps import get_lake, get_lazy_lake
from exchange_api.errors import PROBLEM_JSON, TITLES
from exchange_api.payloads import Problem

__all__ = ["install", "problem_response"]

_REF = "#/components/schemas/{model}"
_WHEN = {
    401: "No bearer token, or one that matches no active account",
    403: "The caller may not do this (policy, role or grant)",
    404: "The named dataset, request, grant or report does not exist or is not visible",
    409: "The act clashes with the current state",
    413: "The request body is over the service's limit",
    422: "The request is malformed",
    429: "Too many requests; try again later",
    503: "A store or engine the platform needs could not answer",
}


def problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    """One documented problem answer (usable in a route's ``responses=`` as well)."""
    return {
        "description": description or _WHEN.get(status) or TITLES.get(status, "Error"),
        "content": {PROBLEM_JSON: {"schema": {"$ref": _REF.format(model="Problem")}}},
    }


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def _statuses(route: APIRoute, operation: dict[str, Any]) -> set[int]:
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    statuses: set[int] = set()
    if operation.get("security"):
        statuses |= {401, 403, 429}
    if parameters or has_body:
        statuses.add(422)
    if has_body or any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    if has_body:
        statuses |= {409, 413}
    if "data" in route.tags:
        statuses.add(409)
    if {get_lake, get_lazy_lake} & set(_calls(route.dependant)):
        statuses.add(503)
    return statuses


_CONVERTOR = re.compile(r"\{(\w+):\w+\}")


def _document(app: FastAPI, schema: dict[str, Any]) -> None:
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith("/api/v1"):
            continue
        for method in route.methods:
            path = _CONVERTOR.sub(r"{\1}", route.path)  # ``{node:path}`` is ``{node}`` there
            operation = schema["paths"].get(path, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(_statuses(route, operation)):
                responses[str(status)] = problem_response(status)
            for status, response in responses.items():
                if status[0] in "45" and "application/json" in response.get("content", {}):
                    response["content"] = problem_response(int(status))["content"]
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    problem_schema = Problem.model_json_schema(ref_template=_REF)
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["Problem"] = problem_schema


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` declare the problem answers (computed once, then cached)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _document(app, generate())
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
