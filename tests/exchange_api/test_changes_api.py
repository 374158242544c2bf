"""The ``changes`` mode over HTTP, through the real app, on SQLite- and PostgreSQL-metadata lakes:
what a grantee learns between snapshots, what it never learns, and who is refused."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from sqlalchemy import select

from catalog.models import AuditEvent, Grant
from exchange_api.demo import DATASET
from tests.exchange_api import changes_fixtures
from tests.exchange_api.changes_fixtures import GAJ, RSJ, SWJ, TELL_TALE, Lakehouse, grant

lakehouse = changes_fixtures.lakehouse  # SQLite- and PostgreSQL-metadata lakes

CHANGES = f"/api/v1/datasets/{DATASET}/changes"
SNAPSHOTS = f"/api/v1/datasets/{DATASET}/snapshots"
PROBLEM = "application/problem+json"


def _get(lh: Lakehouse, account: str = SWJ, **params: Any) -> Any:
    params.setdefault("grant_id", lh.grant_id)
    return lh.client.get(CHANGES, headers=lh.headers(account), params=params)


def _masked(cid: str) -> str:
    return cid[:6] + "****" + cid[-4:]


def _events(lh: Lakehouse, action: str) -> list[AuditEvent]:
    with lh.platform.sessions() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(session.scalars(query))


def _problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text[:400]
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == code


def test_snapshots_are_listed_for_the_owner_and_a_grantee(lakehouse: Lakehouse) -> None:
    lh = lakehouse
    owner = lh.client.get(SNAPSHOTS, headers=lh.headers(RSJ))
    assert owner.status_code == 200, owner.text
    listed = owner.json()
    assert [s["snapshot_id"] for s in listed] == [lh.first, lh.second, lh.edits]
    assert [s["current"] for s in listed] == [False, False, True]
    assert listed[0]["row_count"] > 0 and listed[0]["published_at"]
    grantee = lh.client.get(SNAPSHOTS, headers=lh.headers(SWJ), params={"grant_id": lh.grant_id})
    assert grantee.status_code == 200, grantee.text
    assert [s["snapshot_id"] for s in grantee.json()] == [lh.first, lh.second, lh.edits]
    # Its grant keeps one county: the dataset's row totals are not its to learn.
    assert {s["row_count"] for s in grantee.json()} == {None}
    _problem(lh.client.get(SNAPSHOTS, headers=lh.headers(GAJ)), 403, "grant.missing")
    _problem(
        lh.client.get(SNAPSHOTS, headers=lh.headers("dsj-audit")), 403, "role.requester_required"
    )


def test_changes_between_two_batches_are_masked_filtered_charged_and_audited(
    lakehouse: Lakehouse,
) -> None:
    lh = lakehouse
    with lh.platform.sessions() as session:
        used = session.get(Grant, lh.grant_id).rows_used  # type: ignore[union-attr]
    response = _get(lh, from_snapshot=lh.first, to_snapshot=lh.second)
    assert response.status_code == 200, response.text
    page = response.json()
    assert (page["from_snapshot"], page["to_snapshot"]) == (lh.first, lh.second)
    assert page["row_count"] == len(page["changes"]) > 0
    assert page["counts"] == {"added": page["row_count"], "changed": 0, "removed": 0}
    for change in page["changes"]:
        assert change["change"] == "added" and change["snapshot_id"] == lh.second
        assert change["row"]["region"] == lh.region
        assert re.fullmatch(r"\d{6}\*{4}[\dX]{4}", change["row"]["citizen_id"])
        assert re.fullmatch(r"[0-9a-f]{64}", change["row_ref"])
    assert {c["name"] for c in page["columns"] if c["masked"]} == {"citizen_id", "person_name"}
    digest = hashlib.sha256(response.content).hexdigest()
    assert response.headers["X-Content-SHA256"] == digest
    event = _events(lh, "data.changes_read")[-1]
    assert str(event.id) == response.headers["X-Zhongtai-Audit-Event"]
    assert event.grant_id == lh.grant_id
    assert event.detail["content_sha256"] == digest
    assert event.detail["mode"] == "changes"
    assert (event.detail["from_snapshot"], event.detail["to_snapshot"]) == (lh.first, lh.second)
    assert event.detail["added"] == page["row_count"]
    assert event.detail["filters"][0] == {"field": "region", "op": "eq", "value": lh.region}
    with lh.platform.sessions() as session:
        after = session.get(Grant, lh.grant_id).rows_used  # type: ignore[union-attr]
    assert after == used + page["row_count"]


def test_a_row_leaving_the_grants_region_is_removed_never_shown_as_it_became(
    lakehouse: Lakehouse,
) -> None:
    lh = lakehouse
    response = _get(lh, from_snapshot=lh.second, to_snapshot=lh.edits)
    assert response.status_code == 200, response.text
    seen = {(c["change"], c["row"]["citizen_id"]): c["row"] for c in response.json()["changes"]}
    cid = {k: _masked(v["citizen_id"]) for k, v in lh.edited.items()}
    assert set(seen) == {
        ("changed", cid["stay"]),
        ("removed", cid["leave"]),
        ("added", cid["enter"]),
    }
    assert seen[("changed", cid["stay"])]["amount"] == "1500.00"
    left = seen[("removed", cid["leave"])]
    assert left["region"] == lh.region
    assert left["amount"] == str(lh.edited["leave"]["amount"])
    assert seen[("added", cid["enter"])]["region"] == lh.region
    assert str(TELL_TALE) not in response.text
    # The owner sees every edit, the hidden ones too, unmasked.
    owner = lh.client.get(
        CHANGES,
        headers=lh.headers(RSJ),
        params={"from_snapshot": lh.second, "to_snapshot": lh.edits},
    )
    assert owner.status_code == 200, owner.text
    assert owner.json()["counts"] == {"added": 0, "changed": 5, "removed": 0}
    assert str(TELL_TALE) in owner.text


def test_masked_fields_cannot_be_used_to_filter_changes(lakehouse: Lakehouse) -> None:
    lh = lakehouse
    cid = lh.edited["stay"]["citizen_id"]
    for probe in (
        {"field": "citizen_id", "op": "eq", "value": cid},
        {"field": "citizen_id", "op": "prefix", "value": cid[:8]},
        {"field": "person_name", "op": "ge", "value": "王"},
    ):
        response = lh.client.post(
            CHANGES,
            headers=lh.headers(SWJ),
            json={"from_snapshot": lh.first, "grant_id": lh.grant_id, "filters": [probe]},
        )
        _problem(response, 403, "field.masked")
    narrowed = lh.client.post(
        CHANGES,
        headers=lh.headers(SWJ),
        json={
            "from_snapshot": lh.second,
            "to_snapshot": lh.edits,
            "grant_id": lh.grant_id,
            "fields": ["citizen_id", "amount"],
            "filters": [{"field": "amount", "op": "ge", "value": 0}],
        },
    )
    assert narrowed.status_code == 200, narrowed.text
    got = narrowed.json()["changes"]
    assert sorted(c["change"] for c in got) == ["added", "changed", "removed"]
    assert all(set(c["row"]) == {"citizen_id", "amount"} for c in got)


def test_who_is_refused(lakehouse: Lakehouse) -> None:
    lh = lakehouse
    before = len(_events(lh, "data.read_refused"))
    # A grant without the changes mode.
    query_only = grant(lh.platform, GAJ, ["query"])
    _problem(
        _get(lh, GAJ, from_snapshot=lh.first, grant_id=query_only), 403, "grant.mode_not_allowed"
    )
    # Another department's grant.
    _problem(_get(lh, GAJ, from_snapshot=lh.first, grant_id=lh.grant_id), 403, "grant.missing")
    # A revoked grant.
    revoked = grant(lh.platform, GAJ, ["changes"])
    done = lh.client.post(
        f"/api/v1/grants/{revoked}/revoke", headers=lh.headers(RSJ), json={"reason": "到期"}
    )
    assert done.status_code == 200, done.text
    _problem(_get(lh, GAJ, from_snapshot=lh.first, grant_id=revoked), 403, "grant.revoked")
    # No token at all.
    assert lh.client.get(CHANGES, params={"from_snapshot": lh.first}).status_code == 401
    assert len(_events(lh, "data.read_refused")) == before + 3


def test_quota_and_expiry_bound_the_changes(lakehouse: Lakehouse) -> None:
    lh = lakehouse
    small = grant(lh.platform, GAJ, ["changes"], quota_rows=2)
    first = _get(lh, GAJ, from_snapshot=lh.first, grant_id=small, limit=10)
    assert first.status_code == 200, first.text
    assert first.json()["row_count"] == 2  # clipped to the quota
    _problem(_get(lh, GAJ, from_snapshot=lh.first, grant_id=small), 403, "quota.exceeded")
    later = grant(lh.platform, GAJ, ["changes"])
    with lh.platform.sessions() as session:
        row = session.get(Grant, later)
        assert row is not None
        row.expires_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        session.commit()
    _problem(_get(lh, GAJ, from_snapshot=lh.first, grant_id=later), 403, "grant.expired")


def test_a_match_key_probe_of_the_changes_costs_a_row_even_when_nothing_matches(
    lakehouse: Lakehouse,
) -> None:
    lh = lakehouse
    keyed = grant(lh.platform, GAJ, ["changes"], match_fields=["citizen_id"])
    probe = {"field": "citizen_id", "op": "eq", "value": "110101199001011237"}
    response = lh.client.post(
        CHANGES,
        headers=lh.headers(GAJ),
        json={"from_snapshot": lh.first, "grant_id": keyed, "filters": [probe]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["row_count"] == 0
    with lh.platform.sessions() as session:
        assert session.get(Grant, keyed).rows_used == 1  # type: ignore[union-attr]
    ranged = dict(probe, op="ge")
    refused = lh.client.post(
        CHANGES,
        headers=lh.headers(GAJ),
        json={"from_snapshot": lh.first, "grant_id": keyed, "filters": [ranged]},
    )
    _problem(refused, 403, "field.masked")


def test_snapshot_ids_are_checked(lakehouse: Lakehouse) -> None:
    lh = lakehouse
    for params, code in (
        ({"from_snapshot": lh.foreign}, "snapshot.unknown"),  # another dataset's snapshot
        ({"from_snapshot": lh.first, "to_snapshot": lh.foreign}, "snapshot.unknown"),
        ({"from_snapshot": lh.unpublished}, "snapshot.unknown"),  # never published
        ({"from_snapshot": lh.first, "to_snapshot": lh.unpublished}, "snapshot.unknown"),
        ({"from_snapshot": 0}, "snapshot.unknown"),
        ({"from_snapshot": 2**63 - 1}, "snapshot.unknown"),
        ({"from_snapshot": lh.edits}, "snapshot.range_invalid"),  # nothing after the current
        ({"from_snapshot": lh.second, "to_snapshot": lh.first}, "snapshot.range_invalid"),
        ({"from_snapshot": lh.second, "to_snapshot": lh.second}, "snapshot.range_invalid"),
    ):
        _problem(_get(lh, **params), 422, code)
    assert _get(lh, from_snapshot=-1).status_code == 422
    assert _get(lh, from_snapshot=lh.first, limit=10_001).status_code == 422


def _walk(lh: Lakehouse, account: str, **params: Any) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        asked = dict(params, cursor=cursor) if cursor else params
        response = _get(lh, account, **asked)
        assert response.status_code == 200, response.text
        page = response.json()
        changes.extend(page["changes"])
        cursor = page["next"]
        if cursor is None:
            return changes
    raise AssertionError("paging did not end")


def test_changes_page_by_signed_cursor(lakehouse: Lakehouse) -> None:
    lh = lakehouse
    whole = _get(lh, from_snapshot=lh.first, limit=10_000).json()["changes"]
    assert len(whole) >= 5
    assert _walk(lh, SWJ, from_snapshot=lh.first, limit=2) == whole
    first = _get(lh, from_snapshot=lh.first, limit=3).json()
    token = first["next"]
    payload, mac = token.split(".")
    edited = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    for params in (
        {"cursor": f"{edited}.{mac}"},  # edited
        {"cursor": token, "fields": "citizen_id"},  # ok: columns do not move the position
        {"cursor": token, "offset": 3},  # a cursor with an offset
        {"cursor": token, "from_snapshot": lh.second},  # another range
        {"cursor": token, "to_snapshot": lh.second},
    ):
        asked = {"from_snapshot": lh.first, "limit": 3, **params}
        response = _get(lh, **asked)
        if "fields" in params:
            assert response.status_code == 200, response.text
            continue
        _problem(response, 422, "cursor.invalid")
    other_filters = lh.client.post(
        CHANGES,
        headers=lh.headers(SWJ),
        json={
            "from_snapshot": lh.first,
            "grant_id": lh.grant_id,
            "cursor": token,
            "filters": [{"field": "amount", "op": "ge", "value": 0}],
        },
    )
    _problem(other_filters, 422, "cursor.invalid")
    # The owner's read is another read: a grantee's cursor does not continue it.
    owner = lh.client.get(
        CHANGES, headers=lh.headers(RSJ), params={"from_snapshot": lh.first, "cursor": token}
    )
    _problem(owner, 422, "cursor.invalid")
