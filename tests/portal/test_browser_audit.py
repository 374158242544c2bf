"""The auditor's pages in a real browser (Debian's chromium via Playwright, no browser download):
数据资源管理局's auditor signs in, opens the audit log from the navigation, sees the chain
verified, filters by department and action, pages to older events, then opens usage and sees
the bar chart with 税务局's reads and the reconciliation's findings, and downloads the CSV.
Screenshots (zh and en) go to ``var/screenshots``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.exchange_api.verify_platform import make_grant
from tests.portal.browser_fixtures import shoot, signed_in
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import AUDITOR, DATASET, SWJ

pytestmark = pytest.mark.browser


def test_an_auditor_filters_the_log_and_sees_the_usage_chart(
    platform: Platform, server: str, chromium: Browser
) -> None:
    grant = make_grant(platform, ["citizen_id", "period", "amount"], ["query", "bulk"])
    for offset in range(0, 60, 10):
        read = platform.client.get(
            f"/api/v1/datasets/{DATASET}/data",
            params={"grant_id": grant, "limit": 10, "offset": offset, "fields": "period,amount"},
            headers=platform.headers(SWJ),
        )
        assert read.status_code == 200, read.text

    page = signed_in(chromium, server, platform.tokens.by_account[AUDITOR])
    page.click("nav.tabs a[data-nav='nav.audit']")
    page.wait_for_url("**/portal/audit?lang=zh")
    banner = page.locator("#chain-status")
    assert banner.get_attribute("data-chain") == "ok"
    assert "审计链完整" in banner.inner_text()

    form = page.locator("#audit-filters")
    form.locator("select[name=department]").select_option("330100SWJ")
    form.locator("select[name=action]").select_option("data.read")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/portal/audit?*department=330100SWJ*")
    rows = page.locator("tr.event")
    assert rows.count() == 6
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.action)")) == {"data.read"}
    assert "国家税务总局杭州市税务局" in page.locator("#audit-events").inner_text()
    shoot(page, "audit-log-zh.png")

    page.click("nav.tabs a[data-nav='nav.usage']")
    page.wait_for_url("**/portal/audit/usage?lang=zh")
    chart = page.locator("#usage-period-chart")
    assert chart.is_visible()
    bars = page.locator("#usage-department-chart rect.usage-bar[data-key='330100SWJ']")
    assert bars.get_attribute("data-value") == "60"
    box = bars.bounding_box()
    assert box is not None and box["width"] > 100  # the biggest department draws a long bar
    assert int(page.locator("#total-rows").inner_text().replace(",", "")) >= 60
    line = page.locator(f"tr.grant-use[data-grant='{grant}']")
    assert line.get_attribute("data-findings") == "columns_never_read modes_never_used"
    shoot(page, "audit-usage-zh.png")

    with page.expect_download() as caught:
        page.click("#usage-lines a.download[data-format='usage.csv']")
    body = Path(caught.value.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert any(r["授权编号"] == str(grant) and r["行数"] == "60" for r in lines)

    page.click("a.lang")
    page.wait_for_url("**/portal/audit/usage?*lang=en*")
    assert "Rows sent per period" in page.locator("#usage-summary").inner_text()
    shoot(page, "audit-usage-en.png")
