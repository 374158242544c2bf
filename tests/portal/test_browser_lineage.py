"""The lineage page in a real browser (Debian's chromium via Playwright): 数据资源管理局's auditor
opens 数据血缘 from the navigation, asks for a delivery's upstream and sees it drawn as SVG —
the department's delivery, the lake table, the batch and the landed file — then follows the
file's box to what was made of it. Screenshots (zh and en) go to ``var/screenshots``."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.exchange_api.test_lineage_trace import _ingested
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import AUDITOR, DATASET, RSJ
from tests.portal.test_browser_exchange import _shoot, _signed_in, chromium, server

pytestmark = pytest.mark.browser
__all__ = ["chromium", "server"]


def test_an_auditor_draws_a_delivery_back_to_its_file(
    platform: Platform, server: str, chromium: Browser
) -> None:
    _ingested(platform)
    read = platform.client.get(
        f"/api/v1/datasets/{DATASET}/data", params={"limit": 2}, headers=platform.headers(RSJ)
    )
    delivery = f"delivery:330100RSJ/{read.headers['X-Zhongtai-Audit-Event']}"
    page = _signed_in(chromium, server, platform.tokens.by_account[AUDITOR])
    page.click("nav.tabs a[data-nav='nav.lineage']")
    page.wait_for_url("**/portal/lineage?lang=zh")
    assert page.inner_text("h1") == "数据血缘"
    page.fill("#lineage-form input[name=node]", delivery)
    page.select_option("#lineage-form select[name=direction]", "up")
    page.click("#lineage-form button[type=submit]")
    page.wait_for_selector("#lineage-graph")
    kinds = page.eval_on_selector_all("#lineage-graph g.node", "gs => gs.map(g => g.dataset.kind)")
    assert sorted(kinds) == ["batch", "dataset", "delivery", "file"]
    assert page.locator("#lineage-graph path.arrow").count() == 3
    box = page.locator("#lineage-graph g.node.file rect").bounding_box()
    assert box is not None and box["width"] > 100  # drawn, not only in the markup
    _shoot(page, "lineage_zh.png")

    page.click(f"#lineage-graph g.node[data-node='file:{platform.manifest.sha256}']")
    page.wait_for_url("**node=file*")  # the file's box leads to the file's own lineage
    assert page.input_value("#lineage-form input[name=node]").startswith("file:")
    page.select_option("#lineage-form select[name=direction]", "down")
    page.click("#lineage-form button[type=submit]")
    page.wait_for_url("**direction=down*")
    targets = page.eval_on_selector_all(
        "#lineage-edges tbody tr", "rs => rs.map(r => r.dataset.target)"
    )
    assert delivery in targets  # from the file down to the department's delivery
    page.goto(page.url.replace("lang=zh", "lang=en"))
    assert page.inner_text("h1") == "Data lineage"
    _shoot(page, "lineage_en.png")
