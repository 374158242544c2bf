"""``/api/v1/accounts`` and the attacker's view of tokens: revoked, expired and rotated-out tokens
replayed — each a 401 that says no more than ``auth.invalid_token``, each refusal audited with its
real cause, and no response ever carrying a token other than the one just issued."""

from __future__ import annotations

import datetime as dt
from typing import Any

from catalog.tokens import hash_token
from tests.exchange_api.identity_fixtures import Identity, identity

__all__ = ["identity"]


def _never_echoes(identity: Identity, text: str, *extra: str) -> None:
    for token in (*identity.tokens.by_account.values(), *extra):
        assert token not in text and hash_token(token) not in text


def _refused_401(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "auth.invalid_token"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_an_admin_issues_lists_and_the_listing_never_shows_a_token(identity: Identity) -> None:
    http = identity.client()
    created = http.post(
        "/api/v1/accounts",
        headers=identity.headers("dsj-admin"),
        json={"department": "330100SWJ", "name": "李四", "roles": ["requester"], "kind": "person"},
    )
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    token = body["token"]
    account = body["account"]
    assert account["token_prefix"] == token[:8] and "token_hash" not in account
    expires = dt.datetime.fromisoformat(account["expires_at"])
    assert expires - identity.clock.now == dt.timedelta(days=30)  # a person's token
    mine = http.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"})
    assert [a["name"] for a in mine.json()] == ["李四"]  # an account sees itself only

    listing = http.get("/api/v1/accounts", headers=identity.headers("dsj-admin"))
    assert listing.status_code == 200
    assert {a["name"] for a in listing.json()} >= {"dsj-admin", "dsj-audit", "swj-exchange", "李四"}
    _never_echoes(identity, listing.text, token)
    audit = http.get("/api/v1/accounts", headers=identity.headers("dsj-audit"))
    assert len(audit.json()) == len(listing.json())  # auditors see every account
    [issued] = identity.details("account.issued")
    assert issued["name"] == "李四" and issued["kind"] == "person" and not issued["bootstrap"]
    _never_echoes(identity, str(issued), token)


def test_who_may_issue_and_what_may_be_combined(identity: Identity) -> None:
    http = identity.client()
    body = {"department": "330100SWJ", "name": "x", "roles": ["auditor", "admin"]}
    mixed = http.post("/api/v1/accounts", headers=identity.headers("dsj-admin"), json=body)
    assert mixed.status_code == 422 and mixed.json()["code"] == "account.roles_conflict"
    body["roles"] = ["requester"]
    for account in ("swj-exchange", "dsj-audit"):
        refused = http.post("/api/v1/accounts", headers=identity.headers(account), json=body)
        assert refused.status_code == 403 and refused.json()["code"] == "role.admin_required"
    assert len(identity.details("access.refused")) == 2
    admin_id = identity.account_id("dsj-admin")
    hidden = http.get(f"/api/v1/accounts/{admin_id}", headers=identity.headers("swj-exchange"))
    assert hidden.status_code == 404 and hidden.json()["code"] == "account.not_found"
    nowhere = {**body, "department": "NOPE"}
    unknown = http.post("/api/v1/accounts", headers=identity.headers("dsj-admin"), json=nowhere)
    assert unknown.status_code == 404 and unknown.json()["code"] == "department.not_found"


def test_a_revoked_token_replayed_is_refused_and_audited(identity: Identity) -> None:
    http = identity.client()
    target = identity.account_id("gaj-exchange")
    token = identity.tokens.by_account["gaj-exchange"]
    assert http.get("/api/v1/datasets", headers=identity.headers("gaj-exchange")).status_code == 200
    revoked = http.post(
        f"/api/v1/accounts/{target}/revoke",
        headers=identity.headers("dsj-admin"),
        json={"reason": "设备遗失"},
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert revoked.json()["revoke_reason"] == "设备遗失"
    _never_echoes(identity, revoked.text)

    replayed = http.get("/api/v1/datasets", headers=identity.headers("gaj-exchange"))
    _refused_401(replayed)
    _never_echoes(identity, replayed.text)
    unknown = http.get("/api/v1/datasets", headers={"Authorization": "Bearer zt_made-up"})
    _refused_401(unknown)
    assert replayed.json()["detail"] == unknown.json()["detail"]  # nothing tells them apart
    refusals = identity.details("auth.refused")
    assert [(r["reason"], r["account_id"]) for r in refusals] == [
        ("auth.token_revoked", target),
        ("auth.unknown_token", None),
    ]
    assert all(r["client"] == "203.0.113.5" for r in refusals)
    _never_echoes(identity, str(refusals))
    again = http.post(
        f"/api/v1/accounts/{target}/revoke", headers=identity.headers("dsj-admin"), json={}
    )
    assert again.status_code == 422  # a reason is required
    assert token not in again.text


def test_an_expired_token_is_refused_and_audited(identity: Identity) -> None:
    http = identity.client()
    created = http.post(
        "/api/v1/accounts",
        headers=identity.headers("dsj-admin"),
        json={"department": "330100SWJ", "name": "short", "roles": ["requester"], "days": 1},
    ).json()
    bearer = {"Authorization": f"Bearer {created['token']}"}
    assert http.get("/api/v1/datasets", headers=bearer).status_code == 200
    identity.clock.advance(days=1)
    expired = http.get("/api/v1/datasets", headers=bearer)
    _refused_401(expired)
    assert created["token"] not in expired.text
    [refusal] = identity.details("auth.refused")
    assert refusal["reason"] == "auth.token_expired"
    assert refusal["account_id"] == created["account"]["id"]


def test_a_rotated_out_token_stops_at_once(identity: Identity) -> None:
    http = identity.client()
    me = identity.account_id("swj-exchange")
    old = identity.headers("swj-exchange")
    rotated = http.post(f"/api/v1/accounts/{me}/rotate", headers=old, json={"days": 10})
    assert rotated.status_code == 200, rotated.text
    assert rotated.headers["cache-control"] == "no-store"
    new = rotated.json()["token"]
    assert rotated.json()["account"]["token_prefix"] == new[:8]
    _refused_401(http.get("/api/v1/datasets", headers=old))
    fresh = http.get("/api/v1/datasets", headers={"Authorization": f"Bearer {new}"})
    assert fresh.status_code == 200
    [event] = identity.details("account.token_rotated")
    assert event["account_id"] == me and new not in str(event)
    other = identity.account_id("gaj-exchange")
    stranger = http.post(
        f"/api/v1/accounts/{other}/rotate", headers={"Authorization": f"Bearer {new}"}, json={}
    )
    assert stranger.status_code == 404  # another's account is not even there
