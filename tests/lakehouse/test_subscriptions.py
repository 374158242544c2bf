"""Subscriptions deliver each new snapshot exactly once, on SQLite and PostgreSQL catalogs and
lakes: files and manifests that match, masks applied in the files, signed webhooks, retries
that never deliver twice, concurrent deliverers, and grants that end."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import shutil
import threading
import uuid
from pathlib import Path

import duckdb
from sqlalchemy import select

from catalog.models import AuditEvent, Department, utcnow
from catalog.subscription_tables import Delivery, DeliveryStatus
from exchange_api.demo import DATASET
from lakehouse.connection import connect
from lakehouse.subscription_files import MANIFEST
from lakehouse.subscriptions import LEASE, Outcome
from tests.lakehouse.subscription_world import Hook, World, hook, world

__all__ = ["hook", "world"]  # fixtures


def _folder(w: World, target: str) -> Path:
    return w.settings.resolved_drop_root / "330100SWJ" / target / DATASET


def _deliveries(w: World, subscription_id: int) -> list[Delivery]:
    with w.sessions() as session:
        rows = list(
            session.scalars(
                select(Delivery)
                .where(Delivery.subscription_id == subscription_id)
                .order_by(Delivery.id)
            )
        )
        session.expunge_all()
        return rows


def _events(w: World, action: str, subscription_id: int) -> list[AuditEvent]:
    with w.sessions() as session:
        rows = [
            e
            for e in session.scalars(select(AuditEvent).where(AuditEvent.action == action))
            if e.detail.get("subscription_id") == subscription_id
        ]
        session.expunge_all()
        return rows


def _current_snapshot(w: World) -> int:
    with connect(w.settings) as con:
        row = con.execute("SELECT max(snapshot_id) FROM lake.snapshots()").fetchone()
    assert row is not None
    return int(row[0])


def test_each_snapshot_is_delivered_once(world: World) -> None:
    target = f"si-{uuid.uuid4().hex[:6]}"
    sub = world.subscribe(world.grant(), "folder", target).subscription
    first = world.deliver(sub.id)
    assert [o.status for o in first] == ["delivered"] and first[0].rows > 0
    assert world.deliver(sub.id) == []  # a re-run after success does nothing
    snapshot = world.publish(rows=30)
    second = world.deliver(sub.id)
    assert [(o.status, o.snapshot_id) for o in second] == [("delivered", snapshot)]
    assert second[0].rows > first[0].rows  # the new snapshot holds the old rows and the new
    assert world.deliver(sub.id) == []
    rows = _deliveries(world, sub.id)
    assert [(d.snapshot_id, d.status) for d in rows] == [
        (first[0].snapshot_id, DeliveryStatus.DELIVERED),
        (snapshot, DeliveryStatus.DELIVERED),
    ]
    events = _events(world, "subscription.delivered", sub.id)
    assert [e.detail["manifest_sha256"] for e in events] == [d.manifest_sha256 for d in rows]
    assert all(e.actor_account_id == sub.created_by_account_id for e in events)
    for delivery in rows:  # both snapshots' folders are complete and their manifests verify
        _check_manifest(_folder(world, target) / str(delivery.snapshot_id), delivery)


def _check_manifest(folder: Path, delivery: Delivery) -> dict[str, object]:
    raw = (folder / MANIFEST).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == delivery.manifest_sha256
    manifest = json.loads(raw)
    assert manifest == delivery.manifest
    total = 0
    for entry in manifest["files"]:
        body = (folder / entry["name"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == entry["sha256"]
        assert len(body) == entry["bytes"]
        path = str(folder / entry["name"])
        counted = duckdb.sql(f"SELECT count(*) FROM '{path}'").fetchone()
        assert counted is not None and counted[0] == entry["rows"]
        total += entry["rows"]
    assert total == manifest["total_rows"]
    assert manifest["snapshot_id"] == delivery.snapshot_id
    assert manifest["delivery_id"] == delivery.id
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    return dict(manifest)


def test_masked_columns_are_masked_in_the_delivered_file(world: World) -> None:
    target = f"mask-{uuid.uuid4().hex[:6]}"
    sub = world.subscribe(world.grant(), "folder", target).subscription
    (done,) = world.deliver(sub.id)
    folder = _folder(world, target) / str(done.snapshot_id)
    manifest = json.loads((folder / MANIFEST).read_bytes())
    assert {"citizen_id", "person_name"} <= set(manifest["masked_columns"])
    assert manifest["columns"] == [
        "citizen_id",
        "person_name",
        "employer_name",
        "period",
        "amount",
        "region",
    ]
    delivered = duckdb.sql(f"SELECT citizen_id, person_name FROM '{folder}/part-0.parquet'")
    ids = {row[0] for row in delivered.fetchall()}
    with connect(world.settings) as con:
        raw = {
            r[0]
            for r in con.execute(
                f"SELECT citizen_id FROM lake.{DATASET} AT (VERSION => ?)", [done.snapshot_id]
            ).fetchall()
        }
    assert len(raw) >= done.rows > 0
    assert ids.isdisjoint(raw)  # not one real ID number left the platform
    assert all("*" in i for i in ids)


def test_csv_format(world: World) -> None:
    target = f"csv-{uuid.uuid4().hex[:6]}"
    sub = world.subscribe(world.grant(), "folder", target, fmt="csv").subscription
    (done,) = world.deliver(sub.id)
    (delivery,) = _deliveries(world, sub.id)
    manifest = _check_manifest(_folder(world, target) / str(done.snapshot_id), delivery)
    assert manifest["format"] == "csv"
    assert manifest["files"] == [{**manifest["files"][0], "name": "part-0.csv"}]  # type: ignore[index]


def test_two_deliverers_at_once_deliver_each_snapshot_once(world: World) -> None:
    target = f"race-{uuid.uuid4().hex[:6]}"
    sub = world.subscribe(world.grant(), "folder", target).subscription
    barrier = threading.Barrier(2)
    results: list[list[Outcome]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(world.deliver(sub.id))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    statuses = sorted(o.status for outcomes in results for o in outcomes)
    assert statuses == ["delivered"]
    assert len(_deliveries(world, sub.id)) == 1
    assert len(_events(world, "subscription.delivered", sub.id)) == 1


def test_a_crashed_claim_is_taken_again_only_after_its_lease(world: World) -> None:
    target = f"crash-{uuid.uuid4().hex[:6]}"
    sub = world.subscribe(world.grant(), "folder", target).subscription
    now = utcnow()
    with world.sessions() as session:  # a deliverer claimed the snapshot, then died
        session.add(
            Delivery(
                subscription_id=sub.id,
                snapshot_id=_current_snapshot(world),
                status=DeliveryStatus.PENDING,
                attempts=1,
                next_attempt_at=now + LEASE,
                created_at=now,
            )
        )
        session.commit()
    assert world.deliver(sub.id, now=now + dt.timedelta(minutes=1)) == []  # still leased
    later = world.deliver(sub.id, now=now + LEASE + dt.timedelta(seconds=1))
    assert [o.status for o in later] == ["delivered"]
    (delivery,) = _deliveries(world, sub.id)
    assert delivery.attempts == 2 and delivery.status is DeliveryStatus.DELIVERED
    assert len(_events(world, "subscription.delivered", sub.id)) == 1


def test_webhook_receives_a_manifest_signed_with_the_secret_shown_once(
    world: World, hook: Hook
) -> None:
    created = world.subscribe(world.grant(), "webhook", hook.url)
    assert created.secret is not None and len(created.secret) == 64
    (done,) = world.deliver(created.subscription.id)
    assert done.status == "delivered"
    ((headers, body),) = hook.received
    expected = hmac.new(created.secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Zhongtai-Signature"], f"sha256={expected}")
    assert int(headers["X-Zhongtai-Timestamp"]) > 0
    manifest = json.loads(body)
    (delivery,) = _deliveries(world, created.subscription.id)
    assert hashlib.sha256(body).hexdigest() == delivery.manifest_sha256
    assert headers["X-Zhongtai-Delivery"] == str(delivery.id) == str(manifest["delivery_id"])
    assert manifest["file_url"].endswith(f"/deliveries/{delivery.id}/file")
    assert world.deliver(created.subscription.id) == [] and len(hook.received) == 1
    with world.sessions() as session:  # the secret is never stored or logged
        details = [json.dumps(e.detail) for e in session.scalars(select(AuditEvent))]
    assert not any(created.secret in d for d in details)


def test_a_failing_webhook_is_retried_then_failed_never_delivered_twice(
    world: World, hook: Hook
) -> None:
    hook.status = 500
    grant_id = world.grant()
    sub = world.subscribe(grant_id, "webhook", hook.url).subscription
    t0 = utcnow()
    assert [o.status for o in world.deliver(sub.id, now=t0, max_attempts=3)] == ["retry"]
    assert world.deliver(sub.id, now=t0 + dt.timedelta(seconds=30), max_attempts=3) == []
    second = world.deliver(sub.id, now=t0 + dt.timedelta(seconds=61), max_attempts=3)
    assert [o.status for o in second] == ["retry"]
    (delivery,) = _deliveries(world, sub.id)
    assert delivery.attempts == 2 and delivery.last_error == "webhook.status_500"
    assert delivery.next_attempt_at > t0 + dt.timedelta(seconds=61 + 119)  # backoff doubled
    third = world.deliver(sub.id, now=t0 + dt.timedelta(minutes=5), max_attempts=3)
    assert [o.status for o in third] == ["failed"]
    assert world.deliver(sub.id, now=t0 + dt.timedelta(hours=2), max_attempts=3) == []
    assert len(hook.received) == 3
    (delivery,) = _deliveries(world, sub.id)
    assert delivery.status is DeliveryStatus.FAILED and delivery.delivered_at is None
    assert _events(world, "subscription.delivered", sub.id) == []
    assert len(_events(world, "subscription.delivery_failed", sub.id)) == 1
    assert world.grant_row(grant_id).rows_used == 0  # nothing delivered, nothing spent


def test_a_revoked_grant_or_a_spent_quota_stops_deliveries_on_the_record(world: World) -> None:
    revoked = world.subscribe(world.grant(), "folder", f"rev-{uuid.uuid4().hex[:6]}").subscription
    quota_grant = world.grant(quota=10)
    quota = world.subscribe(quota_grant, "folder", f"q-{uuid.uuid4().hex[:6]}").subscription
    first = {o.subscription_id: o for o in world.deliver()}  # one run delivers every due one
    assert first[revoked.id].status == "delivered"
    limited = first[quota.id]
    assert (limited.status, limited.rows) == ("delivered", 10)  # clipped to the quota, spent
    assert world.grant_row(quota_grant).rows_used == 10
    world.revoke(revoked.grant_id)
    snapshot = world.publish(rows=20)
    outcomes = world.deliver()
    by_sub = {o.subscription_id: o for o in outcomes}
    assert (by_sub[revoked.id].status, by_sub[revoked.id].error) == ("failed", "grant.revoked")
    assert (by_sub[quota.id].status, by_sub[quota.id].error) == ("failed", "quota.exceeded")
    for sub, code in ((revoked, "grant.revoked"), (quota, "quota.exceeded")):
        last = _deliveries(world, sub.id)[-1]
        assert (last.snapshot_id, last.status, last.last_error) == (
            snapshot,
            DeliveryStatus.FAILED,
            code,
        )
        with world.sessions() as session:
            refused = session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "data.read_refused", AuditEvent.grant_id == sub.grant_id
                )
            ).all()
        assert [e.detail["code"] for e in refused][-1:] == [code]
        assert not (_folder(world, sub.target) / str(snapshot)).exists()
    assert world.deliver(revoked.id) == [] and world.deliver(quota.id) == []


def test_a_folder_turned_into_a_symlink_out_is_refused_at_delivery(
    world: World, tmp_path: Path
) -> None:
    target = f"link-{uuid.uuid4().hex[:6]}"
    sub = world.subscribe(world.grant(), "folder", target).subscription
    with world.sessions() as session:
        code = session.get(Department, sub.department_id).code  # type: ignore[union-attr]
    folder = world.settings.resolved_drop_root / code / target
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(folder)
    folder.symlink_to(outside, target_is_directory=True)  # the grantee points it elsewhere
    (outcome,) = world.deliver(sub.id)
    assert (outcome.status, outcome.error) == ("failed", "subscription.bad_target")
    assert list(outside.iterdir()) == []
    assert _events(world, "subscription.delivered", sub.id) == []
