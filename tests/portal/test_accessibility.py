"""Every page a person uses passes the vendored axe-core check (WCAG 2.x A and AA, no serious or
critical violation), in Chinese and in English, signed in as the role that uses it — and the
check itself fails on a page with known faults.

One chromium (Debian's, via Playwright, no browser download), one signed-in page per role reused
for all of that role's pages, against the real app served by uvicorn on the published platform.
Before the pages are opened, 税务局 files two requests through the portal's forms and 人社局
approves one, so the requests, grants and inbox pages have entries to show.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.exchange_api.conftest import report_of
from tests.portal.a11y import AXE, BLOCKING, assert_accessible, axe_violations, describe
from tests.portal.browser_fixtures import signed_in
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import (
    AUDITOR,
    DATASET,
    RSJ,
    SWJ,
    browser,
    grant_of,
    newest_request,
    post,
)

pytestmark = pytest.mark.browser

ADMIN = "dsj-admin"
ANONYMOUS = ""

# (who opens it, path): {grant} and {report} are filled in once the platform has them
PAGES = [
    (ANONYMOUS, "/portal/login"),
    (SWJ, "/portal/"),
    (SWJ, "/portal/catalog"),
    (SWJ, "/portal/catalog?q=%E7%A4%BE%E4%BC%9A%E4%BF%9D%E9%99%A9"),  # 社会保险
    (SWJ, f"/portal/catalog/{DATASET}"),
    (SWJ, "/portal/requests"),
    (SWJ, "/portal/grants"),
    (SWJ, "/portal/grants/{grant}/data"),
    (RSJ, "/portal/inbox"),
    (RSJ, "/portal/given"),
    (RSJ, "/portal/lineage"),
    (RSJ, "/portal/quality/{report}"),
    (RSJ, "/portal/scorecards"),
    (AUDITOR, "/portal/audit"),
    (ADMIN, "/portal/lists/responsibilities"),
    (ADMIN, "/portal/lists/demands"),
    (ADMIN, "/portal/lists/negative"),
]


def _file(platform: Platform) -> int:
    swj = browser(platform, SWJ)
    filed = post(
        swj,
        f"/portal/catalog/{DATASET}/requests",
        f"/portal/catalog/{DATASET}",
        fields=["citizen_id", "period", "amount"],
        purpose="个人所得税汇算清缴：核对纳税人社保缴费",
        access_modes=["query"],
        match_fields="citizen_id",
        quota_rows="200",
    )
    assert filed.status_code == 303, filed.text
    return newest_request(platform)


@pytest.fixture(scope="module")
def filled(platform: Platform) -> dict[str, int]:
    """Two requests from 税务局, one approved: the grant's id and the batch's report id."""
    approved = _file(platform)
    _file(platform)  # left pending, in 人社局's inbox
    rsj = browser(platform, RSJ)
    done = post(
        rsj,
        f"/portal/requests/{approved}/approve?lang=zh",
        "/portal/inbox",
        fields=["citizen_id", "period", "amount"],
        access_modes=["query"],
        match_fields=["citizen_id"],
        quota_rows="200",
        reason="按最小必要原则批准",
    )
    assert done.status_code == 303, done.text
    grant = grant_of(platform, approved)
    assert grant is not None
    return {"grant": grant.id, "report": report_of(platform, platform.batch.batch_id)}


@pytest.fixture(scope="module")
def pages(platform: Platform, server: str, chromium: Browser) -> Iterator[dict[str, Page]]:
    """One page a role, signed in through the login form once and reused; a blank one for
    the login page itself. The portal's Content-Security-Policy forbids inline scripts, so the
    contexts bypass it for axe's script tag."""
    opened: dict[str, Page] = {}

    def page_of(who: str) -> Page:
        if who not in opened:
            if who == ANONYMOUS:
                context = chromium.new_context(locale="zh-CN", bypass_csp=True)
                context.set_default_timeout(15_000)
                opened[who] = context.new_page()
            else:
                token = platform.tokens.by_account[who]
                opened[who] = signed_in(chromium, server, token, bypass_csp=True)
        return opened[who]

    yield {who: page_of(who) for who, _ in PAGES}
    for page in opened.values():
        page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("who", "path"), PAGES, ids=[p for _, p in PAGES])
def test_page_is_accessible(
    pages: dict[str, Page],
    server: str,
    filled: dict[str, int],
    who: str,
    path: str,
    lang: str,
) -> None:
    page = pages[who]
    url = f"{server}{path.format(**filled)}"
    url += ("&" if "?" in url else "?") + f"lang={lang}"
    answer = page.goto(url)
    assert answer is not None and answer.status == 200, (url, answer and answer.status)
    assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
    assert_accessible(page, f"{path} as {who or 'a visitor'}, {lang}")


KNOWN_FAULTS = """<!doctype html>
<html lang="en"><head><title>faults</title></head>
<body><main>
<h1>A page with known faults</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="no-alt">
<input type="text" id="no-label">
<p style="color:#bbb;background:#fff" id="low-contrast">barely legible</p>
</main></body></html>"""


def test_the_check_reports_known_faults(chromium: Browser) -> None:
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_content(KNOWN_FAULTS)
        found = {v["id"]: v for v in axe_violations(page)}
        assert {"image-alt", "label", "color-contrast"} <= found.keys(), describe([*found.values()])
        assert found["image-alt"]["targets"] == ["#no-alt"]
        assert found["label"]["targets"] == ["#no-label"]
        assert found["image-alt"]["impact"] in BLOCKING
        with pytest.raises(AssertionError, match=r"image-alt \(critical\)[\s\S]*#no-alt"):
            assert_accessible(page, "the faults fixture")
        only = axe_violations(page, rules=["image-alt"])
        assert [v["id"] for v in only] == ["image-alt"]
    finally:
        context.close()


def test_the_vendored_axe_is_the_one_source_md_names() -> None:
    source = (AXE.parent / "SOURCE.md").read_text(encoding="utf-8")
    version = re.search(r"\| version \| (\d+\.\d+\.\d+)", source)
    digest = re.search(r"`axe.min.js` SHA-256 \| `([0-9a-f]{64})`", source)
    assert version and digest, "SOURCE.md names no version or digest"
    script = AXE.read_bytes()
    assert script.startswith(f"/*! axe v{version.group(1)}".encode())
    assert hashlib.sha256(script).hexdigest() == digest.group(1)
    assert (
        (AXE.parent / "LICENSE")
        .read_text(encoding="utf-8")
        .startswith("Mozilla Public License, version 2.0")
    )
