"""Malformed requests that once answered 500: each must be a 4xx problem, never an internal error.

Every case here was found by probing the running service (issue 8, defect 5): an id or offset
past a signed 64-bit integer, a quota as large, a date written the natural way, a lone UTF-16
surrogate or a NUL in a string.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from catalog.models import ShareRequest
from exchange_api.demo import DATASET
from tests.exchange_api.conftest import Platform, report_of

PROBLEM = "application/problem+json"
TOO_BIG = 2**63
BIGGEST = 2**63 - 1
FIELDS = ["period", "amount", "region"]


def _request_body(**extra: Any) -> dict[str, Any]:
    return {"dataset": DATASET, "fields": FIELDS, "purpose": "个税汇算核对社保扣除", **extra}


def _post_raw(platform: Platform, path: str, account: str, text: str) -> Any:
    """POST JSON text as is: httpx would refuse to encode a lone surrogate itself."""
    headers = {**platform.headers(account), "Content-Type": "application/json"}
    return platform.client.post(path, headers=headers, content=text.encode("ascii"))


def _assert_invalid(response: Any, code: str = "request.invalid") -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == code


@pytest.fixture(scope="module")
def granted(platform: Platform) -> dict[str, Any]:
    """swj-exchange holds an approved grant on the demo dataset."""
    filed = platform.client.post(
        "/api/v1/requests", headers=platform.headers("swj-exchange"), json=_request_body()
    )
    assert filed.status_code == 201, filed.text
    approved = platform.client.post(
        f"/api/v1/requests/{filed.json()['id']}/approve",
        headers=platform.headers("rsj-exchange"),
        json={"reason": "同意"},
    )
    assert approved.status_code == 200, approved.text
    body: dict[str, Any] = approved.json()
    return body


# --- integers past a signed 64-bit value --------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/requests/{id}"),
        ("POST", "/api/v1/requests/{id}/approve"),
        ("POST", "/api/v1/requests/{id}/refuse"),
        ("POST", "/api/v1/requests/{id}/withdraw"),
        ("GET", "/api/v1/grants/{id}"),
        ("POST", "/api/v1/grants/{id}/revoke"),
        ("POST", "/api/v1/grants/{id}/renew"),
        ("POST", "/api/v1/requests/{id}/objections"),
        ("POST", "/api/v1/requests/1/objections/{id}/answer"),
        ("POST", "/api/v1/requests/{id}/objections/1/answer"),
        ("GET", "/api/v1/quality/reports/{id}"),
        ("POST", "/api/v1/quality/reports/{id}/sign-off"),
    ],
)
@pytest.mark.parametrize("value", [TOO_BIG, 0, -1])
def test_path_ids_outside_1_to_2_63_are_422(
    platform: Platform, method: str, path: str, value: int
) -> None:
    body = {"reason": "不符合条件"} if path.endswith(("refuse", "approve", "revoke")) else {}
    response = platform.client.request(
        method,
        path.format(id=value),
        headers=platform.headers("rsj-exchange"),
        json=body if method == "POST" else None,
    )
    _assert_invalid(response)


def test_the_largest_id_is_a_plain_404(platform: Platform) -> None:
    response = platform.client.get(
        f"/api/v1/requests/{BIGGEST}", headers=platform.headers("rsj-exchange")
    )
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "request.not_found"


def test_read_offset_past_2_63_is_422(platform: Platform, granted: dict[str, Any]) -> None:
    response = platform.client.get(
        f"/api/v1/datasets/{DATASET}/data",
        headers=platform.headers("swj-exchange"),
        params={"offset": TOO_BIG},
    )
    _assert_invalid(response)


def test_query_offset_past_2_63_is_422(platform: Platform, granted: dict[str, Any]) -> None:
    response = platform.client.post(
        f"/api/v1/datasets/{DATASET}/query",
        headers=platform.headers("swj-exchange"),
        json={"offset": TOO_BIG},
    )
    _assert_invalid(response)


def test_the_largest_offset_reads_no_rows(platform: Platform, granted: dict[str, Any]) -> None:
    response = platform.client.get(
        f"/api/v1/datasets/{DATASET}/data",
        headers=platform.headers("swj-exchange"),
        params={"offset": BIGGEST},
    )
    assert response.status_code == 200, response.text
    assert response.json()["row_count"] == 0


def test_a_grant_id_past_2_63_is_422(platform: Platform, granted: dict[str, Any]) -> None:
    read = platform.client.get(
        f"/api/v1/datasets/{DATASET}/data",
        headers=platform.headers("swj-exchange"),
        params={"grant_id": TOO_BIG},
    )
    _assert_invalid(read)
    query = platform.client.post(
        f"/api/v1/datasets/{DATASET}/query",
        headers=platform.headers("swj-exchange"),
        json={"grant_id": TOO_BIG},
    )
    _assert_invalid(query)
    filed = platform.client.post(
        "/api/v1/requests",
        headers=platform.headers("gaj-exchange"),
        json=_request_body(replaces_grant_id=TOO_BIG),
    )
    _assert_invalid(filed)


@pytest.mark.parametrize("quota", [TOO_BIG, 2**31, 0, -5])
def test_quota_rows_out_of_range_is_422(platform: Platform, quota: int) -> None:
    response = platform.client.post(
        "/api/v1/requests",
        headers=platform.headers("gaj-exchange"),
        json=_request_body(quota_rows=quota),
    )
    _assert_invalid(response)


# --- dates without a zone -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        # a date is the whole of that day in China Standard Time: access ends at the next midnight
        ("2030-01-01", "2030-01-01T16:00:00+00:00"),
        # a naive date-time is read as China Standard Time
        ("2030-01-01T12:00:00", "2030-01-01T04:00:00+00:00"),
        # an explicit offset is kept as written
        ("2030-01-01T12:00:00Z", "2030-01-01T12:00:00+00:00"),
    ],
)
def test_expires_at_without_a_zone_is_china_standard_time(
    platform: Platform, written: str, stored: str
) -> None:
    response = platform.client.post(
        "/api/v1/requests",
        headers=platform.headers("gaj-exchange"),
        json=_request_body(expires_at=written),
    )
    assert response.status_code == 201, response.text
    with platform.sessions() as session:
        filed = session.get(ShareRequest, response.json()["id"])
        assert filed is not None and filed.expires_at is not None
        assert filed.expires_at == dt.datetime.fromisoformat(stored)


@pytest.mark.parametrize("written", ["2020-01-01", "2020-01-01T12:00:00"])
def test_a_past_date_without_a_zone_is_refused_not_a_crash(
    platform: Platform, written: str
) -> None:
    response = platform.client.post(
        "/api/v1/requests",
        headers=platform.headers("gaj-exchange"),
        json=_request_body(expires_at=written),
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "request.invalid_expiry"


# --- strings that are not text ------------------------------------------------------------------


def test_lone_surrogate_in_a_filter_value_is_422(
    platform: Platform, granted: dict[str, Any]
) -> None:
    text = '{"filters": [{"field": "region", "op": "eq", "value": "\\ud800"}]}'
    response = _post_raw(platform, f"/api/v1/datasets/{DATASET}/query", "swj-exchange", text)
    _assert_invalid(response)


@pytest.mark.parametrize("bad", ["\\ud800", "\\udfff", "a\\u0000b"])
@pytest.mark.parametrize("key", ["purpose", "scenario", "legal_basis"])
def test_surrogates_and_nul_anywhere_in_a_request_body_are_422(
    platform: Platform, key: str, bad: str
) -> None:
    body = _request_body()
    text = json.dumps(body, ensure_ascii=True)[:-1] + f', "{key}": "x{bad}y"}}'
    response = _post_raw(platform, "/api/v1/requests", "gaj-exchange", text)
    _assert_invalid(response)
    assert response.json()["errors"][0]["loc"][-1] == key


def test_lone_surrogate_in_a_refusal_reason_is_422(platform: Platform) -> None:
    response = _post_raw(
        platform, "/api/v1/requests/1/refuse", "rsj-exchange", '{"reason": "\\ud800"}'
    )
    _assert_invalid(response)


def test_a_sign_off_note_with_a_surrogate_is_422(platform: Platform) -> None:
    report_id = report_of(platform, platform.batch.batch_id)
    path = f"/api/v1/quality/reports/{report_id}/sign-off"
    response = _post_raw(platform, path, "rsj-exchange", '{"note": "\\udc00"}')
    _assert_invalid(response)


def test_a_surrogate_in_an_unknown_key_is_422(platform: Platform) -> None:
    text = json.dumps(_request_body(), ensure_ascii=True)[:-1] + ', "\\ud800": 1}'
    response = _post_raw(platform, "/api/v1/requests", "gaj-exchange", text)
    _assert_invalid(response)


@pytest.mark.parametrize("code", ["a%00b", "%ED%A0%80", "x" * 65, "a'b", "数据集"])
def test_a_dataset_code_that_is_no_code_is_an_unknown_dataset(
    platform: Platform, code: str
) -> None:
    for path in (
        f"/api/v1/datasets/{code}",
        f"/api/v1/datasets/{code}/data",
        f"/api/v1/datasets/{code}/quality",
    ):
        response = platform.client.get(path, headers=platform.headers("swj-exchange"))
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "dataset.not_found"


@pytest.mark.parametrize("written", ["9999-12-31", "9999-12-31T23:00:00-10:00", "2030-02-30"])
def test_an_expiry_no_store_can_hold_is_422(platform: Platform, written: str) -> None:
    response = platform.client.post(
        "/api/v1/requests",
        headers=platform.headers("gaj-exchange"),
        json=_request_body(expires_at=written),
    )
    _assert_invalid(response)


# --- refusals must say why; approvals need not --------------------------------------------------


def _pending(platform: Platform) -> int:
    filed = platform.client.post(
        "/api/v1/requests", headers=platform.headers("gaj-exchange"), json=_request_body()
    )
    assert filed.status_code == 201, filed.text
    request_id: int = filed.json()["id"]
    return request_id


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "  \t "}])
def test_a_refusal_without_a_reason_is_refused_by_the_schema(
    platform: Platform, body: dict[str, str]
) -> None:
    request_id = _pending(platform)
    response = platform.client.post(
        f"/api/v1/requests/{request_id}/refuse", headers=platform.headers("rsj-exchange"), json=body
    )
    _assert_invalid(response)
    assert response.json()["errors"][0]["loc"] == ["body", "reason"]
    still = platform.client.get(
        f"/api/v1/requests/{request_id}", headers=platform.headers("rsj-exchange")
    )
    assert still.json()["status"] == "pending"


def test_a_refusal_keeps_its_reason_and_an_approval_needs_none(platform: Platform) -> None:
    refused = platform.client.post(
        f"/api/v1/requests/{_pending(platform)}/refuse",
        headers=platform.headers("rsj-exchange"),
        json={"reason": " 用途与数据不符 "},
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["decision_reason"] == "用途与数据不符"
    approved = platform.client.post(
        f"/api/v1/requests/{_pending(platform)}/approve",
        headers=platform.headers("rsj-exchange"),
        json={},
    )
    assert approved.status_code == 200, approved.text


def test_the_openapi_document_requires_a_refusal_reason(platform: Platform) -> None:
    document = platform.client.get("/api/v1/openapi.json").json()
    refusal = document["components"]["schemas"]["RefusalIn"]
    assert refusal["required"] == ["reason"]
    assert refusal["properties"]["reason"]["minLength"] == 1


def test_an_approval_narrows_with_the_same_bounds_and_dates(platform: Platform) -> None:
    path = f"/api/v1/requests/{_pending(platform)}/approve"
    owner = platform.headers("rsj-exchange")
    _assert_invalid(platform.client.post(path, headers=owner, json={"quota_rows": TOO_BIG}))
    _assert_invalid(platform.client.post(path, headers=owner, json={"expires_at": "9999-12-31"}))
    approved = platform.client.post(path, headers=owner, json={"expires_at": "2030-01-01"})
    assert approved.status_code == 200, approved.text
    expires = dt.datetime.fromisoformat(approved.json()["grant"]["expires_at"])
    assert expires == dt.datetime.fromisoformat("2030-01-01T16:00:00+00:00")
