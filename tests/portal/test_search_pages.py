"""The catalog page as a search (``exchange_api.portal.search_pages``) over the real app, then in
headless Chromium. Over HTTP: 社保 and its pinyin initials sbjf find 社会保险缴费信息 with the
matched characters marked, in Chinese and in English; the facets count the current search and
their links narrow it; bad filters are the refusal page with their code, not a 500; hostile text
is only text. In the browser: 税务局 searches 社保, then sbjf, then narrows by share type from the
facet, and opens the entry."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser

from tests.portal.browser_fixtures import shoot, signed_in
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import DATASET, SWJ, browser


def test_search_marks_what_matched_in_both_languages(platform: Platform) -> None:
    swj = browser(platform, SWJ)
    page = swj.get("/portal/catalog", params={"q": "社保"})
    assert page.status_code == 200 and page.headers["content-language"] == "zh-CN"
    html = page.text
    assert f'data-dataset="{DATASET}"' in html
    assert "<mark>社</mark>会<mark>保</mark>险缴费信息" not in html  # 社保 is not 社…保
    assert 'data-dataset="gaj_household_registration"' not in html
    assert "“社保”共 1 条信息资源" in html
    initials = swj.get("/portal/catalog", params={"q": "sbjf"}).text
    assert f'data-dataset="{DATASET}"' in initials and "名称拼音" in initials
    title = swj.get("/portal/catalog", params={"q": "缴费"}).text
    assert "社会保险<mark>缴费</mark>信息" in title
    english = swj.get("/portal/catalog", params={"q": "insurance", "lang": "en"}).text
    assert "Social <mark>insurance</mark> contributions" in english
    assert "1 datasets for “insurance”" in english
    assert "<script" not in html and "https://" not in html


def test_facets_count_and_narrow(platform: Platform) -> None:
    swj = browser(platform, SWJ)
    html = swj.get("/portal/catalog").text
    assert 'id="search-total" data-total="3"' in html
    share = re.search(r'data-facet="share_type".*?</section>', html, re.S)
    assert share is not None
    assert re.search(
        r'data-value="conditional">有条件共享</a> <span class="count">2</span>', share[0]
    )
    link = re.search(r'href="([^"]+)" data-value="unconditional"', share[0])
    assert link is not None
    narrowed = swj.get(link[1].replace("&amp;", "&")).text
    assert (
        'data-total="1"' in narrowed and 'data-dataset="scjgj_enterprise_registration"' in narrowed
    )
    by_owner = swj.get("/portal/catalog", params={"department": "330100GAJ"}).text
    assert 'data-total="1"' in by_owner and "gaj_household_registration" in by_owner


@pytest.mark.parametrize(
    ("params", "status", "sentence"),
    [
        ({"share_type": "everyone"}, 422, "筛选条件无效"),
        ({"q": "社" * 101}, 422, "检索词不能超过 100 个字符"),
        ({"fresh": "perhaps"}, 422, "筛选条件无效"),
    ],
)
def test_bad_filters_are_the_refusal_page(
    platform: Platform, params: dict[str, str], status: int, sentence: str
) -> None:
    page = browser(platform, SWJ).get("/portal/catalog", params=params)
    assert page.status_code == status and sentence in page.text


def test_hostile_text_is_escaped(platform: Platform) -> None:
    page = browser(platform, SWJ).get("/portal/catalog", params={"q": "<script>alert(1)</script>"})
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text


@pytest.mark.browser
def test_search_in_the_browser(platform: Platform, server: str, chromium: Browser) -> None:
    page = signed_in(chromium, server, platform.tokens.by_account[SWJ])
    page.click("nav.tabs a[data-nav='nav.catalog']")
    page.fill("#q", "社保")
    page.click("#search-form button[type=submit]")
    page.wait_for_url(re.compile(r"q=%E7%A4%BE%E4%BF%9D"))
    rows = page.eval_on_selector_all(
        "#search-results tr.dataset", "rs => rs.map(r => r.dataset.dataset)"
    )
    assert rows == [DATASET]
    assert page.inner_text(f"tr[data-dataset='{DATASET}'] a.title") == "社会保险缴费信息"

    page.fill("#q", "sbjf")
    page.click("#search-form button[type=submit]")
    page.wait_for_url(re.compile(r"q=sbjf"))
    rows = page.eval_on_selector_all(
        "#search-results tr.dataset", "rs => rs.map(r => r.dataset.dataset)"
    )
    assert rows == [DATASET]  # sbjf: the initials of 社保缴费, the abbreviated title
    assert "名称拼音" in page.inner_text(f"tr[data-dataset='{DATASET}']")
    page.fill("#q", "jfxx")  # initials of the title itself mark the characters they stand for
    page.click("#search-form button[type=submit]")
    page.wait_for_url(re.compile(r"q=jfxx"))
    marks = page.eval_on_selector_all(
        f"tr[data-dataset='{DATASET}'] a.title mark", "ms => ms.map(m => m.textContent)"
    )
    assert marks == ["缴费信息"]
    shoot(page, "catalog_search_zh.png")

    page.fill("#q", "")
    page.click("#search-form button[type=submit]")
    page.click("section[data-facet='share_type'] a[data-value='unconditional']")
    page.wait_for_url(re.compile(r"share_type=unconditional"))
    shown = page.eval_on_selector_all(
        "#search-results tr.dataset", "rs => rs.map(r => r.dataset.shareType)"
    )
    assert shown == ["unconditional"]
    assert page.inner_text("#search-total").startswith("共 1 条")
    page.click("#search-results tr.dataset td:nth-child(2) a.title")
    page.wait_for_url("**/portal/catalog/scjgj_enterprise_registration?lang=zh")
