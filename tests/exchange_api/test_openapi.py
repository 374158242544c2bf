"""The OpenAPI document says what can go wrong: problem+json answers on every operation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from catalog.settings import Settings
from exchange_api.app import create_app

PROBLEM = "application/problem+json"
PUBLIC = {
    ("get", "/api/v1/health"),
    ("get", "/api/v1/ready"),
    ("get", "/api/v1/quality/report.schema.json"),
    # the public DCAT-AP catalog: only what the open type declares public (routes/exports.py)
    ("get", "/api/v1/catalog/dcat.jsonld"),
    ("get", "/api/v1/catalog/dcat.ttl"),
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    var = tmp_path_factory.mktemp("openapi") / "var"
    settings = Settings(var_dir=Path(var), environment="test", _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    yield response.json()


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if path.startswith("/api/v1"):
                yield method, path, operation


def _problem(operation: dict[str, Any], status: int) -> bool:
    response = operation["responses"].get(str(status))
    return response is not None and response.get("content") == {PROBLEM: {"schema": PROBLEM_REF}}


def test_only_the_public_operations_need_no_token(document: dict[str, Any]) -> None:
    public = {(m, p) for m, p, op in _operations(document) if not op.get("security")}
    assert public == PUBLIC


def test_every_authenticated_operation_declares_its_problems(document: dict[str, Any]) -> None:
    missing = {}
    for method, path, operation in _operations(document):
        if (method, path) in PUBLIC:
            continue
        wanted = {401, 403, 429}
        if operation.get("parameters") or "requestBody" in operation:
            wanted |= {422}
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            wanted |= {404}
        if "requestBody" in operation:
            wanted |= {413, 409}
        if lacking := sorted(s for s in wanted if not _problem(operation, s)):
            missing[f"{method} {path}"] = lacking
    assert missing == {}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/requests/{request_id}"),
        ("post", "/api/v1/requests"),
        ("post", "/api/v1/datasets/{code}/query"),
        ("get", "/api/v1/datasets/{code}/data"),
        ("post", "/api/v1/quality/reports/{report_id}/sign-off"),
    ],
)
def test_operations_with_input_declare_401_and_422_problems(
    document: dict[str, Any], method: str, path: str
) -> None:
    operation = document["paths"][path][method]
    assert _problem(operation, 401) and _problem(operation, 422)


def test_lake_reads_may_answer_503_and_data_reads_409(document: dict[str, Any]) -> None:
    for path in ("/api/v1/datasets/{code}/data", "/api/v1/quality/reports/{report_id}"):
        assert _problem(document["paths"][path]["get"], 503), path
    assert _problem(document["paths"]["/api/v1/datasets/{code}/data"]["get"], 409)


def test_no_error_answer_is_documented_as_plain_json(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert set(response.get("content", {})) == {PROBLEM}, (method, path, status)
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_the_problem_schema_is_published(document: dict[str, Any]) -> None:
    schema = document["components"]["schemas"]["Problem"]
    assert set(schema["required"]) >= {"type", "title", "status", "code", "detail"}
    assert {"instance", "errors"} <= set(schema["properties"])
