"""Signing in to the portal: the cookie it sets, what it refuses, where it may send you, and the
home page listing the reports the signed-in department may read."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from exchange_api.app import create_app
from exchange_api.portal.login import safe_next
from tests.exchange_api.conftest import report_of
from tests.portal.conftest import Platform


@pytest.fixture()
def browser(platform: Platform) -> TestClient:
    """A fresh client with its own cookie jar (the platform's client is shared)."""
    return TestClient(create_app(platform.settings), raise_server_exceptions=False)


def _login(client: TestClient, token: str, origin: str | None = None, **form: str) -> Any:
    headers = {"Origin": origin} if origin else {}
    return client.post(
        "/portal/login",
        data={"token": token, **form},
        headers=headers,
        follow_redirects=False,
    )


def test_login_page_in_both_languages(browser: TestClient) -> None:
    zh = browser.get("/portal/login")
    assert zh.status_code == 200
    assert "访问令牌" in zh.text and 'type="password"' in zh.text
    assert "default-src 'none'" in zh.headers["content-security-policy"]
    en = browser.get("/portal/login?lang=en&next=/portal/quality/1")
    assert "Access token" in en.text
    assert 'name="next" value="/portal/quality/1"' in en.text


def test_a_valid_token_sets_a_strict_http_only_cookie_and_goes_to_next(
    platform: Platform, browser: TestClient
) -> None:
    token = platform.tokens.by_account["rsj-exchange"]
    response = _login(browser, token, next="/portal/quality/1?lang=en")
    assert response.status_code == 303
    assert response.headers["location"] == "/portal/quality/1?lang=en"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("zt_session=")
    assert token not in cookie  # a signed session id, never the token itself
    for attribute in ("HttpOnly", "Path=/portal", "SameSite=strict", "Max-Age=28800"):
        assert attribute.lower() in cookie.lower(), attribute
    assert "secure" not in cookie.lower()  # plain http in a test environment


def test_a_wrong_token_is_a_401_page_that_does_not_repeat_it(browser: TestClient) -> None:
    response = _login(browser, "guess-的-令牌", lang="en")
    assert response.status_code == 401
    assert "set-cookie" not in response.headers
    assert "The token is not valid" in response.text
    assert "guess-" not in response.text
    chinese = _login(browser, "")
    assert chinese.status_code == 401 and "令牌无效" in chinese.text


def test_a_cross_site_form_is_refused(platform: Platform, browser: TestClient) -> None:
    token = platform.tokens.by_account["rsj-exchange"]
    response = _login(browser, token, origin="https://evil.example")
    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    assert _login(browser, token, origin="null").status_code == 403  # e.g. a sandboxed frame
    assert _login(browser, token, origin="https://testserver.evil.example").status_code == 403
    behind_proxy = _login(browser, token, origin="https://testserver:8443")
    assert behind_proxy.status_code == 303  # Host forwarded without the proxy's port
    same = _login(browser, token, origin="http://testserver")
    assert same.status_code == 303


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/portal/quality/3?lang=en", "/portal/quality/3?lang=en"),
        ("/portal/", "/portal/"),
        ("https://evil.example/portal/", "/portal/"),
        ("//evil.example/portal/", "/portal/"),
        ("/\\evil.example", "/portal/"),
        ("/api/v1/datasets", "/portal/"),
        ("/portal/login?next=x", "/portal/"),
        ("javascript:alert(1)", "/portal/"),
        ("/portal/\r\nSet-Cookie: x=1", "/portal/"),
        ("", "/portal/"),
        (None, "/portal/"),
    ],
)
def test_next_only_leads_inside_the_portal(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_home_redirects_to_login_then_lists_readable_reports(
    platform: Platform, browser: TestClient
) -> None:
    anonymous = browser.get("/portal/", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/portal/login?lang=zh&next=/portal/"

    _login(browser, platform.tokens.by_account["rsj-exchange"])
    home = browser.get("/portal/")
    assert home.status_code == 200
    assert "330100RSJ" in home.text
    rows = re.findall(r'<tr class="dataset" data-dataset="([a-z_]+)"', home.text)
    assert "rsj_social_insurance" in rows
    assert re.search(r'href="/portal/quality/\d+\?lang=zh">查看报告', home.text)
    link = re.search(r'href="(/portal/quality/\d+)\?lang=zh"', home.text)
    assert link is not None
    report = browser.get(link.group(1))  # the cookie set at sign-in reads the report page
    assert report.status_code == 200 and "数据质量报告" in report.text

    out = browser.post("/portal/logout", data={"lang": "en"}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/portal/login?lang=en"
    assert 'zt_session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    assert browser.get("/portal/", follow_redirects=False).status_code == 303


def test_home_lists_only_what_the_department_may_read(
    platform: Platform, browser: TestClient
) -> None:
    _login(browser, platform.tokens.by_account["swj-exchange"], lang="en")
    home = browser.get("/portal/?lang=en")
    assert home.status_code == 200
    assert "rsj_social_insurance" not in home.text  # a requester of another department
    assert "There is no dataset whose quality reports you may read." in home.text
    auditor = TestClient(create_app(platform.settings))
    _login(auditor, platform.tokens.by_account["dsj-audit"])
    assert 'data-dataset="rsj_social_insurance"' in auditor.get("/portal/").text


def test_a_stale_cookie_goes_back_to_login(browser: TestClient) -> None:
    browser.cookies.set("zt_session", "revoked-or-made-up", path="/portal")
    response = browser.get("/portal/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/portal/login")


def test_a_browser_without_a_session_is_sent_to_sign_in_and_back(
    platform: Platform, browser: TestClient
) -> None:
    page = f"/portal/quality/{report_of(platform, platform.batch.batch_id)}"
    html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    sent = browser.get(f"{page}?lang=en", headers=html, follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/portal/login?lang=en&next={page}%3Flang%3Den"
    form = browser.get(sent.headers["location"])
    assert f'name="next" value="{page}?lang=en"' in form.text
    back = _login(browser, platform.tokens.by_account["rsj-exchange"], next=f"{page}?lang=en")
    assert back.headers["location"] == f"{page}?lang=en"
    assert browser.get(back.headers["location"], headers=html).status_code == 200

    # not a browser, or a bad bearer header: the API's 401 problem, never a redirect
    fresh = TestClient(create_app(platform.settings))
    assert fresh.get(page, follow_redirects=False).status_code == 401
    bearer = {**html, "Authorization": "Bearer wrong"}
    refused = fresh.get(page, headers=bearer, follow_redirects=False)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    fresh.cookies.set("zt_session", "stale", path="/portal")
    assert fresh.get(page, headers=html, follow_redirects=False).status_code == 303


def test_pages_send_the_referrer_only_within_the_site(browser: TestClient) -> None:
    """Under "no-referrer" a browser posts every form with ``Origin: null``, which the Origin
    check refuses as cross-site: the portal's own sign-in then failed in a real browser."""
    assert browser.get("/portal/login").headers["referrer-policy"] == "same-origin"
