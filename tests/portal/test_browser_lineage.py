"""The lineage page (数据血缘) over the real app, then in a real browser (Debian's chromium via
Playwright). Over HTTP: an auditor sees a delivery's graph drawn as SVG back to the landed file,
in Chinese and in English; the owner's steward follows its own dataset; a department's requester
and a hostile steward of another department are refused (403, recorded) and never offered the
link; a bad depth is the refusal page, not a 500. In the browser: 数据资源管理局's auditor opens
数据血缘 from the navigation, asks for a delivery's upstream and sees the department's delivery,
the lake table, the batch and the landed file drawn, follows the file's box, then asks what was
made of it, down to the department. Screenshots (zh and en) go to ``var/screenshots``."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser
from sqlalchemy import func, select

from catalog.models import AuditEvent
from tests.exchange_api.test_lineage_trace import _steward_of
from tests.portal.browser_fixtures import shoot, signed_in
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import AUDITOR, DATASET, RSJ, SWJ, browser


@pytest.fixture(scope="module")
def delivery(platform: Platform) -> int:
    read = platform.client.get(
        f"/api/v1/datasets/{DATASET}/data", params={"limit": 3}, headers=platform.headers(RSJ)
    )
    assert read.status_code == 200, read.text
    return int(read.headers["X-Zhongtai-Audit-Event"])


def test_an_auditor_sees_the_graph_back_to_the_file(platform: Platform, delivery: int) -> None:
    auditor = browser(platform, AUDITOR)
    page = auditor.get(f"/portal/lineage?node=delivery:330100RSJ/{delivery}&direction=up")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-nav="nav.lineage"' in html
    assert "<svg" in html and 'id="lineage-graph"' in html and "<script" not in html
    kinds = set(re.findall(r'data-kind="(\w+)"', html))
    assert kinds == {"file", "batch", "dataset", "delivery"}
    assert f'data-node="file:{platform.manifest.sha256}"' in html
    assert f'data-node="batch:{platform.batch.batch_id}"' in html
    assert "数据血缘" in html and "杭州市人力资源和社会保障局" in html
    english = auditor.get(f"/portal/lineage?node={DATASET}&direction=down&lang=en")
    assert english.status_code == 200
    assert "Data lineage" in english.text and f"delivery:330100RSJ/{delivery}" in english.text


def test_the_owner_steward_follows_its_own_dataset(platform: Platform, delivery: int) -> None:
    steward = browser(platform, RSJ)  # 人社局: publisher and steward
    page = steward.get("/portal/lineage")  # its first dataset by default
    assert page.status_code == 200, page.text
    assert 'data-nav="nav.lineage"' in page.text and 'id="lineage-graph"' in page.text


def test_others_are_refused_and_not_offered_the_page(platform: Platform, delivery: int) -> None:
    def refusals() -> int:
        with platform.sessions() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(AuditEvent.action == "access.refused")
                )
                or 0
            )

    before = refusals()
    reader = browser(platform, SWJ)
    home = reader.get("/portal/")
    assert 'data-nav="nav.lineage"' not in home.text
    refused = reader.get(f"/portal/lineage?node={DATASET}")
    assert refused.status_code == 403
    assert "部门数据管理员只能查看本部门" in refused.text
    hostile_headers = _steward_of(platform, "330100GAJ", "gaj-portal-steward")
    hostile = platform.client.get(f"/api/v1/lineage/{DATASET}", headers=hostile_headers)
    assert hostile.status_code == 403
    assert refusals() == before + 2
    bad = browser(platform, AUDITOR).get(f"/portal/lineage?node={DATASET}&depth=abc")
    assert bad.status_code == 422 and "层数须为 1 至 10" in bad.text


@pytest.mark.browser
def test_an_auditor_draws_a_delivery_back_to_its_file(
    platform: Platform, server: str, chromium: Browser, delivery: int
) -> None:
    node = f"delivery:330100RSJ/{delivery}"
    page = signed_in(chromium, server, platform.tokens.by_account[AUDITOR])
    page.click("nav.tabs a[data-nav='nav.lineage']")
    page.wait_for_url("**/portal/lineage?lang=zh")
    assert page.inner_text("h1") == "数据血缘"
    page.fill("#lineage-form input[name=node]", node)
    page.select_option("#lineage-form select[name=direction]", "up")
    page.click("#lineage-form button[type=submit]")
    page.wait_for_selector("#lineage-graph")
    kinds = page.eval_on_selector_all("#lineage-graph g.node", "gs => gs.map(g => g.dataset.kind)")
    assert sorted(kinds) == ["batch", "dataset", "delivery", "file"]
    assert page.locator("#lineage-graph path.arrow").count() == 3
    box = page.locator("#lineage-graph g.node.file rect").bounding_box()
    assert box is not None and box["width"] > 100  # drawn, not only in the markup
    shoot(page, "lineage_zh.png")

    page.click(f"#lineage-graph g.node[data-node='file:{platform.manifest.sha256}']")
    page.wait_for_url("**node=file*")  # the file's box leads to the file's own lineage
    assert page.input_value("#lineage-form input[name=node]").startswith("file:")
    page.select_option("#lineage-form select[name=direction]", "down")
    page.click("#lineage-form button[type=submit]")
    page.wait_for_url("**direction=down*")
    targets = page.eval_on_selector_all(
        "#lineage-edges tbody tr", "rs => rs.map(r => r.dataset.target)"
    )
    assert node in targets  # from the file down to the department's delivery
    page.goto(page.url.replace("lang=zh", "lang=en"))
    assert page.inner_text("h1") == "Data lineage"
    shoot(page, "lineage_en.png")
