"""Helpers for the exchange-page tests: a signed-in browser per department (a TestClient holding
its own ``zt_session`` cookie, signed in through the login form), the CSRF token a page carries,
and the audit records a test expects."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.models import AuditEvent, Grant, ShareRequest
from exchange_api.app import create_app
from tests.exchange_api.conftest import Platform

SWJ, GAJ, RSJ, AUDITOR = "swj-exchange", "gaj-exchange", "rsj-exchange", "dsj-audit"
DATASET = "rsj_social_insurance"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_ID = re.compile(r"\d{6}\*{4}[\dX]{4}")


def browser(platform: Platform, account: str) -> TestClient:
    """A browser signed in as ``account`` through the portal's login form."""
    client = TestClient(create_app(platform.settings), raise_server_exceptions=True)
    token = platform.tokens.by_account[account]
    signed_in = client.post("/portal/login", data={"token": token}, follow_redirects=False)
    assert signed_in.status_code == 303, signed_in.text
    return client


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def post(client: TestClient, url: str, page: str, **form: Any) -> Any:
    """Post a form as the browser would from ``page`` (its CSRF token in the hidden field)."""
    token = csrf_of(client.get(page).text)
    return client.post(url, data={"csrf": token, **form}, follow_redirects=False)


def events(platform: Platform, action: str) -> list[dict[str, Any]]:
    with platform.sessions() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [{"grant_id": e.grant_id, "actor": e.actor_account_id, **e.detail} for e in rows]


def request_row(platform: Platform, request_id: int) -> ShareRequest:
    with platform.sessions() as session:
        row = session.get(ShareRequest, request_id)
        assert row is not None
        session.expunge(row)
        return row


def grant_of(platform: Platform, request_id: int) -> Grant | None:
    with platform.sessions() as session:
        grant = session.scalars(select(Grant).where(Grant.request_id == request_id)).first()
        if grant is not None:
            session.expunge(grant)
        return grant


def newest_request(platform: Platform) -> int:
    with platform.sessions() as session:
        return int(
            session.scalars(select(ShareRequest.id).order_by(ShareRequest.id.desc())).first() or 0
        )


def masked_ids(html: str) -> list[str]:
    return _ID.findall(html)
