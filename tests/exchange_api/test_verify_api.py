"""POST /api/v1/datasets/{code}/verify (核验) through the real app, on SQLite and PostgreSQL:
match / not_found / which fields differ and never a stored value, normalised like ingest, the
grant's rows only, quota per record, audited with hashes and no submitted value — and a hostile
grantee probing masked fields."""

from __future__ import annotations

import hashlib
import json
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

FIELDS = ["citizen_id", "person_name", "period", "amount", "region"]


@pytest.fixture(scope="module")
def rows(platform: Platform) -> list[dict[str, Any]]:
    return stored_rows(platform)


@pytest.fixture(scope="module")
def grant(platform: Platform) -> int:
    """税务局's verify grant: citizen_id and person_name are its match keys."""
    return make_grant(platform, FIELDS, ["verify", "query"], match=["citizen_id", "person_name"])


def _verify(
    platform: Platform,
    body: dict[str, Any],
    account: str = SWJ,
) -> Any:
    return platform.client.post(f"{BASE}/verify", headers=platform.headers(account), json=body)


def _body(grant: int | None, records: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "grant_id": grant,
        "match_on": ["citizen_id"],
        "compare": ["person_name"],
        "records": records,
    }
    body.update(changes)
    return body


def _unique(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows whose ID appears once (one person, one name)."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["citizen_id"]] = counts.get(row["citizen_id"], 0) + 1
    return [r for r in rows if counts[r["citizen_id"]] == 1]


def test_match_not_found_and_differs(
    platform: Platform, grant: int, rows: list[dict[str, Any]]
) -> None:
    row, other = _unique(rows)[:2]
    records = [
        {"citizen_id": row["citizen_id"], "person_name": row["person_name"]},
        {"citizen_id": row["citizen_id"], "person_name": other["person_name"]},
        {"citizen_id": "110105194912310029", "person_name": row["person_name"]},
    ]
    response = _verify(platform, _body(grant, records))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert [r["result"] for r in answer["results"]] == ["match", "differs", "not_found"]
    assert answer["results"][1]["differs"] == ["person_name"]
    assert answer["counts"] == {"match": 1, "not_found": 1, "differs": 1}
    # never a stored value: the stored name of the differing record is nowhere in the answer
    assert row["person_name"] not in response.text
    assert hashlib.sha256(response.content).hexdigest() == response.headers["X-Content-SHA256"]


def test_lower_case_x_and_full_width_spaces_match(
    platform: Platform, grant: int, rows: list[dict[str, Any]]
) -> None:
    row = next((r for r in _unique(rows) if r["citizen_id"].endswith("X")), _unique(rows)[0])
    cid = row["citizen_id"]
    records = [
        {"citizen_id": cid.lower(), "person_name": row["person_name"]},
        {"citizen_id": f"\u3000{cid} ", "person_name": f" {row['person_name']}"},
        {
            "citizen_id": "".join(chr(ord(c) + 0xFEE0) for c in cid),
            "person_name": row["person_name"],
        },
    ]
    response = _verify(platform, _body(grant, records))
    assert response.status_code == 200, response.text
    assert [r["result"] for r in response.json()["results"]] == ["match"] * 3


def test_rows_outside_the_grant_filter_look_not_found(
    platform: Platform, rows: list[dict[str, Any]]
) -> None:
    row = _unique(rows)[0]
    region = row["region"]
    narrowed = make_grant(
        platform,
        FIELDS,
        ["verify"],
        account=GAJ,
        match=["citizen_id", "person_name"],
        row_filter=[{"field": "region", "op": "ne", "value": region}],
    )
    record = {"citizen_id": row["citizen_id"], "person_name": row["person_name"]}
    response = _verify(platform, _body(narrowed, [record]), account=GAJ)
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["result"] == "not_found"
    # the owner, without a grant, finds it
    owner = _verify(platform, _body(None, [record]), account=RSJ)
    assert owner.status_code == 200, owner.text
    assert owner.json()["results"][0]["result"] == "match"


def test_audited_with_hashes_and_counts_never_the_values(
    platform: Platform, grant: int, rows: list[dict[str, Any]]
) -> None:
    row = _unique(rows)[0]
    records = [{"citizen_id": row["citizen_id"], "person_name": row["person_name"]}]
    response = _verify(platform, _body(grant, records))
    assert response.status_code == 200, response.text
    event_id = int(response.headers["X-Zhongtai-Audit-Event"])
    with platform.sessions() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.id == event_id)).one()
        assert event.action == "data.verified"
        assert event.grant_id == grant
        detail = event.detail
    text = json.dumps(detail, ensure_ascii=False)
    assert row["citizen_id"] not in text and row["person_name"] not in text
    assert detail["record_count"] == 1 and detail["matched"] == 1
    assert detail["content_sha256"] == response.headers["X-Content-SHA256"]
    canonical = json.dumps(
        {"match_on": ["citizen_id"], "compare": ["person_name"], "records": records},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    assert detail["request_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert detail["masked_fields"] == ["citizen_id", "person_name"]


def test_each_record_costs_one_row_of_quota(platform: Platform, rows: list[dict[str, Any]]) -> None:
    limited = make_grant(
        platform, FIELDS, ["verify"], account=GAJ, match=["citizen_id", "person_name"], quota=5
    )
    records = [{"citizen_id": r["citizen_id"], "person_name": "无此人"} for r in _unique(rows)[:6]]
    too_many = _verify(platform, _body(limited, records), account=GAJ)
    assert too_many.status_code == 403 and too_many.json()["code"] == "quota.exceeded"
    three = _verify(platform, _body(limited, records[:3]), account=GAJ)
    assert three.status_code == 200, three.text  # charged although nothing matched
    three_more = _verify(platform, _body(limited, records[:3]), account=GAJ)
    assert three_more.status_code == 403 and three_more.json()["code"] == "quota.exceeded"
    assert _verify(platform, _body(limited, records[:2]), account=GAJ).status_code == 200
    spent = _verify(platform, _body(limited, records[:1]), account=GAJ)
    assert spent.json()["code"] == "quota.exceeded"


# --- the hostile grantee --------------------------------------------------------------------------

RECORD = {"citizen_id": "110105194912310029", "person_name": "张三"}


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        (
            {"compare": ["employer_name"], "records": [{"citizen_id": "1", "employer_name": "x"}]},
            403,
            "field.not_granted",
        ),
        (
            {"compare": ["no_such"], "records": [{"citizen_id": "1", "no_such": "x"}]},
            403,
            "field.unknown",
        ),
        (
            {"compare": ["citizen_id"], "records": [{"citizen_id": "1"}]},
            403,
            "verify.fields_invalid",
        ),
        ({"match_on": ["citizen_id", "citizen_id"]}, 403, "verify.fields_invalid"),
        ({"compare": []}, 403, "verify.fields_invalid"),
        ({"match_on": []}, 403, "verify.fields_invalid"),
        ({"records": []}, 403, "verify.batch_size"),
        ({"records": [RECORD] * 10_001}, 403, "verify.batch_size"),
        (
            {"records": [{"citizen_id": 110105194912310029, "person_name": "张三"}]},
            422,
            "verify.record_invalid",
        ),
        ({"records": [{"citizen_id": "110105194912310029"}]}, 422, "verify.record_invalid"),
        ({"records": [{**RECORD, "region": "330106"}]}, 422, "verify.record_invalid"),
        ({"records": [{"citizen_id": None, "person_name": "张三"}]}, 422, "request.invalid"),
        ({"records": [{"citizen_id": True, "person_name": "张三"}]}, 422, "request.invalid"),
        ({"records": [{"citizen_id": "1\u0000", "person_name": "张三"}]}, 422, "request.invalid"),
    ],
)
def test_bad_requests_are_clear_problems(
    platform: Platform, grant: int, changes: dict[str, Any], status: int, code: str
) -> None:
    response = _verify(platform, {**_body(grant, [RECORD]), **changes})
    assert (response.status_code, response.json()["code"]) == (status, code), response.text


def test_a_masked_field_that_is_no_match_key_is_refused(platform: Platform) -> None:
    keyed_by_id = make_grant(platform, FIELDS, ["verify"], account=GAJ, match=["citizen_id"])
    response = _verify(platform, _body(keyed_by_id, [RECORD]), account=GAJ)
    assert response.status_code == 403 and response.json()["code"] == "field.masked"
    # comparing an unmasked field is fine under the same grant
    body = _body(keyed_by_id, [{"citizen_id": RECORD["citizen_id"], "period": "2026-10"}])
    body["compare"] = ["period"]
    assert _verify(platform, body, account=GAJ).status_code == 200


def test_no_grant_another_departments_grant_and_no_mode(platform: Platform, grant: int) -> None:
    # 公安局 holds no grant of its own named here: another department's grant id is no grant
    stolen = _verify(platform, _body(grant, [RECORD]), account=GAJ)
    assert stolen.status_code == 403 and stolen.json()["code"] == "grant.missing"
    query_only = make_grant(platform, FIELDS, ["query"], match=["citizen_id", "person_name"])
    no_mode = _verify(platform, _body(query_only, [RECORD]))
    assert no_mode.status_code == 403 and no_mode.json()["code"] == "grant.mode_not_allowed"
    audit = _verify(platform, _body(None, [RECORD]), account="dsj-audit")
    assert audit.status_code == 403 and audit.json()["code"] == "role.requester_required"


def test_a_revoked_grant_verifies_nothing(platform: Platform) -> None:
    revoked = make_grant(platform, FIELDS, ["verify"], match=["citizen_id", "person_name"])
    response = platform.client.post(
        f"/api/v1/grants/{revoked}/revoke", headers=platform.headers(RSJ), json={"reason": "测试"}
    )
    assert response.status_code == 200, response.text
    refused = _verify(platform, _body(revoked, [RECORD]))
    assert refused.status_code == 403 and refused.json()["code"] == "grant.revoked"
    with platform.sessions() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert (last.action, last.detail["act"], last.detail["code"]) == (
            "access.refused",
            "data.verify",
            "grant.revoked",
        )


def test_unauthenticated_and_unknown_dataset(platform: Platform) -> None:
    assert platform.client.post(f"{BASE}/verify", json=_body(None, [RECORD])).status_code == 401
    unknown = platform.client.post(
        "/api/v1/datasets/no_such/verify", headers=platform.headers(SWJ), json=_body(None, [RECORD])
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "dataset.not_found"


def test_an_expired_grant_verifies_nothing(platform: Platform) -> None:
    import datetime as dt

    from catalog.models import Grant

    expired = make_grant(platform, FIELDS, ["verify"], match=["citizen_id", "person_name"])
    with platform.sessions() as session:
        row = session.get(Grant, expired)
        assert row is not None
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.commit()
    refused = _verify(platform, _body(expired, [RECORD]))
    assert refused.status_code == 403 and refused.json()["code"] == "grant.expired"
