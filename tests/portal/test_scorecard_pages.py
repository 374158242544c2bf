"""The scorecards page (考核) over the month with known answers: an auditor sees every department
ranked with the charts drawn as SVG (no script), a department's details with its breaches marked
and its quality trend, in Chinese and English; a department sees its own only and is refused
another's (403, recorded); a bad period is a 422 page; the download is a workbook, recorded.
Then in a real browser (Debian's chromium via Playwright)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser
from sqlalchemy import func, select

from catalog.models import AuditEvent
from tests.portal.browser_fixtures import served, shoot, signed_in
from tests.portal.scorecard_site import Site, site

__all__ = ["site"]

PAGE = "/portal/scorecards"


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr class="scorecard-row" data-department="([^"]+)"', html)


def test_an_auditor_sees_every_department_ranked_with_charts(site: Site) -> None:
    page = site.browser("auditor").get(PAGE, params={"period": "2026-10"})
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-nav="nav.scorecards"' in html and "<script" not in html
    assert "<h1>部门考核" in html and 'lang="zh-CN"' in html
    assert _rows(html) == ["330100TEST", "330100ASKS", "330100IDLE"]
    assert 'data-share="0.25" data-breaches="2"' in html
    for chart in ("fulfilment-chart", "reply-chart", "breach-chart"):
        assert f'<svg id="{chart}"' in html
        assert f'aria-labelledby="{chart}-title"' in html
    assert 'data-key="330100TEST" data-value="25"' in html  # fulfilment, per cent
    assert 'data-key="330100TEST" data-value="51"' in html  # median reply, hours
    assert 'id="scorecard-detail"' not in html  # three cards: no department chosen yet

    detail = site.browser("auditor").get(
        PAGE, params={"period": "2026-10", "department": "330100TEST", "lang": "en"}
    )
    assert detail.status_code == 200
    text = detail.text
    assert "Department scorecards" in text and 'id="scorecard-detail"' in text
    breached = set(re.findall(r'<tr data-request="(\d+)" data-breach="yes"', text))
    r = site.month.requests
    assert breached == {str(r["late"]), str(r["overdue"])}
    assert re.findall(r'data-on-time="(\w*)"', text) == ["yes", "no", "no"]
    assert '<svg id="trend-chart"' in text and 'id="detail-direction">declining<' in text
    assert re.findall(r'data-fulfilled="(\w+)"', text) == ["yes", "no", "no", "no"]


def test_a_department_sees_its_own_and_is_refused_another(site: Site) -> None:
    def refusals() -> int:
        with site.sessions() as session:
            query = select(func.count()).where(AuditEvent.action == "access.refused")
            return int(session.scalar(query) or 0)

    own = site.browser("publisher").get(PAGE, params={"period": "2026-10"})
    assert own.status_code == 200
    assert _rows(own.text) == ["330100TEST"]
    assert 'id="scorecard-detail" data-department="330100TEST"' in own.text  # its only card

    before = refusals()
    asker = site.browser("requester")
    refused = asker.get(PAGE, params={"period": "2026-10", "department": "330100TEST"})
    assert refused.status_code == 403
    assert "各部门只能查看本部门的考核" in refused.text
    assert refusals() == before + 1
    bad = asker.get(PAGE, params={"period": "2026-13"})
    assert bad.status_code == 422 and "考核期须为月" in bad.text
    missing = site.browser("auditor").get(PAGE, params={"department": "NOSUCH"})
    assert missing.status_code == 404 and "没有该部门" in missing.text
    too_long = asker.get(PAGE, params={"period": "x" * 11})
    assert too_long.status_code == 422


def test_the_download_is_a_workbook_and_recorded(site: Site) -> None:
    got = site.browser("auditor").get(
        f"{PAGE}/download", params={"format": "xlsx", "period": "2026-10"}
    )
    assert got.status_code == 200, got.text
    book = load_workbook(io.BytesIO(got.content), read_only=True)
    try:
        assert book.sheetnames == ["汇总", "责任清单履行", "共享申请答复", "异议答复", "质量趋势"]
    finally:
        book.close()
    with site.sessions() as session:
        event = session.get(AuditEvent, int(got.headers["x-zhongtai-audit-event"]))
        assert event is not None and event.action == "scorecard.exported"


@pytest.fixture(scope="module")
def server(site: Site) -> Iterator[str]:
    """The portal served by uvicorn on a free port, in a thread (lifespan off, as the exchange
    browser tests run it)."""
    with served(site.app()) as url:
        yield url


@pytest.mark.browser
def test_an_auditor_reads_the_scorecards_in_a_browser(
    site: Site, server: str, chromium: Browser
) -> None:
    page = signed_in(chromium, server, site.tokens["auditor"])
    page.click("nav.tabs a[data-nav='nav.scorecards']")
    page.wait_for_url("**/portal/scorecards?lang=zh")
    assert page.inner_text("h1").startswith("部门考核")
    assert page.inner_text("#scorecard-period") == "2026-11"  # this month, by the app's clock
    page.fill("#scorecard-filters input[name=period]", "2026-10")
    page.click("#scorecard-filters button[type=submit]")
    page.wait_for_url("**period=2026-10*")
    rows = page.eval_on_selector_all(
        "#scorecard-league tbody tr", "rs => rs.map(r => r.dataset.department)"
    )
    assert rows == ["330100TEST", "330100ASKS", "330100IDLE"]
    bar = page.locator("#fulfilment-chart rect.bar").first.bounding_box()
    assert bar is not None and bar["width"] > 50  # drawn, not only in the markup
    assert page.get_attribute("#fulfilment-chart", "role") == "img"
    assert page.text_content("#fulfilment-chart-title") == "各部门责任清单履行率（%）"

    page.select_option("#scorecard-filters select[name=department]", "330100TEST")
    page.click("#scorecard-filters button[type=submit]")
    page.wait_for_selector("#scorecard-detail")
    assert page.inner_text("#detail-share") == "25.0%"
    assert page.inner_text("#detail-breaches") == "2"
    assert page.locator("#replies tr.breach").count() == 2
    assert page.locator("#trend-chart circle.dot").count() == 4
    shoot(page, "scorecards_zh.png")
    page.click("a.lang")
    page.wait_for_url("**lang=en*")
    assert page.inner_text("h1").startswith("Department scorecards")
    assert page.inner_text("#detail-direction") == "declining"
    shoot(page, "scorecards_en.png")
