"""The portal quality page over the app: languages, cookie or header auth, the API access rule."""

from __future__ import annotations

import re

import pytest

from tests.exchange_api.conftest import Platform, report_of


@pytest.fixture(scope="module")
def report_id(platform: Platform) -> int:
    return report_of(platform, platform.batch.batch_id)


def _cookie(platform: Platform, account: str) -> dict[str, str]:
    return platform.cookie_headers(account)


def test_page_is_chinese_by_default_with_cookie_auth(platform: Platform, report_id: int) -> None:
    response = platform.client.get(
        f"/portal/quality/{report_id}", headers=_cookie(platform, "rsj-exchange")
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    html = response.text
    assert '<html lang="zh-CN">' in html
    assert "数据质量报告" in html and "发布（问题行已隔离）" in html
    assert '<svg id="trend-chart"' in html and 'class="score-line"' in html
    assert 'data-rule="citizen_id.check_digit"' in html
    assert re.search(r"\d{6}\*{4}[\dX]{4}", html)  # masked citizen IDs in the samples
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html and "<script" not in html


def test_page_in_english(platform: Platform, report_id: int) -> None:
    response = platform.client.get(
        f"/portal/quality/{report_id}?lang=en", headers=platform.headers("dsj-audit")
    )
    assert response.status_code == 200
    assert '<html lang="en">' in response.text
    assert "Data quality report" in response.text and "数据质量报告" not in response.text
    assert (
        platform.client.get(
            f"/portal/quality/{report_id}?lang=fr", headers=platform.headers("dsj-audit")
        ).status_code
        == 422
    )


@pytest.mark.parametrize(("account", "status"), [("swj-exchange", 403), ("gaj-exchange", 403)])
def test_page_keeps_the_api_access_rule(
    platform: Platform, report_id: int, account: str, status: int
) -> None:
    for headers in (platform.headers(account), _cookie(platform, account)):
        response = platform.client.get(f"/portal/quality/{report_id}", headers=headers)
        assert response.status_code == status
        assert response.json()["code"] == "report.access_refused"


def test_page_needs_a_token(platform: Platform, report_id: int) -> None:
    assert platform.client.get(f"/portal/quality/{report_id}").status_code == 401
    bad = platform.client.get(f"/portal/quality/{report_id}", headers={"Cookie": "zt_session=x.y"})
    assert bad.status_code == 401
    token = platform.tokens.by_account["rsj-exchange"]  # the token itself is no session
    raw = platform.client.get(
        f"/portal/quality/{report_id}", headers={"Cookie": f"zt_session={token}"}
    )
    assert raw.status_code == 401


def test_stylesheet_is_served_locally(platform: Platform) -> None:
    response = platform.client.get("/portal/static/portal.css")
    assert response.status_code == 200
    assert "url(" not in response.text and "@import" not in response.text
