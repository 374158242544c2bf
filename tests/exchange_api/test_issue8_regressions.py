"""Issue 8's seven defects, each probed over HTTP exactly as an attacker or a careless client did.

Written against the API that existed before the fixes (filing, approving, reading, quality
reports), so the same file runs on the old code — where every test here fails — and on the new.
The deeper regression tests live beside the code they pin (policy, masks, workflow, errors).
"""

from __future__ import annotations

from typing import Any

import pytest

from catalog.models import Role
from catalog.tokens import issue_account
from exchange_api.demo import DATASET
from lakehouse.serving import ServingLake
from tests.exchange_api.conftest import Platform, report_of

SWJ, GAJ, RSJ = "swj-exchange", "gaj-exchange", "rsj-exchange"
QUERY = f"/api/v1/datasets/{DATASET}/query"
DATA = f"/api/v1/datasets/{DATASET}/data"


def _grant(platform: Platform, account: str, fields: list[str]) -> dict[str, Any]:
    filed = platform.client.post(
        "/api/v1/requests",
        headers=platform.headers(account),
        json={"dataset": DATASET, "fields": fields, "purpose": "回归测试"},
    )
    assert filed.status_code == 201, filed.text
    approved = platform.client.post(
        f"/api/v1/requests/{filed.json()['id']}/approve",
        headers=platform.headers(RSJ),
        json={"reason": "同意"},
    )
    assert approved.status_code == 200, approved.text
    return dict(approved.json()["grant"])


def test_defect_1_a_masked_id_cannot_be_bisected(platform: Platform) -> None:
    _grant(platform, GAJ, ["citizen_id", "person_name", "period"])
    for probe in (
        {"field": "citizen_id", "op": "ge", "value": "330100"},
        {"field": "citizen_id", "op": "prefix", "value": "3301"},
        {"field": "person_name", "op": "lt", "value": "王"},
    ):
        response = platform.client.post(
            QUERY, headers=platform.headers(GAJ), json={"filters": [probe]}
        )
        assert response.status_code == 403, response.text[:300]
        assert response.json()["code"] == "field.masked"


def test_defect_3_another_departments_steward_sees_no_quarantined_rows(
    platform: Platform,
) -> None:
    with platform.sessions() as session:
        from catalog.departments import get_department

        _, token = issue_account(
            session, get_department(session, "330100GAJ"), "gaj-steward", [Role.STEWARD]
        )
        session.commit()
    report_id = report_of(platform, platform.batch.batch_id)
    response = platform.client.get(
        f"/api/v1/quality/reports/{report_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403, response.text[:300]
    assert "samples" not in response.text


def test_defect_4_a_grant_always_expires_and_can_be_revoked(platform: Platform) -> None:
    grant = _grant(platform, GAJ, ["period"])
    assert grant["expires_at"] is not None
    revoked = platform.client.post(
        f"/api/v1/grants/{grant['id']}/revoke", headers=platform.headers(RSJ), json={"reason": "止"}
    )
    assert revoked.status_code == 200, revoked.text[:300]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/requests/9223372036854775808", None),
        ("POST", "/api/v1/requests/9223372036854775808/approve", {}),
        ("GET", DATA + "?offset=9223372036854775808", None),
        (
            "POST",
            "/api/v1/requests",
            {"dataset": DATASET, "fields": ["period"], "purpose": "x", "expires_at": "2030-01-01"},
        ),
        (
            "POST",
            "/api/v1/requests",
            {"dataset": DATASET, "fields": ["period"], "purpose": "x", "quota_rows": 2**63},
        ),
        ("POST", QUERY, '{"filters": [{"field": "period", "op": "eq", "value": "\\ud800"}]}'),
    ],
)
def test_defect_5_malformed_requests_never_answer_500(
    platform: Platform, method: str, path: str, body: dict[str, Any] | str | None
) -> None:
    # the owner reaches DuckDB with any filter: the probes must be refused before they get there
    account = RSJ if path.startswith(DATA) or path == QUERY else SWJ
    headers = platform.headers(account) | {"Content-Type": "application/json"}
    if isinstance(body, str):  # a lone surrogate: JSON allows the escape, UTF-8 cannot encode it
        response = platform.client.request(method, path, headers=headers, content=body)
    else:
        response = platform.client.request(method, path, headers=headers, json=body)
    assert response.status_code < 500, response.text[:300]
    assert response.headers["content-type"].startswith("application/problem+json") or (
        response.status_code in (200, 201)
    )


def test_defect_6_no_duckdb_before_authentication_and_bodies_are_capped(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    real = ServingLake.cursor

    def counting(serving: ServingLake) -> Any:
        opened.append(serving)
        return real(serving)

    monkeypatch.setattr(ServingLake, "cursor", counting)
    assert platform.client.get(DATA).status_code == 401
    assert opened == []
    huge = {"dataset": DATASET, "fields": ["period"], "purpose": "x" * (2 * 1024 * 1024)}
    response = platform.client.post("/api/v1/requests", json=huge)
    assert response.status_code == 413, response.status_code


def test_defect_7_a_newer_grant_does_not_silently_replace_an_earlier_one(
    platform: Platform,
) -> None:
    first = _grant(platform, SWJ, ["period", "amount"])
    second = _grant(platform, SWJ, ["period"])
    assert first["id"] != second["id"]
    response = platform.client.get(DATA, headers=platform.headers(SWJ), params={"limit": 1})
    assert response.status_code == 409, response.text[:300]  # name the grant to read through
    assert response.json()["code"] == "grant.ambiguous"


def test_defect_7_auditors_list_what_they_can_open_and_405_says_allow(
    platform: Platform,
) -> None:
    listed = platform.client.get("/api/v1/requests", headers=platform.headers("dsj-audit"))
    assert listed.status_code == 200 and listed.json() != []
    wrong = platform.client.put("/api/v1/requests", headers=platform.headers(SWJ), json={})
    assert wrong.status_code == 405 and "POST" in wrong.headers.get("allow", "")
