"""Portal forms from the attacker's side: no CSRF token, a forged one, another session's, a bearer
header instead of the cookie, another site's Origin — each a 403 page with ``csrf.invalid``,
audited, nothing changed. And another department's objects: a 404 page, the refusal audited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from catalog.models import RequestStatus
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import (
    DATASET,
    GAJ,
    RSJ,
    SWJ,
    browser,
    csrf_of,
    events,
    grant_of,
    newest_request,
    post,
    request_row,
)


@pytest.fixture(scope="module")
def pending(platform: Platform) -> int:
    """A pending request of 税务局 on 人社局's dataset."""
    swj = browser(platform, SWJ)
    post(
        swj,
        f"/portal/catalog/{DATASET}/requests",
        f"/portal/catalog/{DATASET}",
        fields=["period", "amount"],
        purpose="CSRF 测试",
        access_modes=["query"],
    )
    return newest_request(platform)


def _refusals(platform: Platform) -> list[str]:
    return [e["reason"] for e in events(platform, "portal.form_refused")]


def _assert_refused(response: Any, platform: Platform, reason: str, before: int) -> None:
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert 'id="problem-code">csrf.invalid<' in response.text
    assert "表单校验失败" in response.text and "已记入审计日志" in response.text
    assert _refusals(platform)[before:] == [reason]


def test_a_form_without_its_csrf_token_changes_nothing(platform: Platform, pending: int) -> None:
    rsj = browser(platform, RSJ)
    before = len(_refusals(platform))
    url = f"/portal/requests/{pending}/refuse"
    response = rsj.post(url, data={"reason": "伪造"}, follow_redirects=False)
    _assert_refused(response, platform, "csrf.missing", before)
    forged = rsj.post(url, data={"reason": "伪造", "csrf": "A" * 43}, follow_redirects=False)
    _assert_refused(forged, platform, "csrf.mismatch", before + 1)
    assert request_row(platform, pending).status is RequestStatus.PENDING
    [event] = events(platform, "portal.form_refused")[before : before + 1]
    assert event["path"] == url and event["code"] == "csrf.invalid" and event["client"]


def test_another_sessions_token_does_not_fit(platform: Platform, pending: int) -> None:
    other = browser(platform, RSJ)
    token = csrf_of(other.get("/portal/inbox").text)  # a real token, of another session
    rsj = browser(platform, RSJ)
    before = len(_refusals(platform))
    response = rsj.post(
        f"/portal/requests/{pending}/refuse",
        data={"reason": "换会话", "csrf": token},
        follow_redirects=False,
    )
    _assert_refused(response, platform, "csrf.mismatch", before)
    assert request_row(platform, pending).status is RequestStatus.PENDING


def test_a_bearer_header_is_not_enough_for_a_form(platform: Platform, pending: int) -> None:
    api = TestClient(platform.client.app)
    before = len(_refusals(platform))
    response = api.post(
        f"/portal/requests/{pending}/refuse",
        data={"reason": "令牌直接提交", "csrf": "x"},
        headers=platform.headers(RSJ),
        follow_redirects=False,
    )
    _assert_refused(response, platform, "session.missing", before)
    assert request_row(platform, pending).status is RequestStatus.PENDING


def test_a_form_posted_from_another_site_is_refused(platform: Platform, pending: int) -> None:
    rsj = browser(platform, RSJ)
    token = csrf_of(rsj.get("/portal/inbox").text)
    before = len(_refusals(platform))
    response = rsj.post(
        f"/portal/requests/{pending}/refuse",
        data={"reason": "跨站", "csrf": token},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    _assert_refused(response, platform, "origin.cross_site", before)
    assert request_row(platform, pending).status is RequestStatus.PENDING


def test_the_refusal_page_speaks_the_forms_language(platform: Platform, pending: int) -> None:
    rsj = browser(platform, RSJ)
    response = rsj.post(
        f"/portal/requests/{pending}/refuse?lang=en", data={"reason": "x"}, follow_redirects=False
    )
    assert response.status_code == 403 and response.headers["content-language"] == "en"
    assert "The form was refused" in response.text and "csrf.invalid" in response.text
    assert "Traceback" not in response.text


def test_a_session_signed_out_meanwhile_is_sent_to_sign_in(
    platform: Platform, pending: int
) -> None:
    rsj = browser(platform, RSJ)
    token = csrf_of(rsj.get("/portal/inbox").text)
    cookie = rsj.cookies.get("zt_session")
    assert rsj.post("/portal/logout", follow_redirects=False).status_code == 303
    replay = TestClient(platform.client.app)
    replay.cookies.set("zt_session", str(cookie), path="/portal")
    response = replay.post(
        f"/portal/requests/{pending}/refuse",
        data={"reason": "会话已结束", "csrf": token},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"].startswith("/portal/login")
    assert request_row(platform, pending).status is RequestStatus.PENDING
    assert events(platform, "auth.refused")[-1]["reason"] == "session.revoked"


def test_another_departments_request_is_a_404_page_and_audited(
    platform: Platform, pending: int
) -> None:
    gaj = browser(platform, GAJ)
    for url, form in (
        (f"/portal/requests/{pending}/withdraw", {}),
        (f"/portal/requests/{pending}/approve", {"fields": ["period"], "filter_field": "period"}),
        (f"/portal/requests/{pending}/objections", {"reason": "异议"}),
    ):
        response = post(gaj, url, f"/portal/catalog/{DATASET}", **form)
        assert response.status_code == 404, (url, response.text)
        assert "request.not_found" in response.text and "没有该共享申请" in response.text
        assert "已记入审计日志" in response.text
    refused = [
        e for e in events(platform, "access.refused") if e["resource"] == f"request:{pending}"
    ]
    assert [e["code"] for e in refused] == ["request.not_found"] * 3
    assert request_row(platform, pending).status is RequestStatus.PENDING
    assert f'id="request-{pending}"' not in gaj.get("/portal/requests").text


def test_the_requester_cannot_approve_its_own_request(platform: Platform, pending: int) -> None:
    swj = browser(platform, SWJ)
    response = post(
        swj,
        f"/portal/requests/{pending}/approve?lang=en",
        "/portal/requests",
        fields=["period"],
        access_modes=["query"],
    )
    assert response.status_code == 403
    assert "request.not_owner" in response.text and "Only a publisher" in response.text
    refused = [
        e for e in events(platform, "access.refused") if e["resource"] == f"request:{pending}"
    ]
    assert refused[-1]["code"] == "request.not_owner" and refused[-1]["act"] == "request.approve"
    assert request_row(platform, pending).status is RequestStatus.PENDING


def test_another_departments_grant_is_a_404_page(platform: Platform, pending: int) -> None:
    rsj = browser(platform, RSJ)
    post(
        rsj,
        f"/portal/requests/{pending}/approve",
        "/portal/inbox",
        fields=["period", "amount"],
        access_modes=["query"],
    )
    grant = grant_of(platform, pending)
    assert grant is not None
    gaj = browser(platform, GAJ)
    for response in (
        gaj.get(f"/portal/grants/{grant.id}/data"),
        post(gaj, f"/portal/grants/{grant.id}/renew", f"/portal/catalog/{DATASET}"),
        post(
            gaj,
            f"/portal/grants/{grant.id}/data/match",
            f"/portal/catalog/{DATASET}",
            field="period",
        ),
        post(gaj, f"/portal/grants/{grant.id}/revoke", f"/portal/catalog/{DATASET}", reason="x"),
    ):
        assert response.status_code == 404, response.text
        assert "grant.not_found" in response.text
    assert f'id="grant-{grant.id}"' not in gaj.get("/portal/grants").text
    codes = [e["code"] for e in events(platform, "access.refused") if e["grant_id"] == grant.id]
    assert codes == ["grant.not_found"] * 4
    assert grant_of(platform, pending) is not None
    swj_page = browser(platform, SWJ).get(f"/portal/grants/{grant.id}/data")
    assert swj_page.status_code == 200  # the grantee still reads: nothing was revoked


def test_navigation_follows_the_access_rules(platform: Platform) -> None:
    def links(account: str) -> list[str]:
        html = browser(platform, account).get("/portal/catalog").text
        return re.findall(r'data-nav="nav\.([a-z]+)"', html)

    # scorecards: its own card; lineage: its own datasets'; lists and elements: everyone's to read
    assert links(SWJ) == [
        "home", "catalog", "lists", "elements", "requests", "scenarios", "grants", "reports",
        "scorecards",
    ]  # fmt: skip
    assert links(RSJ) == [
        "home", "catalog", "lists", "elements", "scenarios", "inbox", "given", "contracts",
        "scorecards", "lineage",
    ]  # fmt: skip
    assert links("dsj-audit") == [
        "home", "catalog", "lists", "elements", "scenarios", "scorecards", "audit", "usage",
        "evidence", "lineage",
    ]  # fmt: skip
    assert "evidence" not in links("dsj-admin")  # only auditors export evidence
    assert "contracts" in links("dsj-admin")  # admins may register and revise any dataset
