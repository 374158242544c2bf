"""Request → approve → read, by two departments in a real browser: Debian's chromium, headless,
driven by Playwright (Python) over its pipe, against the real app served by uvicorn.

Playwright is told where chromium is (``executable_path``) and never downloads a browser of its
own (no ``playwright install``). Each department has its own browser context (its own cookie
jar), signs in through the login form with its demo token, and only clicks and types: 税务局 files
a request from the catalog entry, 人社局 approves it narrowed (one field dropped) from its inbox,
税务局 opens the grant's data and sees ID numbers masked. Screenshots (zh and en) go to
``var/screenshots``. The test FAILS when chromium is missing: `make test` installs it
(``infra/system-deps.sh``).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser

from tests.portal.browser_fixtures import MASKED_ID, shoot, signed_in
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import DATASET, RSJ, SWJ

pytestmark = pytest.mark.browser


def test_request_approve_read(platform: Platform, server: str, chromium: Browser) -> None:
    tokens = platform.tokens.by_account

    # 税务局 finds the dataset in the catalog and files a request from its entry
    swj = signed_in(chromium, server, tokens[SWJ])
    swj.click("nav.tabs a[data-nav='nav.catalog']")
    swj.click(f"tr[data-dataset='{DATASET}'] td:nth-child(2) a")
    assert swj.inner_text("#share-type") == "有条件共享"
    form = swj.locator("#request-form")
    for field in ("citizen_id", "person_name", "period", "amount"):
        form.locator(f"input[name=fields][value={field}]").check()
    form.locator("#purpose").fill("个人所得税汇算清缴：核对纳税人社保缴费")
    form.locator("#legal_basis").fill("《中华人民共和国税收征收管理法》第六条")
    form.locator("input[name=match_fields][value=citizen_id]").check()
    form.locator("input[name=quota_rows]").fill("200")
    form.locator("button[type=submit]").click()
    swj.wait_for_url(re.compile(r"/portal/requests\?lang=zh#request-\d+$"))
    request_id = int(swj.url.rsplit("-", 1)[1])
    mine = swj.locator(f"#request-{request_id}")
    assert mine.locator(".status").inner_text() == "待审批"
    assert re.match(r"剩余 \d+ (个工作日|小时)", mine.locator(".clock").inner_text())
    shoot(swj, "exchange-requests-zh.png")

    # 人社局 opens its inbox and approves it narrowed: person_name unticked
    rsj = signed_in(chromium, server, tokens[RSJ])
    rsj.click("nav.tabs a[data-nav='nav.inbox']")
    asked = rsj.locator(f"#request-{request_id}")
    assert "国家税务总局杭州市税务局" in asked.locator("h3").inner_text()
    shoot(rsj, "exchange-inbox-zh.png")
    approve = asked.locator("form.approve")
    approve.locator("input[name=fields][value=person_name]").uncheck()
    approve.locator("input[name=reason]").fill("姓名非必要，不予提供")
    approve.locator("button[type=submit]").click()
    rsj.wait_for_url(f"{server}/portal/inbox?lang=zh")
    assert rsj.locator(f"#request-{request_id}").count() == 0

    # 税务局 sees the approval, opens the grant's data: ID numbers masked, no names
    swj.click("nav.tabs a[data-nav='nav.requests']")
    assert swj.locator(f"#request-{request_id} .status").inner_text() == "已批准"
    swj.click(f"#request-{request_id} a.read")
    swj.wait_for_url(re.compile(r"/portal/grants/\d+/data\?lang=zh$"))
    headers = swj.locator("table.data th").evaluate_all("ths => ths.map(t => t.dataset.column)")
    assert headers == ["citizen_id", "period", "amount"]
    ids = swj.locator("table.data tr.row td:first-child").all_inner_texts()
    assert len(ids) == 20 and all(MASKED_ID.match(i) for i in ids), ids[:3]
    assert not re.search(r"\d{17}[\dX]", swj.content())
    shoot(swj, "exchange-data-zh.png")

    swj.click("a.lang")  # the switch keeps the page
    swj.wait_for_url(re.compile(r"/portal/grants/\d+/data\?lang=en$"))
    assert swj.locator("h1").inner_text().startswith("Granted data")
    assert all(MASKED_ID.match(i) for i in swj.locator("tr.row td:first-child").all_inner_texts())
    shoot(swj, "exchange-data-en.png")
    swj.click("nav.tabs a[data-nav='nav.grants']")
    assert swj.url.endswith("/portal/grants?lang=en")
    shoot(swj, "exchange-grants-en.png")
