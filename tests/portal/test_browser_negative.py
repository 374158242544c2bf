"""The negative list in a real browser (Debian's chromium, headless, driven by Playwright, against
the real app served by uvicorn): 人社局's publisher follows the navigation to 负面清单, lists a
field with its legal basis and today's review date, sees it marked due for review; 税务局 sees the
entry but no form, in Chinese and in English; the publisher lifts it. Screenshots go to
``var/screenshots``."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Browser

from catalog.workdays import CHINA
from tests.portal.browser_fixtures import shoot, signed_in
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import RSJ, SWJ

pytestmark = pytest.mark.browser

BASIS = "《中华人民共和国个人信息保护法》第二十八条（敏感个人信息）"


def test_list_see_and_lift_an_entry(platform: Platform, server: str, chromium: Browser) -> None:
    today = dt.datetime.now(CHINA).date().isoformat()
    rsj = signed_in(chromium, server, platform.tokens.by_account[RSJ])
    rsj.click("nav.tabs a[data-nav='nav.lists']")  # the three lists, then the negative one
    rsj.click("nav.sub.lists a[data-list='negative']")
    rsj.wait_for_url(re.compile(r"/portal/lists/negative\?lang=zh$"))
    assert rsj.inner_text("h1") == "负面清单"
    form = rsj.locator("#negative-add-form")
    form.locator("select[name=dataset]").select_option("rsj_social_insurance")
    form.locator("input[name=field]").fill("employer_name")
    form.locator("textarea[name=basis]").fill(BASIS)
    form.locator("input[name=review_date]").fill(today)
    form.locator("button[type=submit]").click()
    rsj.wait_for_url(re.compile(r"/portal/lists/negative\?lang=zh#entry-\d+$"))
    row = rsj.locator("tr[data-field=employer_name][data-state=live]")
    assert BASIS in row.inner_text() and row.get_attribute("data-due") == "yes"
    assert "待复核" in row.inner_text()
    shoot(rsj, "negative_list_zh.png")

    swj = signed_in(chromium, server, platform.tokens.by_account[SWJ])
    swj.goto(f"{server}/portal/lists/negative?lang=en")
    seen = swj.locator("tr[data-field=employer_name][data-state=live]")
    assert BASIS in seen.inner_text() and "Due for review" in seen.inner_text()
    assert swj.locator("#negative-add-form").count() == 0 and swj.locator(".lift-form").count() == 0
    shoot(swj, "negative_list_en.png")

    row.locator("details.lift summary").click()
    row.locator("input[name=reason]").fill("复核后解除")
    row.locator("button[type=submit]").click()
    rsj.wait_for_url(re.compile(r"/portal/lists/negative\?lang=zh$"))
    assert rsj.locator("tr[data-field=employer_name][data-state=live]").count() == 0
