"""The data-element page in a real browser (Debian's chromium via Playwright): 数据资源管理局's
admin opens 数据元 from the navigation, uploads a GBK code list with full-width codes and sees its
codes, then uploads a file with a repeated code and is told the line; the page in English.
Screenshots (zh and en) go to ``var/screenshots``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from exchange_api.app import create_app
from tests.portal.browser_fixtures import served, shoot, signed_in
from tests.portal.element_fixtures import ADMIN, Registry, registry

__all__ = ["registry"]


@pytest.fixture(scope="module")
def element_server(registry: Registry) -> Iterator[str]:
    with served(create_app(registry.settings)) as url:
        yield url


@pytest.mark.browser
def test_an_admin_uploads_a_code_list(
    registry: Registry, element_server: str, chromium: Browser
) -> None:
    page = signed_in(chromium, element_server, registry.tokens.by_account[ADMIN])
    page.click("nav.tabs a[data-nav='nav.elements']")
    page.wait_for_url("**/portal/elements?lang=zh")
    assert page.inner_text("h1") == "数据元与代码表"
    assert page.locator("#elements tr[data-element='citizen_id']").count() == 1

    form = page.locator("#codelist-form")
    form.locator("input[name=name]").fill("xh_streets")
    form.locator("input[name=title]").fill("西湖区街道")
    gbk = "code,label\n３３０１０６００１,北山街道\n330106002,西溪街道\n".encode("gbk")
    form.locator("input[name=file]").set_input_files(
        {"name": "街道.csv", "mimeType": "text/csv", "buffer": gbk}
    )
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#codes[data-list='xh_streets']")
    codes = page.eval_on_selector_all("#codes tbody tr", "rs => rs.map(r => r.dataset.code)")
    assert codes == ["330106001", "330106002"]
    assert "北山街道" in page.inner_text("#codes")
    shoot(page, "elements_zh.png")

    form = page.locator("#codelist-form")
    form.locator("input[name=name]").fill("bad_streets")
    bad = "code,label\n1,甲\n１,乙\n".encode("gbk")
    form.locator("input[name=file]").set_input_files(
        {"name": "bad.csv", "mimeType": "text/csv", "buffer": bad}
    )
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#codelist-error")
    assert page.get_attribute("#codelist-error", "data-code") == "code_list.duplicate_code"
    assert "第 3 行" in page.inner_text("#codelist-error")
    assert page.locator("#code-lists tr[data-list='bad_streets']").count() == 0

    page.goto(f"{element_server}/portal/elements?lang=en&list=xh_streets")
    assert page.inner_text("h1") == "Data elements and code lists"
    shoot(page, "elements_en.png")
