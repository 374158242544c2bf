"""Reproduce a read (``POST /api/v1/audit/events/{id}/reproduce``), through the real app on SQLite
and PostgreSQL (catalog and lake metadata): every kind of audited read — query pages by keyset
(first and later) and by offset, the owner's read, a portal page, bulk extracts in each format and
encoding, a changes page, an aggregate — replays to the very bytes that were sent, after later
snapshots were published, after the field was re-masked and after the grant was revoked; an
edited copy of a record does not; only auditors may replay, and every replay is audited."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from catalog.audit import verify_chain
from catalog.datasets import get_dataset
from catalog.models import AuditEvent
from exchange_api.demo import DATASET
from lakehouse.connection import connect
from lakehouse.pipeline import run_batch
from lakehouse.replay import replay
from lakehouse.reproduce import recorded_read, server_keys
from lakehouse.samples import write_social_insurance_extract
from lakehouse.serving import ServingLake
from tests.exchange_api.conftest import Platform
from tests.exchange_api.verify_platform import (
    AUDIT,
    BASE,
    RSJ,
    SWJ,
    make_grant,
    platform,
    stored_rows,
)

__all__ = ["platform"]

ADMIN = "dsj-admin"
FIELDS = ["citizen_id", "person_name", "period", "amount", "region"]
MODES = ["query", "bulk", "changes", "aggregate"]
BULK = [
    ("parquet", "utf-8"),
    ("csv", "utf-8"),
    ("csv", "gbk"),
    ("csv", "gb18030"),
    ("arrow", "utf-8"),
]


@dataclasses.dataclass
class Sent:
    """One audited read as the client received it."""

    label: str
    event_id: int
    body: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def _sent(label: str, response: Any) -> Sent:
    assert response.status_code == 200, (label, response.text)
    sent = Sent(label, int(response.headers["x-zhongtai-audit-event"]), response.content)
    assert response.headers["x-content-sha256"] == sent.sha256, label
    return sent


def _reproduce(platform: Platform, event_id: Any, account: str = AUDIT, suffix: str = "") -> Any:
    return platform.client.post(
        f"/api/v1/audit/events/{event_id}/reproduce{suffix}", headers=platform.headers(account)
    )


def _newest(platform: Platform, action: str) -> AuditEvent:
    with platform.sessions() as session:
        row = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
        ).first()
        assert row is not None, action
        session.expunge(row)
        return row


def _publish_month(platform: Platform, month: str, seed: int) -> int:
    inbox = Path(platform.settings.var_dir) / "inbox" / DATASET
    extract = inbox / f"{month}.csv"
    write_social_insurance_extract(extract, rows=40, seed=seed, month=month, defects=False)
    batch = run_batch(platform.settings, DATASET, extract)
    assert batch.status == "published" and batch.snapshot_id is not None, batch
    return batch.snapshot_id


@pytest.fixture(scope="module")
def region(platform: Platform) -> str:
    return Counter(r["region"] for r in stored_rows(platform)).most_common(1)[0][0]


@pytest.fixture(scope="module")
def reads(platform: Platform, region: str) -> list[Sent]:
    """Every kind of read, through a grant with a row filter, then two more snapshots and the
    grant revoked."""
    client = platform.client
    row_filter = [{"field": "region", "op": "eq", "value": region}]
    grant = make_grant(platform, FIELDS, MODES, row_filter=row_filter)
    swj = platform.headers(SWJ)
    first_snapshot = _snapshot(platform)
    body: dict[str, Any] = {"grant_id": grant, "limit": 7, "filters": []}
    first = _sent("query page 1", client.post(f"{BASE}/query", headers=swj, json=body))
    cursor = json.loads(first.body)["next"]
    assert cursor
    reads = [first]
    reads.append(
        _sent(
            "query page 2",
            client.post(f"{BASE}/query", headers=swj, json=dict(body, cursor=cursor)),
        )
    )
    reads.append(
        _sent(
            "data by offset",
            client.get(
                f"{BASE}/data", headers=swj, params={"grant_id": grant, "limit": 5, "offset": 3}
            ),
        )
    )
    reads.append(
        _sent(
            "owner", client.get(f"{BASE}/data", headers=platform.headers(RSJ), params={"limit": 20})
        )
    )
    for fmt, encoding in BULK:
        params = {"grant_id": grant, "format": fmt, "encoding": encoding}
        reads.append(
            _sent(f"bulk {fmt} {encoding}", client.get(f"{BASE}/bulk", headers=swj, params=params))
        )
    clipped = make_grant(platform, FIELDS, ["bulk"], quota=50)
    params = {"grant_id": clipped, "format": "csv", "encoding": "gbk"}
    reads.append(_sent("clipped csv gbk", client.get(f"{BASE}/bulk", headers=swj, params=params)))
    assert reads[-1].body.count(b"\n") == 51  # a header and the 50 rows the quota left
    aggregate = {
        "grant_id": grant,
        "group_by": ["period"],
        "measures": [{"fn": "count"}, {"fn": "sum", "field": "amount"}],
    }
    reads.append(_sent("aggregate", client.post(f"{BASE}/aggregate", headers=swj, json=aggregate)))
    portal = client.get(f"/portal/grants/{grant}/data", headers=platform.cookie_headers(SWJ))
    assert portal.status_code == 200, portal.text
    event = _newest(platform, "data.read")
    reads.append(Sent("portal page", event.id, b""))  # its record hashes the page's JSON
    second_snapshot = _publish_month(platform, "2026-11", 11)
    changes = {"grant_id": grant, "from_snapshot": first_snapshot, "limit": 10}
    reads.append(_sent("changes", client.get(f"{BASE}/changes", headers=swj, params=changes)))
    assert second_snapshot > first_snapshot
    revoked = client.post(
        f"/api/v1/grants/{grant}/revoke", headers=platform.headers(RSJ), json={"reason": "到期收回"}
    )
    assert revoked.status_code == 200, revoked.text
    assert client.post(f"{BASE}/query", headers=swj, json=body).json()["code"] == "grant.revoked"
    _publish_month(platform, "2026-12", 12)
    return reads


def _snapshot(platform: Platform) -> int:
    with platform.sessions() as session:
        snapshot = get_dataset(session, DATASET).current_snapshot_id
    assert snapshot is not None
    return snapshot


def test_every_kind_of_read_replays_to_the_bytes_sent(
    platform: Platform, reads: list[Sent]
) -> None:
    assert _snapshot(platform) > 2  # two snapshots were published after the reads
    for sent in reads:
        response = _reproduce(platform, sent.event_id)
        assert response.status_code == 200, (sent.label, response.text)
        result = response.json()
        assert result["verdict"] == "match" and result["match"], (sent.label, result)
        assert result["replayed"] == result["recorded"], sent.label
        assert result["event_intact"] and result["event_id"] == sent.event_id
        if sent.body:
            assert result["recorded"]["sha256"] == sent.sha256, sent.label
            assert result["recorded"]["bytes"] == len(sent.body), sent.label
        audited = _newest(platform, "audit.read_reproduced")
        assert audited.id == result["audit_event"]
        assert audited.detail["event_id"] == sent.event_id
        assert audited.detail["verdict"] == "match"
        assert audited.detail["replayed_sha256"] == result["recorded"]["sha256"]
        assert audited.detail["resource"] == f"event:{sent.event_id}"
        assert audited.content_sha256 == "" and audited.bytes_sent == 0  # only the verdict


def test_the_content_is_exactly_what_the_department_received(
    platform: Platform, reads: list[Sent]
) -> None:
    for sent in reads:
        if not sent.body:
            continue
        response = _reproduce(platform, sent.event_id, suffix="/content")
        assert response.status_code == 200, (sent.label, response.text)
        assert response.content == sent.body, sent.label
        assert response.headers["x-zhongtai-verdict"] == "match"
        assert response.headers["x-content-sha256"] == sent.sha256
        audited = _newest(platform, "audit.read_reproduced")  # the auditor was sent the bytes
        assert audited.id == int(response.headers["x-zhongtai-audit-event"])
        assert (audited.content_sha256, audited.bytes_sent) == (sent.sha256, len(sent.body))
    spool = Path(platform.settings.var_dir) / "spool" / "reproduce"
    assert not list(spool.iterdir())  # the replayed extracts were removed after sending


def test_a_replay_uses_the_masks_recorded_not_todays(platform: Platform) -> None:
    """The field was ``hash``-masked (keyed by the grant) when read, and is not any more."""
    grant = make_grant(platform, ["person_name", "period"], ["query"])
    with platform.sessions() as session:
        [field] = [f for f in get_dataset(session, DATASET).fields if f.name == "person_name"]
        original, field.mask = field.mask, "hash"
        session.commit()
    try:
        body = {"grant_id": grant, "limit": 9}
        sent = _sent(
            "hashed",
            platform.client.post(f"{BASE}/query", headers=platform.headers(SWJ), json=body),
        )
    finally:
        with platform.sessions() as session:
            [field] = [f for f in get_dataset(session, DATASET).fields if f.name == "person_name"]
            field.mask = original
            session.commit()
    response = _reproduce(platform, sent.event_id)
    assert response.json()["verdict"] == "match", response.text
    assert _reproduce(platform, sent.event_id, suffix="/content").content == sent.body


def _edited(row: AuditEvent, **detail: Any) -> Any:
    recorded = recorded_read(row)
    return dataclasses.replace(recorded, detail={**recorded.detail, **detail})


def test_an_edited_copy_of_a_record_does_not_match(platform: Platform, reads: list[Sent]) -> None:
    page = next(s for s in reads if s.label == "query page 1")
    bulk = next(s for s in reads if s.label == "clipped csv gbk")
    unordered = next(s for s in reads if s.label == "bulk csv gbk")
    with platform.sessions() as session, connect(platform.settings) as con:
        rows = {s.label: session.get(AuditEvent, s.event_id) for s in (page, bulk, unordered)}
        keys = server_keys(platform.settings)
        work = Path(platform.settings.var_dir) / "spool" / "test"

        def verdict(copy: Any) -> str:
            return replay(session, con, copy, keys, work=work).verdict

        row = rows["query page 1"]
        assert row is not None and verdict(recorded_read(row)) == "match"
        filters = [dict(f) for f in row.detail["filters"]]
        filters[0]["value"] = "110101"  # another county than the grant's
        assert verdict(_edited(row, filters=filters)) == "mismatch"
        assert verdict(_edited(row, content_sha256="0" * 64)) == "mismatch"
        plan = dict(row.detail["plan"])
        plan["columns"] = [dict(c, mask="none") for c in plan["columns"]]  # "it was not masked"
        assert verdict(_edited(row, plan=plan)) == "mismatch"
        assert verdict(_edited(row, plan=dict(row.detail["plan"], limit=8))) == "mismatch"
        bulk_row = rows["clipped csv gbk"]
        assert bulk_row is not None and verdict(recorded_read(bulk_row)) == "match"
        assert bulk_row.detail["ordered"] and not bulk_row.detail["complete"]
        assert verdict(_edited(bulk_row, encoding="utf-8")) == "mismatch"
        assert verdict(_edited(bulk_row, format="parquet")) == "mismatch"
        plan = dict(
            bulk_row.detail["plan"], order_hidden=not bulk_row.detail["plan"]["order_hidden"]
        )
        assert verdict(_edited(bulk_row, plan=plan)) == "mismatch"  # other rows chosen
        # An unclipped extract was written in thread order: a replay that cannot tell its byte
        # order from the record says so ("unordered") — but not for bytes that cannot be a
        # reordering of what was sent (another encoding changes the size).
        loose = rows["bulk csv gbk"]
        assert loose is not None and loose.detail["ordered"] is False
        assert verdict(_edited(loose, content_sha256="0" * 64)) == "unordered"
        assert verdict(_edited(loose, encoding="utf-8")) == "mismatch"
        assert verdict(_edited(loose, row_count=loose.detail["row_count"] + 1)) == "mismatch"
        assert verdict(_edited(bulk_row, snapshot_id=_snapshot(platform))) == "mismatch"
        for broken, code in (
            ({"plan": {"v": 1, "table": DATASET, "columns": "x"}}, "audit.record_invalid"),
            (
                {"plan": dict(row.detail["plan"], table="gaj_household_registration")},
                "audit.record_invalid",
            ),
            ({"filters": [{"field": "x"}]}, "audit.record_invalid"),
            ({"snapshot_id": 10**9}, "audit.snapshot_expired"),
            ({"plan": None}, "audit.not_replayable"),
        ):
            with pytest.raises(Exception) as caught:
                verdict(_edited(row, **broken))
            assert getattr(caught.value, "code", None) == code, broken
        gone = dataclasses.replace(recorded_read(row), dataset_id=10**9)
        with pytest.raises(Exception) as caught:
            verdict(gone)
        assert getattr(caught.value, "code", None) == "audit.dataset_gone"


@pytest.mark.parametrize("account", [SWJ, RSJ, ADMIN])
def test_only_auditors_replay(platform: Platform, reads: list[Sent], account: str) -> None:
    event_id = reads[0].event_id
    response = _reproduce(platform, event_id, account)
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "role.auditor_required"
    refused = _newest(platform, "access.refused")
    assert refused.detail["act"] == "audit.reproduce" and refused.detail["resource"] == "platform"
    content = _reproduce(platform, event_id, account, suffix="/content")
    assert content.status_code == 403 and content.content != reads[0].body


def test_hostile_event_ids_get_clean_problems(platform: Platform, reads: list[Sent]) -> None:
    issued = _newest(platform, "grant.issued").id
    cases: list[tuple[Any, int, str]] = [
        (issued, 409, "audit.not_a_read"),
        (_newest(platform, "data.read_refused").id, 409, "audit.not_a_read"),
        (2**31, 404, "audit.event_not_found"),  # past PostgreSQL's INTEGER: no such event
        (2**63 - 1, 404, "audit.event_not_found"),
        (10**12, 404, "audit.event_not_found"),
        (0, 422, "request.invalid"),
        (-1, 422, "request.invalid"),
        (2**63, 422, "request.invalid"),
        ("1e3", 422, "request.invalid"),
        ("1%00", 422, "request.invalid"),
    ]
    for event_id, status, code in cases:
        for suffix in ("", "/content"):
            response = _reproduce(platform, event_id, suffix=suffix)
            assert response.status_code == status, (event_id, response.text)
            assert response.json()["code"] == code, (event_id, response.text)
    failed = _newest(platform, "audit.read_reproduced")
    assert failed.detail["verdict"] == "unreplayable"
    assert failed.detail["code"] == "audit.event_not_found"
    assert failed.detail["event_id"] == 10**12


def test_a_refused_or_impossible_replay_opens_no_duckdb(
    platform: Platform, reads: list[Sent], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[int] = []
    real = ServingLake.cursor

    def counting(serving: ServingLake) -> Any:
        opened.append(1)
        return real(serving)

    monkeypatch.setattr(ServingLake, "cursor", counting)
    url = f"/api/v1/audit/events/{reads[0].event_id}/reproduce"
    assert platform.client.post(url).status_code == 401
    assert platform.client.post(url, headers={"Authorization": "Bearer zt_nope"}).status_code == 401
    assert _reproduce(platform, reads[0].event_id, SWJ).status_code == 403
    assert _reproduce(platform, _newest(platform, "grant.issued").id).status_code == 409
    assert _reproduce(platform, 10**9).status_code == 404
    assert opened == []
    assert _reproduce(platform, reads[0].event_id).status_code == 200
    assert opened == [1]


def test_a_verification_is_not_replayable(platform: Platform) -> None:
    grant = make_grant(platform, FIELDS, ["verify"], match=["citizen_id"])
    row = stored_rows(platform)[0]
    verified = platform.client.post(
        f"{BASE}/verify",
        headers=platform.headers(SWJ),
        json={
            "grant_id": grant,
            "match_on": ["citizen_id"],
            "compare": ["amount"],
            "records": [{"citizen_id": row["citizen_id"], "amount": str(row["amount"])}],
        },
    )
    assert verified.status_code == 200, verified.text
    response = _reproduce(platform, int(verified.headers["x-zhongtai-audit-event"]))
    assert response.status_code == 409 and response.json()["code"] == "audit.not_replayable"


def test_an_expired_snapshot_cannot_be_replayed(platform: Platform, reads: list[Sent]) -> None:
    """Runs last: it expires the first snapshot from the lake."""
    page = reads[0]
    with platform.sessions() as session:
        row = session.get(AuditEvent, page.event_id)
        assert row is not None
        snapshot = row.detail["snapshot_id"]
    with connect(platform.settings) as con:
        con.execute(f"CALL ducklake_expire_snapshots('lake', versions => [{int(snapshot)}])")
    response = _reproduce(platform, page.event_id)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "audit.snapshot_expired"
    with platform.sessions() as session:
        assert verify_chain(session).ok
