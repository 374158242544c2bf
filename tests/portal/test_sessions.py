"""The portal session from the attacker's side: a cookie replayed after sign-out, a forged one, one
outliving its account or token — each refused, each refusal audited; and the login lockout."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.exchange_api.identity_fixtures import Identity, identity

__all__ = ["identity"]

HTML = {"Accept": "text/html"}


def _sign_in(identity: Identity, browser: TestClient, account: str) -> str:
    token = identity.tokens.by_account[account]
    response = browser.post("/portal/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    cookie = browser.cookies.get("zt_session")
    assert cookie and token not in response.headers["set-cookie"]
    return str(cookie)


def _with_cookie(identity: Identity, cookie: str, *, html: bool = False) -> int:
    """A fresh client replaying ``cookie`` on the home page (HTML) or a report page (not)."""
    replay = identity.client("198.51.100.66")
    replay.cookies.set("zt_session", cookie, path="/portal")
    if html:
        return replay.get("/portal/", follow_redirects=False).status_code
    response = replay.get("/portal/quality/1", follow_redirects=False)
    if response.status_code == 401:
        assert response.json()["code"] == "auth.invalid_session"
    return response.status_code


def test_sign_in_opens_a_server_side_session_and_sign_out_ends_it(identity: Identity) -> None:
    browser = identity.client()
    cookie = _sign_in(identity, browser, "rsj-exchange")
    assert browser.get("/portal/").status_code == 200
    assert _with_cookie(identity, cookie, html=True) == 200  # the cookie is all it takes …
    [opened] = identity.details("portal.signed_in")
    assert opened["account_id"] == identity.account_id("rsj-exchange")
    assert opened["client"] == "203.0.113.5"

    out = browser.post("/portal/logout", follow_redirects=False)
    assert out.status_code == 303 and "zt_session" not in browser.cookies
    # … until sign-out: then a copy of it is refused, server-side
    assert _with_cookie(identity, cookie, html=True) == 303
    assert _with_cookie(identity, cookie) == 401
    assert identity.details("portal.signed_out") == [
        {"account_id": opened["account_id"], "session_id": opened["session_id"]}
    ]
    reasons = [r["reason"] for r in identity.details("auth.refused")]
    assert reasons == ["session.revoked", "session.revoked"]


def test_a_forged_cookie_is_refused_and_audited(identity: Identity) -> None:
    cookie = _sign_in(identity, identity.client(), "rsj-exchange")
    session_id, _, signature = cookie.partition(".")
    forged = f"{session_id}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    assert _with_cookie(identity, forged) == 401
    assert _with_cookie(identity, identity.tokens.by_account["rsj-exchange"]) == 401
    redirected = identity.client("198.51.100.67")
    redirected.cookies.set("zt_session", forged, path="/portal")
    sent = redirected.get("/portal/", follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/portal/login")
    assert 'zt_session=""' in sent.headers["set-cookie"]  # the browser is told to forget it
    refusals = identity.details("auth.refused")
    assert [r["reason"] for r in refusals] == ["session.forged"] * 3
    assert all(r["credential"] == "session" and r["account_id"] is None for r in refusals)


def test_revoking_or_rotating_an_account_ends_its_sessions(identity: Identity) -> None:
    admin = identity.headers("dsj-admin")
    steward = _sign_in(identity, identity.client(), "rsj-exchange")
    requester = _sign_in(identity, identity.client(), "swj-exchange")
    api = identity.client()
    rsj, swj = identity.account_id("rsj-exchange"), identity.account_id("swj-exchange")
    revoked = api.post(f"/api/v1/accounts/{rsj}/revoke", headers=admin, json={"reason": "调岗"})
    assert revoked.status_code == 200
    assert api.post(f"/api/v1/accounts/{swj}/rotate", headers=admin, json={}).status_code == 200
    assert _with_cookie(identity, steward) == 401
    assert _with_cookie(identity, requester) == 401
    assert [d["sessions_ended"] for d in identity.details("account.revoked")] == [1]
    assert [d["sessions_ended"] for d in identity.details("account.token_rotated")] == [1]


def test_a_session_expires_after_eight_hours(identity: Identity) -> None:
    browser = identity.client()
    _sign_in(identity, browser, "rsj-exchange")
    identity.clock.advance(hours=7, minutes=59)
    assert browser.get("/portal/", follow_redirects=False).status_code == 200
    identity.clock.advance(minutes=1)
    assert browser.get("/portal/", follow_redirects=False).status_code == 303
    [refusal] = identity.details("auth.refused")
    assert refusal["reason"] == "session.expired"


def test_the_sign_in_form_is_locked_out_too(identity: Identity) -> None:
    browser = identity.client("198.51.100.80")
    for _ in range(3):
        wrong = browser.post("/portal/login", data={"token": "zt_guess"}, follow_redirects=False)
        assert wrong.status_code == 401 and "zt_guess" not in wrong.text
    token = identity.tokens.by_account["rsj-exchange"]
    locked = browser.post("/portal/login", data={"token": token, "lang": "en"})
    assert locked.status_code == 429 and "Too many failed attempts" in locked.text
    assert int(locked.headers["retry-after"]) > 0
    assert token not in locked.text and "set-cookie" not in locked.headers
    assert [r["credential"] for r in identity.details("auth.refused")] == ["token"] * 3
    assert len(identity.details("auth.lockout_started")) == 1
