"""Reproduce a read in a real browser (Debian's chromium via Playwright, no browser download):
税务局 reads a page of shared data through its grant; the grant is revoked; the auditor signs in,
types the read's audit event number into the lookup box, looks at what the event recorded,
replays it and sees 一致 with both digests equal and the masked rows the department received —
then the same in English. Screenshots to ``var/screenshots``."""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import Browser

from tests.exchange_api.verify_platform import BASE, make_grant
from tests.portal.browser_fixtures import MASKED_ID, shoot, signed_in
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import AUDITOR, RSJ, SWJ

pytestmark = pytest.mark.browser


def test_an_auditor_reproduces_a_read(platform: Platform, server: str, chromium: Browser) -> None:
    grant = make_grant(platform, ["citizen_id", "person_name", "period", "amount"], ["query"])
    response = platform.client.post(
        f"{BASE}/query", headers=platform.headers(SWJ), json={"grant_id": grant, "limit": 8}
    )
    assert response.status_code == 200, response.text
    event_id = response.headers["x-zhongtai-audit-event"]
    digest = hashlib.sha256(response.content).hexdigest()
    revoked = platform.client.post(
        f"/api/v1/grants/{grant}/revoke", headers=platform.headers(RSJ), json={"reason": "收回"}
    )
    assert revoked.status_code == 200, revoked.text

    page = signed_in(chromium, server, platform.tokens.by_account[AUDITOR])
    page.goto(f"{server}/portal/audit/reproduce")
    page.locator("#lookup-form input[name=event]").fill(event_id)
    page.locator("#lookup-form button[type=submit]").click()
    page.wait_for_url(f"**/portal/audit/events/{event_id}/reproduce?lang=zh")
    assert page.locator("#recorded code.sha256").inner_text() == digest
    assert page.locator("#event dd.action").inner_text().startswith("数据查询")
    shoot(page, "reproduce-event-zh.png")

    page.locator("#reproduce-form button[type=submit]").click()
    verdict = page.locator("#result .verdict")
    assert verdict.get_attribute("data-verdict") == "match"
    assert verdict.inner_text().startswith("一致")
    assert page.locator("#replayed code.sha256").inner_text() == digest
    cells = page.locator("#replayed-rows td:first-child").all_inner_texts()
    assert len(cells) == 8 and all(MASKED_ID.match(c) for c in cells)
    assert cells == [r["citizen_id"] for r in response.json()["rows"]]
    shoot(page, "reproduce-match-zh.png")

    page.click("a.lang")
    page.wait_for_url(f"**/portal/audit/events/{event_id}/reproduce?lang=en")
    assert page.locator("#reproduce-form button[type=submit]").inner_text() == (
        "Reproduce and compare"
    )
    page.locator("#reproduce-form button[type=submit]").click()
    assert page.locator("#result .verdict").inner_text().startswith("Match")
    shoot(page, "reproduce-match-en.png")
