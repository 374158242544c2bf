"""The attacker's matrix (issue 8): every account × every act on objects of another department.

Objects: 税务局's pending request and live grant on 人社局's dataset, and 人社局's quality report.
Each cell is the status and stable code the act must get; a refused cell must also leave exactly
one refusal on the audit chain, by that account. Cells an account *may* do that change state are
marked ``ALLOWED`` and left to the workflow tests; allowed reads are called here.
Beyond the matrix: expired and revoked grants, path-traversal and SQL in identifiers and values,
and no response to anyone but the owner ever carries a value the grant masks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from catalog.models import AuditEvent, Grant
from catalog.tokens import hash_token
from exchange_api.demo import DATASET
from tests.exchange_api.conftest import Platform, report_of

SWJ, GAJ, RSJ, AUDIT, ANON = "swj-exchange", "gaj-exchange", "rsj-exchange", "dsj-audit", None
ACCOUNTS = (SWJ, GAJ, RSJ, AUDIT, ANON)
ALLOWED = "allowed"  # changes state: exercised by the workflow tests, not called here
OK = (200, None)


def _headers(platform: Platform, account: str | None) -> dict[str, str]:
    return {} if account is None else platform.headers(account)


def _account_id(platform: Platform, account: str) -> int:
    from catalog.models import Account

    with platform.sessions() as session:
        token = platform.tokens.by_account[account]
        found = session.scalars(select(Account).where(Account.token_hash == hash_token(token)))
        return found.one().id


def _refusals(platform: Platform, account: str) -> int:
    actor = _account_id(platform, account)
    with platform.sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.actor_account_id == actor,
                    AuditEvent.action.in_(("access.refused", "data.read_refused")),
                )
            )
            or 0
        )


@pytest.fixture(scope="module")
def objects(platform: Platform) -> dict[str, int]:
    """税务局's pending request R and live grant G (from an approved request), 人社局's report P."""

    def file(fields: list[str]) -> dict[str, Any]:
        body = {"dataset": DATASET, "fields": fields, "purpose": "矩阵测试"}
        response = platform.client.post(
            "/api/v1/requests", headers=platform.headers(SWJ), json=body
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    granted = file(["citizen_id", "person_name", "period", "amount"])
    approve = platform.client.post(
        f"/api/v1/requests/{granted['id']}/approve", headers=platform.headers(RSJ), json={}
    )
    assert approve.status_code == 200, approve.text
    pending = file(["period"])
    return {
        "R": pending["id"],
        "G": approve.json()["grant"]["id"],
        "P": report_of(platform, platform.batch.batch_id),
    }


#: (method, path template, body) → {account: (status, code) | ALLOWED}
MATRIX: list[tuple[str, str, dict[str, Any] | None, dict[str | None, Any]]] = [
    (
        "GET",
        "/api/v1/requests/{R}",
        None,
        {SWJ: OK, GAJ: (404, "request.not_found"), RSJ: OK, AUDIT: OK},
    ),
    (
        "POST",
        "/api/v1/requests/{R}/approve",
        {},
        {
            SWJ: (403, "request.not_owner"),
            GAJ: (404, "request.not_found"),
            RSJ: ALLOWED,
            AUDIT: (403, "request.not_owner"),
        },
    ),
    (
        "POST",
        "/api/v1/requests/{R}/refuse",
        {"reason": "矩阵"},
        {
            SWJ: (403, "request.not_owner"),
            GAJ: (404, "request.not_found"),
            RSJ: ALLOWED,
            AUDIT: (403, "request.not_owner"),
        },
    ),
    (
        "POST",
        "/api/v1/requests/{R}/withdraw",
        {},
        {
            SWJ: ALLOWED,
            GAJ: (404, "request.not_found"),
            RSJ: (403, "request.not_requester"),
            AUDIT: (403, "request.not_requester"),
        },
    ),
    (
        "POST",
        "/api/v1/requests/{R}/objections",
        {"reason": "矩阵"},
        {
            SWJ: (409, "objection.not_refused"),
            GAJ: (404, "request.not_found"),
            RSJ: (403, "request.not_requester"),
            AUDIT: (403, "request.not_requester"),
        },
    ),
    (
        "GET",
        "/api/v1/grants/{G}",
        None,
        {SWJ: OK, GAJ: (404, "grant.not_found"), RSJ: OK, AUDIT: OK},
    ),
    (
        "POST",
        "/api/v1/grants/{G}/revoke",
        {"reason": "矩阵"},
        {
            SWJ: (403, "grant.not_owner"),
            GAJ: (404, "grant.not_found"),
            RSJ: ALLOWED,
            AUDIT: (403, "grant.not_owner"),
        },
    ),
    (
        "POST",
        "/api/v1/grants/{G}/renew",
        {},
        {
            SWJ: ALLOWED,
            GAJ: (404, "grant.not_found"),
            RSJ: (403, "grant.not_grantee"),
            AUDIT: (403, "grant.not_grantee"),
        },
    ),
    (
        "GET",
        "/api/v1/datasets/" + DATASET + "/data?grant_id={G}&limit=5",
        None,
        {
            SWJ: OK,
            GAJ: (403, "grant.missing"),  # another department's grant id is no grant at all
            RSJ: OK,
            AUDIT: (403, "role.requester_required"),
        },
    ),
    (
        "GET",
        "/api/v1/quality/reports/{P}",
        None,
        {
            SWJ: (403, "report.access_refused"),
            GAJ: (403, "report.access_refused"),
            RSJ: OK,
            AUDIT: OK,
        },
    ),
    (
        "POST",
        "/api/v1/quality/reports/{P}/sign-off",
        {"note": "矩阵"},
        {
            SWJ: (403, "report.not_steward"),
            GAJ: (403, "report.not_steward"),
            RSJ: ALLOWED,
            AUDIT: (403, "report.not_steward"),
        },
    ),
    (
        "GET",
        "/api/v1/audit/verify",
        None,
        {
            SWJ: (403, "role.auditor_required"),
            GAJ: (403, "role.auditor_required"),
            RSJ: (403, "role.auditor_required"),
            AUDIT: OK,
        },
    ),
]

_CELLS = [
    pytest.param(method, path, body, account, cells.get(account), id=f"{method} {path} {account}")
    for method, path, body, cells in MATRIX
    for account in ACCOUNTS
    if cells.get(account) != ALLOWED
]


@pytest.mark.parametrize(("method", "path", "body", "account", "expected"), _CELLS)
def test_matrix(
    platform: Platform,
    objects: dict[str, int],
    method: str,
    path: str,
    body: dict[str, Any] | None,
    account: str | None,
    expected: Any,
) -> None:
    url = path.format(**objects)
    before = _refusals(platform, account) if account else 0
    response = platform.client.request(method, url, headers=_headers(platform, account), json=body)
    if account is None:
        assert response.status_code == 401, response.text
        assert response.json()["code"] == "auth.missing_token"
        return
    status, code = expected
    assert response.status_code == status, response.text
    if code is None:
        assert _refusals(platform, account) == before
        return
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    refused = status in (403, 404)
    assert _refusals(platform, account) == before + (1 if refused else 0)


def test_every_cell_is_decided(objects: dict[str, int]) -> None:
    """Guards the table: every act has a cell for every authenticated account."""
    for method, path, _, cells in MATRIX:
        assert set(cells) == {SWJ, GAJ, RSJ, AUDIT}, (method, path)


def test_expired_and_revoked_grants_refuse(platform: Platform, objects: dict[str, int]) -> None:
    url = f"/api/v1/datasets/{DATASET}/data"
    grant_id = objects["G"]
    with platform.sessions() as session:
        grant = session.get(Grant, grant_id)
        assert grant is not None
        original = grant.expires_at
        grant.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.commit()
    try:
        named = platform.client.get(
            url, headers=platform.headers(SWJ), params={"grant_id": grant_id}
        )
        assert named.status_code == 403 and named.json()["code"] == "grant.expired"
    finally:
        with platform.sessions() as session:
            grant = session.get(Grant, grant_id)
            assert grant is not None
            grant.expires_at = original
            session.commit()


@pytest.mark.parametrize(
    "code",
    [
        "../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "rsj_social_insurance;DROP TABLE x",
        "rsj_social_insurance' OR '1'='1",
        "%00",
        "数据集",
    ],
)
def test_identifiers_never_reach_sql_or_the_file_system(platform: Platform, code: str) -> None:
    response = platform.client.get(f"/api/v1/datasets/{code}/data", headers=platform.headers(SWJ))
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] in ("dataset.not_found", "route.not_found")
    assert "Traceback" not in response.text and "root:" not in response.text


def test_no_response_to_a_grantee_carries_a_masked_value(
    platform: Platform, objects: dict[str, int]
) -> None:
    owner = platform.client.get(
        f"/api/v1/datasets/{DATASET}/data",
        headers=platform.headers(RSJ),
        params={"fields": "citizen_id,person_name", "limit": 10000},
    )
    assert owner.status_code == 200
    secrets = {r["citizen_id"] for r in owner.json()["rows"]} | {
        r["person_name"] for r in owner.json()["rows"] if len(r["person_name"]) > 1
    }
    assert len(secrets) > 100
    seen: list[str] = []
    for account in (SWJ, GAJ, AUDIT):
        headers = platform.headers(account)
        seen.append(
            platform.client.get(
                f"/api/v1/datasets/{DATASET}/data",
                headers=headers,
                params={"grant_id": objects["G"], "limit": 10000},
            ).text
        )
        for body in (
            {
                "grant_id": objects["G"],
                "filters": [{"field": "region", "op": "prefix", "value": "3"}],
            },
            {
                "grant_id": objects["G"],
                "filters": [{"field": "citizen_id", "op": "ge", "value": "1"}],
            },
        ):
            seen.append(
                platform.client.post(
                    f"/api/v1/datasets/{DATASET}/query", headers=headers, json=body
                ).text
            )
        for path in ("/api/v1/requests", "/api/v1/grants", f"/api/v1/datasets/{DATASET}"):
            seen.append(platform.client.get(path, headers=headers).text)
        seen.append(
            platform.client.get(f"/api/v1/quality/reports/{objects['P']}", headers=headers).text
        )
    leaked = {s for s in secrets for text in seen if s in text}
    assert not leaked, sorted(leaked)[:5]
