"""Lockout per client address (shared through the catalog), rate limits per account (per worker),
the client address behind a trusted proxy only, and TLS client certificates forwarded by it."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from starlette.requests import Request

from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.peers import client_address, forwarded_certificate_sha256
from exchange_api.rate_limit import TokenBucket, limiter
from tests.exchange_api.identity_fixtures import PROXY, FakeClock, Identity, identity

__all__ = ["identity"]

BAD = {"Authorization": "Bearer zt_guess"}


def test_the_defaults() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.lockout_max_failures, settings.lockout_window_minutes) == (10, 15)
    assert settings.rate_limit_per_minute == 600 and settings.trusted_proxies == ""


def test_repeated_bad_tokens_lock_the_address_out_even_for_a_good_token(
    identity: Identity,
) -> None:
    guesser, neighbour = identity.client("198.51.100.7"), identity.client("198.51.100.8")
    good = identity.headers("swj-exchange")
    for _ in range(3):
        assert guesser.get("/api/v1/datasets", headers=BAD).status_code == 401
    locked = guesser.get("/api/v1/datasets", headers=good)
    assert locked.status_code == 429, locked.text
    assert locked.json()["code"] == "auth.locked"
    assert locked.headers["content-type"].startswith("application/problem+json")
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
    assert guesser.get("/api/v1/datasets", headers=BAD).status_code == 429  # not counted
    assert guesser.get("/api/v1/health").status_code == 200  # no credential, no lockout
    assert neighbour.get("/api/v1/datasets", headers=good).status_code == 200
    first = identity.events("auth.refused")[0].occurred_at
    until = (first + dt.timedelta(minutes=15)).isoformat()
    assert identity.details("auth.lockout_started") == [
        {"client": "198.51.100.7", "failures": 3, "until": until}
    ]
    assert len(identity.events("auth.refused")) == 3

    identity.clock.advance(minutes=15)
    assert guesser.get("/api/v1/datasets", headers=good).status_code == 200


def test_a_second_app_sees_the_same_lockout(identity: Identity) -> None:
    """Several workers share the catalog, so a lockout started in one holds in another."""
    for _ in range(3):
        identity.client("198.51.100.9").get("/api/v1/datasets", headers=BAD)
    other_worker = create_app(identity.settings)
    other_worker.state.clock = identity.clock
    http = TestClient(other_worker, client=("198.51.100.9", 1))
    response = http.get("/api/v1/datasets", headers=identity.headers("swj-exchange"))
    assert response.status_code == 429
    other_worker.state.engine.dispose()


def test_forwarded_for_counts_only_from_a_trusted_proxy(identity: Identity) -> None:
    direct, proxy = identity.client("198.51.100.20"), identity.client(PROXY)
    for n in range(3):  # an untrusted peer inventing a new address per guess gains nothing
        spoofed = {**BAD, "X-Forwarded-For": f"192.0.2.{n}"}
        assert direct.get("/api/v1/datasets", headers=spoofed).status_code == 401
    assert direct.get("/api/v1/datasets", headers=BAD).status_code == 429
    assert {d["client"] for d in identity.details("auth.refused")} == {"198.51.100.20"}

    for _ in range(3):  # behind the proxy, the forwarded address is the one counted
        behind = {**BAD, "X-Forwarded-For": "192.0.2.50"}
        assert proxy.get("/api/v1/datasets", headers=behind).status_code == 401
    good = identity.headers("swj-exchange")
    # the client cannot escape by prepending its own hop: the proxy appends the real one
    forged = {**good, "X-Forwarded-For": "192.0.2.99, 192.0.2.50"}
    assert proxy.get("/api/v1/datasets", headers=forged).status_code == 429
    other = {**good, "X-Forwarded-For": "192.0.2.51"}
    assert proxy.get("/api/v1/datasets", headers=other).status_code == 200


def test_rate_limit_per_account_without_sleeping(identity: Identity) -> None:
    identity.app.state.rate_limiter = TokenBucket(3, clock=identity.clock.monotonic)
    http = identity.client()
    busy, calm = identity.headers("swj-exchange"), identity.headers("gaj-exchange")
    assert [http.get("/api/v1/datasets", headers=busy).status_code for _ in range(3)] == [200] * 3
    limited = http.get("/api/v1/datasets", headers=busy)
    assert limited.status_code == 429 and limited.json()["code"] == "rate.limited"
    assert limited.headers["retry-after"] == "20"  # one request per 20 s at 3 a minute
    assert http.get("/api/v1/datasets", headers=calm).status_code == 200  # per account
    identity.clock.advance(seconds=20)
    assert http.get("/api/v1/datasets", headers=busy).status_code == 200
    assert http.get("/api/v1/datasets", headers=busy).status_code == 429


def test_the_token_bucket_refills_and_caps() -> None:
    clock = FakeClock(now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    bucket = TokenBucket(60, clock=clock.monotonic)
    assert all(bucket.acquire("a") is None for _ in range(60))
    assert bucket.acquire("a") == pytest.approx(1.0)
    clock.advance(hours=1)  # a long quiet spell refills to the burst size, no more
    assert all(bucket.acquire("a") is None for _ in range(60))
    assert bucket.acquire("a") is not None
    assert limiter(0).acquire("a") is None
    with pytest.raises(ValueError):
        TokenBucket(0)


def _certificate() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "330100SWJ exchange")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return pem, cert.fingerprint(hashes.SHA256()).hex()


def test_a_client_certificate_maps_to_its_account_only_through_a_trusted_proxy(
    identity: Identity,
) -> None:
    pem, fingerprint = _certificate()
    created = (
        identity.client()
        .post(
            "/api/v1/accounts",
            headers=identity.headers("dsj-admin"),
            json={
                "department": "330100SWJ",
                "name": "swj-mtls",
                "roles": ["requester"],
                "cert_sha256": ":".join(fingerprint[i : i + 2] for i in range(0, 64, 2)).upper(),
            },
        )
        .json()
    )
    assert created["account"]["cert_sha256"] == fingerprint
    forwarded = {"X-Client-Cert": quote(pem, safe=""), "X-Client-Verify": "SUCCESS"}

    via_proxy = identity.client(PROXY).get("/api/v1/accounts", headers=forwarded)
    assert via_proxy.status_code == 200, via_proxy.text
    assert [a["name"] for a in via_proxy.json()] == ["swj-mtls"]
    # the same headers from anyone but the proxy are ignored: no credential at all
    direct = identity.client("198.51.100.30").get("/api/v1/accounts", headers=forwarded)
    assert direct.status_code == 401 and direct.json()["code"] == "auth.missing_token"
    failed = {**forwarded, "X-Client-Verify": "FAILED:certificate has expired"}
    assert identity.client(PROXY).get("/api/v1/accounts", headers=failed).status_code == 401

    identity.client().post(
        f"/api/v1/accounts/{created['account']['id']}/revoke",
        headers=identity.headers("dsj-admin"),
        json={"reason": "证书吊销"},
    )
    after = identity.client(PROXY).get("/api/v1/accounts", headers=forwarded)
    assert after.status_code == 401 and after.json()["code"] == "auth.invalid_token"
    [refusal] = identity.details("auth.refused")
    assert refusal["credential"] == "certificate" and refusal["reason"] == "auth.token_revoked"


def _request(peer: str, headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "client": (peer, 1), "headers": raw})


def test_client_address_rules() -> None:
    settings = Settings(trusted_proxies="10.0.0.0/8, ::1", _env_file=None)  # type: ignore[call-arg]
    trusted = settings.trusted_proxy_networks
    xff = {"X-Forwarded-For": "192.0.2.1, 10.1.1.1"}
    assert client_address(_request("10.0.0.1", xff), trusted) == "192.0.2.1"
    assert client_address(_request("::1", xff), trusted) == "192.0.2.1"
    assert client_address(_request("192.0.2.200", xff), trusted) == "192.0.2.200"
    assert client_address(_request("10.0.0.1", {}), trusted) == "10.0.0.1"
    assert client_address(_request("10.0.0.1", {"X-Forwarded-For": "10.2.2.2"}), trusted) == (
        "10.2.2.2"
    )
    assert client_address(_request("testclient", xff), trusted) == "testclient"
    garbage = {"X-Client-Cert": "not a certificate", "X-Client-Verify": "SUCCESS"}
    assert forwarded_certificate_sha256(_request("10.0.0.1", garbage), trusted) is None
