"""POST /api/v1/datasets/{code}/aggregate through the real app, on SQLite and PostgreSQL: small
groups suppressed (only their number sent), masked fields grouped masked and never summed or
filtered, the grant's rows only, quota per group, audited — and a hostile grantee."""

from __future__ import annotations

import hashlib
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from catalog.models import AuditEvent
from tests.exchange_api.conftest import Platform
from tests.exchange_api.verify_platform import (
    BASE,
    GAJ,
    RSJ,
    SWJ,
    make_grant,
    platform,
    stored_rows,
)

__all__ = ["platform"]

FIELDS = ["citizen_id", "person_name", "employer_uscc", "period", "amount", "region"]
COUNT_AND_SUM = [{"fn": "count"}, {"fn": "sum", "field": "amount"}]


@pytest.fixture(scope="module")
def rows(platform: Platform) -> list[dict[str, Any]]:
    return stored_rows(platform)


@pytest.fixture(scope="module")
def grant(platform: Platform) -> int:
    return make_grant(platform, FIELDS, ["aggregate"], match=["citizen_id"])


def _aggregate(platform: Platform, body: dict[str, Any], account: str = SWJ) -> Any:
    return platform.client.post(f"{BASE}/aggregate", headers=platform.headers(account), json=body)


def test_groups_by_employer_with_small_groups_suppressed(
    platform: Platform, grant: int, rows: list[dict[str, Any]]
) -> None:
    body = {"grant_id": grant, "group_by": ["employer_uscc"], "measures": COUNT_AND_SUM}
    response = _aggregate(platform, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    minimum = platform.settings.min_group_size
    sizes = Counter(r["employer_uscc"] for r in rows)
    kept = {k: n for k, n in sizes.items() if n >= minimum}
    assert {g["employer_uscc"]: g["count"] for g in answer["groups"]} == kept
    assert answer["suppressed_groups"] == len(sizes) - len(kept)
    assert answer["min_group_size"] == minimum
    for group in answer["groups"]:
        total = sum(
            Decimal(str(r["amount"])) for r in rows if r["employer_uscc"] == group["employer_uscc"]
        )
        assert Decimal(group["sum_amount"]) == total
    assert hashlib.sha256(response.content).hexdigest() == response.headers["X-Content-SHA256"]


def test_audited_and_charged_by_groups(platform: Platform, grant: int) -> None:
    body = {"grant_id": grant, "group_by": ["period"], "measures": [{"fn": "count"}]}
    response = _aggregate(platform, body)
    assert response.status_code == 200, response.text
    with platform.sessions() as session:
        event = session.get(AuditEvent, int(response.headers["X-Zhongtai-Audit-Event"]))
        assert event is not None and event.action == "data.aggregated"
        assert event.detail["group_count"] == len(response.json()["groups"])
        assert event.detail["content_sha256"] == response.headers["X-Content-SHA256"]
    limited = make_grant(platform, FIELDS, ["aggregate"], account=GAJ, quota=2)
    first = _aggregate(platform, {"grant_id": limited, "measures": [{"fn": "count"}]}, GAJ)
    assert first.status_code == 200, first.text
    per_employer = {
        "grant_id": limited,
        "group_by": ["employer_uscc"],
        "measures": [{"fn": "count"}],
    }
    many = _aggregate(platform, per_employer, GAJ)
    assert many.status_code == 403 and many.json()["code"] == "quota.exceeded"


def test_grouping_by_a_masked_id_suppresses_every_group(platform: Platform, grant: int) -> None:
    body = {"grant_id": grant, "group_by": ["citizen_id"], "measures": COUNT_AND_SUM}
    response = _aggregate(platform, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["groups"] == [] and answer["suppressed_groups"] > 0
    assert answer["group_by"][0]["masked"] is True


def test_a_filter_narrowing_to_one_person_is_suppressed(
    platform: Platform, grant: int, rows: list[dict[str, Any]]
) -> None:
    row = rows[0]
    filters = [
        {"field": "employer_uscc", "op": "eq", "value": row["employer_uscc"]},
        {"field": "amount", "op": "eq", "value": float(row["amount"])},
    ]
    body = {"grant_id": grant, "measures": COUNT_AND_SUM, "filters": filters}
    answer = _aggregate(platform, body).json()
    assert answer["groups"] == [] and answer["suppressed_groups"] == 1
    owner = _aggregate(platform, {k: v for k, v in body.items() if k != "grant_id"}, RSJ).json()
    assert owner["groups"][0]["count"] >= 1 and owner["suppressed_groups"] == 0


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"measures": [{"fn": "sum", "field": "citizen_id"}]}, 403, "field.masked"),
        ({"measures": [{"fn": "sum", "field": "person_name"}]}, 403, "field.masked"),
        ({"measures": [{"fn": "sum", "field": "period"}]}, 403, "aggregate.invalid"),
        ({"measures": [{"fn": "sum"}]}, 403, "aggregate.invalid"),
        ({"measures": []}, 403, "aggregate.invalid"),
        ({"measures": [{"fn": "avg", "field": "amount"}]}, 422, "request.invalid"),
        (
            {"filters": [{"field": "citizen_id", "op": "eq", "value": "330106199001011234"}]},
            403,
            "field.masked",
        ),
        (
            {"filters": [{"field": "person_name", "op": "prefix", "value": "张"}]},
            403,
            "field.masked",
        ),
        ({"group_by": ["employer_name"]}, 403, "field.not_granted"),
        ({"group_by": ["nope"]}, 403, "field.unknown"),
        ({"group_by": ["period", "period"]}, 403, "aggregate.invalid"),
        ({"filters": [{"field": "amount", "op": "eq", "value": "x"}]}, 403, "filter.invalid"),
    ],
)
def test_hostile_aggregates_are_refused(
    platform: Platform, grant: int, changes: dict[str, Any], status: int, code: str
) -> None:
    body = {"grant_id": grant, "group_by": [], "measures": [{"fn": "count"}], **changes}
    response = _aggregate(platform, body)
    assert (response.status_code, response.json()["code"]) == (status, code), response.text


def test_other_department_revoked_and_no_mode(platform: Platform, grant: int) -> None:
    count = {"measures": [{"fn": "count"}]}
    stolen = _aggregate(platform, {"grant_id": grant, **count}, GAJ)
    assert stolen.status_code == 403 and stolen.json()["code"] == "grant.missing"
    verify_only = make_grant(platform, FIELDS, ["verify"], match=["citizen_id"])
    no_mode = _aggregate(platform, {"grant_id": verify_only, **count})
    assert no_mode.status_code == 403 and no_mode.json()["code"] == "grant.mode_not_allowed"
    revoked = make_grant(platform, FIELDS, ["aggregate"])
    platform.client.post(
        f"/api/v1/grants/{revoked}/revoke", headers=platform.headers(RSJ), json={"reason": "测试"}
    )
    gone = _aggregate(platform, {"grant_id": revoked, **count})
    assert gone.status_code == 403 and gone.json()["code"] == "grant.revoked"
    with platform.sessions() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert (last.detail["act"], last.detail["code"]) == ("data.aggregate", "grant.revoked")
