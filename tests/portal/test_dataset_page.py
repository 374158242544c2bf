"""The dataset page (信息资源详情) over HTTP, then in a real browser (Debian's chromium via
Playwright): the catalog record, fields with data elements and data types, share and open type,
freshness, the latest quality score — its trend and report only for those who may read reports —
and the lineage link only for those who may follow it; Chinese by default, English on request;
the full-catalog downloads, recorded."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser

from catalog.catalog_sheet import CATALOG_HEADINGS
from tests.portal.browser_fixtures import shoot, signed_in
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import AUDITOR, DATASET, RSJ, SWJ, browser, events


def test_a_requester_sees_the_entry_without_the_trend_or_lineage(platform: Platform) -> None:
    page = browser(platform, SWJ).get(f"/portal/catalog/{DATASET}")
    assert page.status_code == 200 and page.headers["content-language"] == "zh-CN"
    html = page.text
    assert '<dd id="open-type">不予开放</dd>' in html and "重要数据" in html
    assert '<dd id="steward">人社局数据管理员</dd>' in html
    assert '<code id="provider-code">330100RSJ</code>' in html
    assert 'id="freshness" data-freshness="fresh"' in html  # the batch was published just now
    citizen = re.search(r'<tr data-field="citizen_id">.*?</tr>', html, re.S)
    assert citizen, html
    row = citizen.group(0)
    assert "字符型" in row and "公民身份号码" in row and "GB 11643" in row
    assert "Citizen identification number" in row and "个人信息" in row and "keep:6:4" in row
    amount = re.search(r'<tr data-field="amount">.*?</tr>', html, re.S)
    assert amount and "数值型" in amount.group(0)
    score = re.search(r'id="quality-score">([\d.]+)<', html)
    assert score and 0 <= float(score.group(1)) <= 100
    assert 'id="trend-restricted"' in html and 'id="trend-chart"' not in html
    assert 'id="quality-report"' not in html and 'id="lineage-link"' not in html
    assert 'href="/api/v1/catalog/dcat.ttl"' in html
    assert 'href="/portal/exports/catalog.xlsx' in html
    assert "<script" not in html


def test_the_owner_sees_the_trend_the_report_and_the_lineage_link(platform: Platform) -> None:
    html = browser(platform, RSJ).get(f"/portal/catalog/{DATASET}?lang=en").text
    assert "Catalog entry (GB/T 21063)" in html and "Not open" in html
    assert 'id="trend-chart"' in html and 'id="trend-restricted"' not in html
    assert re.search(r'id="quality-report" href="/portal/quality/\d+\?lang=en"', html)
    assert f'id="lineage-link" href="/portal/lineage?node={DATASET}&amp;lang=en"' in html
    citizen = re.search(r'<tr data-field="citizen_id">.*?</tr>', html, re.S)
    assert citizen and "character" in citizen.group(0) and "公民身份号码" in citizen.group(0)


def test_the_auditor_follows_the_lineage_link(platform: Platform) -> None:
    auditor = browser(platform, AUDITOR)
    html = auditor.get(f"/portal/catalog/{DATASET}").text
    link = re.search(r'id="lineage-link" href="([^"]+)"', html)
    assert link
    assert auditor.get(link.group(1).replace("&amp;", "&")).status_code == 200


def test_the_full_catalog_downloads_from_the_portal_and_is_recorded(platform: Platform) -> None:
    swj = browser(platform, SWJ)
    before = len(events(platform, "catalog.exported"))
    got = swj.get("/portal/exports/catalog.xlsx")
    assert got.status_code == 200 and got.headers["content-disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(got.content), read_only=True)
    try:
        rows = list(book["信息资源目录"].iter_rows(values_only=True))
    finally:
        book.close()
    assert tuple(rows[0]) == CATALOG_HEADINGS
    assert "社会保险缴费信息" in {r[1] for r in rows[1:]}  # 信息资源名称
    assert "2.07.001.002/330100RSJ-00001" in {r[0] for r in rows[1:]}  # its resource code
    assert len(events(platform, "catalog.exported")) == before + 1
    signed_out = browser(platform, SWJ)
    signed_out.cookies.clear()
    refused = signed_out.get("/portal/exports/catalog.csv", follow_redirects=False)
    assert refused.status_code in (303, 401) and not refused.content.startswith(b"\xef\xbb\xbf")
    assert len(events(platform, "catalog.exported")) == before + 1


@pytest.mark.browser
def test_the_dataset_page_in_a_browser(platform: Platform, server: str, chromium: Browser) -> None:
    tokens = platform.tokens.by_account
    rsj = signed_in(chromium, server, tokens[RSJ])
    rsj.click("nav.tabs a[data-nav='nav.catalog']")
    rsj.click(f"tr[data-dataset='{DATASET}'] td:nth-child(2) a")
    assert rsj.inner_text("#open-type") == "不予开放"
    assert rsj.inner_text("#freshness") == "按期更新"
    assert "字符型" in rsj.inner_text("tr[data-field=citizen_id] td.data-type")
    assert "公民身份号码" in rsj.inner_text("tr[data-field=citizen_id] td.element")
    assert rsj.locator("#trend-chart circle.dot").count() >= 1
    shoot(rsj, "dataset-page-zh.png")
    rsj.click("#lineage-link")
    rsj.wait_for_url(re.compile(r"/portal/lineage\?node="))
    assert rsj.locator("#lineage-graph").count() == 1
    rsj.goto(f"{server}/portal/catalog/{DATASET}?lang=en")
    assert rsj.inner_text("#open-type") == "Not open"
    assert rsj.inner_text("#freshness") == "up to date"
    shoot(rsj, "dataset-page-en.png")
    rsj.context.close()


def test_the_national_fields_show_from_the_catalog(platform: Platform) -> None:
    """The shipped contract's national catalog fields, as the catalog stored them."""
    html = browser(platform, SWJ).get(f"/portal/catalog/{DATASET}").text
    assert '<code id="resource-code">2.07.001.002/330100RSJ-00001</code>' in html
    assert "2.07.001.002" in html and "数据库/CSV（GBK）" in html and "2023-07-01" in html
    assert '<dd id="share-conditions">使用部门须因社会救助' in html
    assert re.search(
        r'id="share-method"><span class="tag">接口</span> <span class="tag">文件', html
    )
    assert 'href="/portal/catalog/gaj_household_registration?lang=zh"' in html
    assert '<span class="tag">社保</span>' in html
