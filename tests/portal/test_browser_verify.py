"""核验 inside a grant in a real browser (Debian's chromium via Playwright, no browser download):
税务局 signs in, opens its grants, follows the verify link, checks one record (一致) and one with
a wrong name (不一致, naming the field), never seeing a stored value. Screenshots to
``var/screenshots``."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.exchange_api.verify_platform import make_grant, stored_rows
from tests.portal.browser_fixtures import shoot, signed_in
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import SWJ

pytestmark = pytest.mark.browser


def test_verify_a_record_inside_a_grant(platform: Platform, server: str, chromium: Browser) -> None:
    grant = make_grant(
        platform,
        ["citizen_id", "person_name", "period"],
        ["verify"],
        match=["citizen_id", "person_name"],
    )
    row = stored_rows(platform)[0]
    page = signed_in(chromium, server, platform.tokens.by_account[SWJ])
    page.click("nav.tabs a[data-nav='nav.grants']")
    page.click(f"#grant-{grant} a.verify")
    page.wait_for_url(f"**/portal/grants/{grant}/verify?lang=zh")
    form = page.locator("#verify-form")
    form.locator("select[name=match_on]").select_option("citizen_id")
    form.locator("input[name=compare][value=person_name]").check()
    form.locator("input[data-field=citizen_id]").fill(row["citizen_id"].lower())
    form.locator("input[data-field=person_name]").fill(row["person_name"])
    form.locator("button[type=submit]").click()
    outcome = page.locator("tr.verify-result td.outcome")
    assert outcome.inner_text() == "一致"
    shoot(page, "verify-match-zh.png")

    form = page.locator("#verify-form")
    form.locator("input[data-field=citizen_id]").fill(row["citizen_id"])
    form.locator("input[data-field=person_name]").fill("无此人")
    form.locator("button[type=submit]").click()
    assert page.locator("tr.verify-result td.outcome").inner_text() == "不一致"
    assert page.locator("tr.verify-result td.differs").inner_text() == "姓名"
    assert row["person_name"] not in page.locator("#verify-results").inner_text()
    shoot(page, "verify-differs-zh.png")
    page.click("a.lang")
    page.wait_for_url(f"**/portal/grants/{grant}/verify?lang=en")
    assert page.locator("#verify-form button[type=submit]").inner_text() == "Verify"
    shoot(page, "verify-form-en.png")
