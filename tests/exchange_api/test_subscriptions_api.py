"""The subscription API over HTTP: created through a grant with mode ``subscribe``, targets that
cannot escape their drop folder or reach an internal host, another department's subscriptions
hidden, cancellation and the delivered file decided and audited."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import socket
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog import subscription_targets
from catalog.models import AuditEvent
from exchange_api.demo import DATASET
from lakehouse.connection import connect
from lakehouse.subscriptions import deliver_pending
from tests.exchange_api.conftest import Platform

SWJ, GAJ, OWNER = "swj-exchange", "gaj-exchange", "rsj-exchange"
FIELDS = ["citizen_id", "person_name", "period", "amount", "region"]


def _grant(platform: Platform, modes: list[str], account: str = SWJ) -> int:
    client = platform.client
    filed = client.post(
        "/api/v1/requests",
        headers=platform.headers(account),
        json={
            "dataset": DATASET,
            "fields": FIELDS,
            "purpose": "社保缴费按月同步",
            "access_modes": modes,
        },
    )
    assert filed.status_code == 201, filed.text
    approved = client.post(
        f"/api/v1/requests/{filed.json()['id']}/approve",
        headers=platform.headers(OWNER),
        json={"reason": "同意"},
    )
    assert approved.status_code == 200, approved.text
    return int(approved.json()["grant"]["id"])


@pytest.fixture(scope="module")
def grant_id(platform: Platform) -> int:
    return _grant(platform, ["query", "subscribe"])


def _subscribe(platform: Platform, grant: int, target: str, kind: str = "folder", **extra: str):  # type: ignore[no-untyped-def]
    return platform.client.post(
        "/api/v1/subscriptions",
        headers=platform.headers(extra.pop("account", SWJ)),
        json={"grant_id": grant, "kind": kind, "target": target, **extra},
    )


def _deliver(platform: Platform) -> None:
    with platform.sessions() as session, connect(platform.settings) as con:
        deliver_pending(session, con, platform.settings)


def _audited(platform: Platform, action: str) -> list[AuditEvent]:
    with platform.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_subscribe_deliver_and_fetch_the_file(platform: Platform, grant_id: int) -> None:
    created = _subscribe(platform, grant_id, "月报")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"] is None and body["dataset"] == DATASET
    assert body["department"] == "330100SWJ"
    _deliver(platform)
    one = platform.client.get(f"/api/v1/subscriptions/{body['id']}", headers=platform.headers(SWJ))
    assert one.status_code == 200, one.text
    (delivery,) = one.json()["deliveries"]
    assert delivery["status"] == "delivered"
    (entry,) = delivery["manifest"]["files"]
    url = f"/api/v1/subscriptions/{body['id']}/deliveries/{delivery['id']}/file"
    fetched = platform.client.get(url, headers=platform.headers(SWJ))
    assert fetched.status_code == 200, fetched.text
    assert hashlib.sha256(fetched.content).hexdigest() == entry["sha256"]
    assert fetched.headers["X-Content-SHA256"] == entry["sha256"]
    assert fetched.headers["content-type"] == "application/vnd.apache.parquet"
    (event,) = [
        e
        for e in _audited(platform, "subscription.file_fetched")
        if e.detail["delivery_id"] == delivery["id"]
    ]
    assert event.detail["content_sha256"] == entry["sha256"]
    # hostile: another department, an auditor, the owner: none gets the rows
    assert platform.client.get(url, headers=platform.headers(GAJ)).status_code == 404
    audit = platform.client.get(url, headers=platform.headers("dsj-audit"))
    assert (audit.status_code, audit.json()["code"]) == (403, "subscription.not_grantee")
    assert platform.client.get(url, headers=platform.headers(OWNER)).status_code == 404
    # a delivery id of another subscription is not found through this one
    other = _subscribe(platform, grant_id, "别处").json()
    _deliver(platform)
    assert (
        platform.client.get(
            f"/api/v1/subscriptions/{other['id']}/deliveries/{delivery['id']}/file",
            headers=platform.headers(SWJ),
        ).status_code
        == 404
    )
    # a file changed on disk is never handed over
    drop = platform.settings.resolved_drop_root / "330100SWJ" / "月报" / DATASET
    part = drop / str(delivery["snapshot_id"]) / entry["name"]
    part.write_bytes(part.read_bytes() + b"x")
    changed = platform.client.get(url, headers=platform.headers(SWJ))
    assert (changed.status_code, changed.json()["code"]) == (409, "delivery.file_changed")


def test_a_webhook_secret_is_shown_once(platform: Platform, grant_id: int) -> None:
    created = _subscribe(platform, grant_id, "http://127.0.0.1:9/hook", kind="webhook")
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    assert isinstance(secret, str) and len(secret) == 64
    again = platform.client.get(
        f"/api/v1/subscriptions/{created.json()['id']}", headers=platform.headers(SWJ)
    )
    assert secret not in again.text
    listed = platform.client.get("/api/v1/subscriptions", headers=platform.headers(SWJ))
    assert secret not in listed.text
    platform.client.delete(  # stop it: nothing listens on port 9
        f"/api/v1/subscriptions/{created.json()['id']}", headers=platform.headers(SWJ)
    )


def test_a_grant_without_the_mode_cannot_subscribe(platform: Platform) -> None:
    query_only = _grant(platform, ["query"])
    refused = _subscribe(platform, query_only, "无权")
    assert (refused.status_code, refused.json()["code"]) == (403, "grant.mode_not_allowed")


def test_another_departments_grant_is_not_found(platform: Platform, grant_id: int) -> None:
    refused = _subscribe(platform, grant_id, "偷", account=GAJ)
    assert (refused.status_code, refused.json()["code"]) == (404, "grant.not_found")
    owner = _subscribe(platform, grant_id, "x", account=OWNER)
    assert (owner.status_code, owner.json()["code"]) == (403, "subscription.not_grantee")


@pytest.mark.parametrize(
    "target",
    [
        "../330100GAJ",
        "a/../../330100GAJ",
        "..",
        ".",
        "/etc",
        "/tmp/zhongtai",
        "~/x",
        "a//b",
        "a\\..\\b",
        "C:\\drop",
        "a/./b",
        "x" * 101,
    ],
)
def test_folder_targets_cannot_leave_the_department_folder(
    platform: Platform, grant_id: int, target: str
) -> None:
    refused = _subscribe(platform, grant_id, target)
    assert (refused.status_code, refused.json()["code"]) == (422, "subscription.bad_target")


def test_a_symlink_out_of_the_drop_folder_is_refused(
    platform: Platform, grant_id: int, tmp_path: Path
) -> None:
    home = platform.settings.resolved_drop_root / "330100SWJ"
    home.mkdir(parents=True, exist_ok=True)
    (platform.settings.resolved_drop_root / "330100GAJ").mkdir(parents=True, exist_ok=True)
    os.symlink(platform.settings.resolved_drop_root / "330100GAJ", home / "to-gaj")
    os.symlink(tmp_path, home / "to-tmp")
    for target in ("to-gaj", "to-gaj/inbox", "to-tmp"):
        refused = _subscribe(platform, grant_id, target)
        assert (refused.status_code, refused.json()["code"]) == (422, "subscription.bad_target")


def _offline_resolver(host: str, port: int) -> list[str]:
    """Address literals as themselves, example.com at its public address, nothing else."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        if host == "example.com":
            return ["93.184.215.14"]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",  # plain http to a host nobody allowed
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://10.0.0.8/hook",
        "https://192.168.1.1/hook",
        "https://[::ffff:10.0.0.8]/hook",
        "https://[fd00::1]/hook",
        "https://0.0.0.0/hook",
        "http://user:pw@127.0.0.1/hook",
        "ftp://127.0.0.1/hook",
        "file:///etc/passwd",
        "https:///nohost",
        "https://no-such-host.invalid/hook",
    ],
)
def test_webhooks_cannot_reach_internal_or_unallowed_hosts(
    platform: Platform, grant_id: int, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DNS as an air-gapped network answers it: the suite makes no lookup past loopback
    monkeypatch.setattr(subscription_targets, "_system_resolver", _offline_resolver)
    refused = _subscribe(platform, grant_id, url, kind="webhook")
    assert (refused.status_code, refused.json()["code"]) == (422, "subscription.bad_target")


def test_viewing_and_cancelling(platform: Platform, grant_id: int) -> None:
    sub = _subscribe(platform, grant_id, "取消").json()
    url = f"/api/v1/subscriptions/{sub['id']}"
    for account in (GAJ, OWNER):  # hidden: another department, even the dataset's owner
        assert platform.client.get(url, headers=platform.headers(account)).status_code == 404
        gone = platform.client.delete(url, headers=platform.headers(account))
        assert (gone.status_code, gone.json()["code"]) == (404, "subscription.not_found")
        listed = platform.client.get("/api/v1/subscriptions", headers=platform.headers(account))
        assert sub["id"] not in [s["id"] for s in listed.json()]
    assert platform.client.get(url, headers=platform.headers("dsj-audit")).status_code == 200
    audit = platform.client.delete(url, headers=platform.headers("dsj-audit"))
    assert (audit.status_code, audit.json()["code"]) == (403, "subscription.not_requester")
    cancelled = platform.client.delete(
        url, params={"reason": "不再需要"}, headers=platform.headers(SWJ)
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["cancelled_at"] and cancelled.json()["cancel_reason"] == "不再需要"
    again = platform.client.delete(url, headers=platform.headers(SWJ))
    assert (again.status_code, again.json()["code"]) == (409, "subscription.already_cancelled")
    refused = [e.detail for e in _audited(platform, "access.refused")]
    assert {"act": "subscription.cancel", "resource": f"subscription:{sub['id']}"}.items() <= (
        refused[-1].items()
    )
    assert [e.detail["subscription_id"] for e in _audited(platform, "subscription.cancelled")]
    # once cancelled, nothing more is claimed for it
    _deliver(platform)
    one = platform.client.get(url, headers=platform.headers(SWJ)).json()
    assert one["deliveries"] == []


def test_a_revoked_grant_stops_fetching(platform: Platform) -> None:
    grant = _grant(platform, ["subscribe"])
    sub = _subscribe(platform, grant, "收回").json()
    _deliver(platform)
    (delivery,) = platform.client.get(
        f"/api/v1/subscriptions/{sub['id']}", headers=platform.headers(SWJ)
    ).json()["deliveries"]
    revoked = platform.client.post(
        f"/api/v1/grants/{grant}/revoke", headers=platform.headers(OWNER), json={"reason": "停"}
    )
    assert revoked.status_code == 200
    url = f"/api/v1/subscriptions/{sub['id']}/deliveries/{delivery['id']}/file"
    refused = platform.client.get(url, headers=platform.headers(SWJ))
    assert (refused.status_code, refused.json()["code"]) == (403, "grant.revoked")


def test_an_unreachable_webhook_waits_for_its_next_attempt(
    platform: Platform, grant_id: int
) -> None:
    sub = _subscribe(platform, grant_id, "http://127.0.0.1:9/closed", kind="webhook").json()
    _deliver(platform)
    url = f"/api/v1/subscriptions/{sub['id']}"
    (delivery,) = platform.client.get(url, headers=platform.headers(SWJ)).json()["deliveries"]
    assert delivery["status"] == "pending" and delivery["attempts"] == 1
    assert delivery["last_error"].startswith("webhook.unreachable")
    assert delivery["manifest"] is None and delivery["next_attempt_at"]
    _deliver(platform)  # not due yet: nothing tried again
    (again,) = platform.client.get(url, headers=platform.headers(SWJ)).json()["deliveries"]
    assert again["attempts"] == 1
    platform.client.delete(url, headers=platform.headers(SWJ))
