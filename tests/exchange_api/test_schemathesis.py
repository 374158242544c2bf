"""Schemathesis against the live app: every operation of the published OpenAPI document, called
with valid tokens of two requesting departments, the owner and the auditor, must answer as
documented — no 500, status codes, content types and bodies that match the document (issue 8).

The app is the real one (real catalog, real DuckLake, real policy) from the module's platform.
Each operation is one parametrised test that draws cases from schemathesis's strategy under
Hypothesis (schemathesis's own pytest integration, ``from_fixture``, does not run on pytest 9),
bounded per operation so the whole run stays within a few minutes on two cores.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from catalog.settings import Settings
from exchange_api.app import create_app
from tests.exchange_api.conftest import Platform

ACCOUNTS = ("swj-exchange", "rsj-exchange", "gaj-exchange", "dsj-audit")
EXAMPLES = 30


def _labels() -> list[str]:
    """Every operation of the document, from an app whose catalog is never opened."""
    app: FastAPI = create_app(Settings(environment="test", _env_file=None))  # type: ignore[call-arg]
    document = app.openapi()
    return [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


@pytest.fixture(scope="module")
def api_schema(platform: Platform) -> Any:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", platform.client.app)


def test_the_document_lists_the_workflow() -> None:
    labels = set(_labels())
    assert "POST /api/v1/requests/{request_id}/approve" in labels
    assert "POST /api/v1/grants/{grant_id}/revoke" in labels
    assert len(labels) >= 15


@pytest.mark.slow
@pytest.mark.parametrize("label", _labels())
def test_every_operation_answers_as_documented(
    api_schema: Any, platform: Platform, label: str
) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, label

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        for account in ACCOUNTS:
            response = case.call(headers=platform.headers(account))
            assert response.status_code < 500, (label, response.status_code, response.text[:500])
            case.validate_response(response)

    check()
