"""Download inside a grant, in a real browser: Debian's chromium, headless, driven by Playwright,
against the real app served by uvicorn. 税务局 signs in through the login form, opens its grants,
follows the download link of a grant with the bulk mode, picks CSV in GBK and two fields, and
clicks download; the file the browser saves is GBK, holds the names masked, and its SHA-256 is
the one on the audit record. Screenshots (zh and en) go to ``var/screenshots``."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.exchange_api.bulk_fixtures import events, grant
from tests.portal.browser_fixtures import shoot, signed_in
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import SWJ

pytestmark = pytest.mark.browser


def test_download_inside_a_grant(platform: Platform, server: str, chromium: Browser) -> None:
    grant_id = grant(platform, SWJ, ["citizen_id", "person_name", "period"], modes=("bulk",))
    swj = signed_in(chromium, server, platform.tokens.by_account[SWJ])
    swj.click("nav.tabs a[data-nav='nav.grants']")
    swj.click(f"#grant-{grant_id} a.download")
    swj.wait_for_url(re.compile(rf"/portal/grants/{grant_id}/download\?lang=zh$"))
    assert swj.inner_text("h1").startswith("批量下载")
    form = swj.locator("#download-form")
    form.locator("input[name=format][value=csv]").check()
    form.locator("input[name=encoding][value=gbk]").check()
    form.locator("input[name=fields][value=person_name]").check()
    form.locator("input[name=fields][value=citizen_id]").check()
    shoot(swj, "bulk_download_zh.png")
    with swj.expect_download() as caught:
        form.locator("button[type=submit]").click()
    download = caught.value
    assert download.suggested_filename.endswith(".csv")
    data = Path(download.path()).read_bytes()
    text = data.decode("gbk")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows and list(rows[0]) == ["citizen_id", "person_name"]
    assert all(re.fullmatch(r"\d{6}\*{4}[\dX]{4}", r["citizen_id"]) for r in rows)
    assert all(re.fullmatch(r"[\u4e00-\u9fff]\*+", r["person_name"]) for r in rows)
    [event] = [e for e in events(platform, "data.bulk_delivered") if e["grant_id"] == grant_id]
    assert event["content_sha256"] == hashlib.sha256(data).hexdigest()
    assert event["row_count"] == len(rows) and event["encoding"] == "gbk"

    swj.goto(f"{server}/portal/grants/{grant_id}/download?lang=en")
    assert swj.inner_text("h1").startswith("Download")
    shoot(swj, "bulk_download_en.png")
