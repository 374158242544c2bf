"""The exchange API over a real catalog, a real DuckLake and the real policy."""

from __future__ import annotations

import hashlib
import hmac
import re

from sqlalchemy import select

from catalog.audit import verify_chain
from catalog.datasets import get_dataset
from catalog.keys import mask_key
from catalog.models import AuditEvent
from exchange_api.demo import DATASET
from tests.exchange_api.conftest import Platform

PROBLEM = "application/problem+json"
FIELDS = ["citizen_id", "person_name", "employer_uscc", "period", "amount", "region"]


def _events(platform: Platform, action: str) -> list[AuditEvent]:
    with platform.sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def _live_grants(platform: Platform, account: str = "swj-exchange") -> list[dict]:
    response = platform.client.get("/api/v1/grants", headers=platform.headers(account))
    assert response.status_code == 200, response.text
    return [g for g in response.json() if g["dataset"] == DATASET and g["revoked_at"] is None]


def _file_and_approve(
    platform: Platform, fields: list[str] = FIELDS, account: str = "swj-exchange"
) -> dict:
    """A grant of ``fields`` to ``account``'s department that replaces (explicitly) the one it
    held before."""
    live = _live_grants(platform, account)
    filed = platform.client.post(
        "/api/v1/requests",
        headers=platform.headers(account),
        json={
            "dataset": DATASET,
            "fields": fields,
            "purpose": "个税汇算核对社保扣除",
            "replaces_grant_id": live[0]["id"] if live else None,
        },
    )
    assert filed.status_code == 201, filed.text
    assert filed.json()["status"] == "pending"
    approved = platform.client.post(
        f"/api/v1/requests/{filed.json()['id']}/approve",
        headers=platform.headers("rsj-exchange"),
        json={"reason": "同意"},
    )
    assert approved.status_code == 200, approved.text
    assert [g["id"] for g in _live_grants(platform, account)] == [approved.json()["grant"]["id"]]
    return approved.json()


def test_listing_needs_a_token(platform: Platform) -> None:
    response = platform.client.get("/api/v1/datasets")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == "auth.missing_token"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_unknown_token_is_401(platform: Platform) -> None:
    response = platform.client.get("/api/v1/datasets", headers={"Authorization": "Bearer zt_nope"})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.invalid_token"


def test_listing_with_a_token(platform: Platform) -> None:
    response = platform.client.get("/api/v1/datasets", headers=platform.headers("swj-exchange"))
    assert response.status_code == 200
    [dataset] = [d for d in response.json() if d["code"] == DATASET]
    assert dataset["share_type_zh"] == "有条件共享"
    assert dataset["owner_department"] == "330100RSJ"
    assert dataset["current_snapshot_id"] == platform.batch.snapshot_id
    assert {f["name"] for f in dataset["fields"]} >= set(FIELDS)


def test_unknown_dataset_is_404_problem(platform: Platform) -> None:
    response = platform.client.get(
        "/api/v1/datasets/nope", headers=platform.headers("swj-exchange")
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == "dataset.not_found"


def test_department_without_grant_gets_403_no_data_and_an_audit_event(platform: Platform) -> None:
    before = len(_events(platform, "data.read_refused"))
    response = platform.client.get(
        f"/api/v1/datasets/{DATASET}/data", headers=platform.headers("gaj-exchange")
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == "grant.missing"
    assert "rows" not in body
    refused = _events(platform, "data.read_refused")
    assert len(refused) == before + 1
    with platform.sessions() as session:
        from catalog.departments import get_department

        gaj = get_department(session, "330100GAJ")
    assert refused[-1].actor_department_id == gaj.id
    assert refused[-1].outcome.value == "refused"


def test_invalid_body_is_422_problem(platform: Platform) -> None:
    response = platform.client.post(
        "/api/v1/requests",
        headers=platform.headers("swj-exchange"),
        json={"dataset": DATASET, "fields": [], "purpose": ""},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"


def test_only_the_owner_may_approve(platform: Platform) -> None:
    filed = platform.client.post(
        "/api/v1/requests",
        headers=platform.headers("gaj-exchange"),
        json={
            "dataset": DATASET,
            "fields": ["period", "amount"],
            "purpose": "案件协查",
        },
    )
    assert filed.status_code == 201
    response = platform.client.post(
        f"/api/v1/requests/{filed.json()['id']}/approve",
        headers=platform.headers("gaj-exchange"),
        json={},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "request.not_owner"


def test_granted_read_is_masked_audited_and_hashed(platform: Platform) -> None:
    approved = _file_and_approve(platform)
    grant_id = approved["grant"]["id"]
    response = platform.client.get(
        f"/api/v1/datasets/{DATASET}/data",
        headers=platform.headers("swj-exchange"),
        params={"limit": 10000},
    )
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["grant_id"] == grant_id
    assert page["row_count"] == platform.batch.rows_published == len(page["rows"])
    assert [c["name"] for c in page["columns"]] == FIELDS
    masked = {c["name"] for c in page["columns"] if c["masked"]}
    assert masked == {"citizen_id", "person_name"}
    for row in page["rows"]:
        assert re.fullmatch(r"\d{6}\*{4}[\dX]{4}", row["citizen_id"]), row
        assert row["person_name"][1:] == "****", row
    digest = hashlib.sha256(response.content).hexdigest()
    assert response.headers["x-content-sha256"] == digest
    [event] = [
        e
        for e in _events(platform, "data.read")
        if e.id == int(response.headers["x-zhongtai-audit-event"])
    ]
    assert event.grant_id == grant_id
    assert event.detail["content_sha256"] == digest
    assert event.detail["row_count"] == page["row_count"]
    assert event.detail["bytes_sent"] == len(response.content)


def test_hash_mask_is_keyed_per_grant(platform: Platform) -> None:
    """Defect 2: the ``hash`` mask is an HMAC under a per-grant server-side key, so nobody can
    enumerate it and two departments cannot join their copies. The mask is changed in the
    catalog row — which the read path follows at once, with no contract file cached."""
    with platform.sessions() as session:
        dataset = get_dataset(session, DATASET)
        [field] = [f for f in dataset.fields if f.name == "person_name"]
        original, field.mask = field.mask, "hash"
        session.commit()
    try:
        params: dict[str, str | int] = {"fields": "person_name", "limit": 10000}
        url = f"/api/v1/datasets/{DATASET}/data"
        owner = platform.client.get(url, headers=platform.headers("rsj-exchange"), params=params)
        names = [r["person_name"] for r in owner.json()["rows"]]
        pages = {}
        for account in ("swj-exchange", "gaj-exchange"):
            grant_id = _file_and_approve(platform, account=account)["grant"]["id"]
            response = platform.client.get(url, headers=platform.headers(account), params=params)
            assert response.status_code == 200, response.text
            pages[grant_id] = [r["person_name"] for r in response.json()["rows"]]
        master = platform.settings.resolved_mask_key.read_bytes()
        for grant_id, shown in pages.items():
            key = mask_key(master, grant_id)
            expected = [hmac.new(key, n.encode(), hashlib.sha256).hexdigest() for n in names]
            assert sorted(shown) == sorted(expected)
            assert not set(shown) & {hashlib.sha256(n.encode()).hexdigest() for n in names}
        first, second = pages.values()
        assert names and not set(first) & set(second)  # two departments cannot join their copies
    finally:
        with platform.sessions() as session:
            dataset = get_dataset(session, DATASET)
            [field] = [f for f in dataset.fields if f.name == "person_name"]
            field.mask = original
            session.commit()


def test_field_outside_the_grant_is_refused(platform: Platform) -> None:
    _file_and_approve(platform, ["period", "amount"])
    response = platform.client.get(
        f"/api/v1/datasets/{DATASET}/data",
        headers=platform.headers("swj-exchange"),
        params={"fields": "employer_name"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "field.not_granted"


def test_filter_values_are_bound_not_pasted(platform: Platform) -> None:
    _file_and_approve(platform)
    response = platform.client.post(
        f"/api/v1/datasets/{DATASET}/query",
        headers=platform.headers("swj-exchange"),
        json={"filters": [{"field": "region", "op": "eq", "value": "' OR 1=1 --"}]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["row_count"] == 0


def test_audit_chain_verifies_after_all_of_it(platform: Platform) -> None:
    with platform.sessions() as session:
        report = verify_chain(session)
    assert report.ok, report.describe()
    assert report.events_checked >= 5


def test_openapi_is_published(platform: Platform) -> None:
    response = platform.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/datasets/{code}/query" in response.json()["paths"]
