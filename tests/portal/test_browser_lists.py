"""The responsibility list and the demand list in a real browser (Debian's chromium via
Playwright, no browser download), on the demo's seeded catalog (no lake needed): 大数据局's admin
adds a duty and 人社局 links its dataset; 税务局 files a demand that 人社局 declines while 公安局
sees only its public part. Chinese by default, then English. Screenshots to ``var/screenshots``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser
from sqlalchemy import Engine

from catalog.db import init_catalog
from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.demo import DemoTokens, seed
from tests.portal.browser_fixtures import served, shoot, signed_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, DemoTokens]]:
    """A served app on a seeded catalog: its address and the demo tokens."""
    var = tmp_path_factory.mktemp("lists") / "var"
    settings = Settings(var_dir=var, environment="test", _env_file=None)  # type: ignore[call-arg]
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        tokens = seed(session)
        session.commit()
    engine: Engine = sessions.kw["bind"]
    engine.dispose()
    app = create_app(settings)
    with served(app) as url:
        yield url, tokens
    app.state.engine.dispose()


def test_the_responsibility_list(seeded: tuple[str, DemoTokens], chromium: Browser) -> None:
    server, tokens = seeded
    admin = signed_in(chromium, server, tokens.by_account["dsj-admin"])
    admin.click("nav.tabs a[data-nav='nav.lists']")
    admin.wait_for_url("**/portal/lists/responsibilities?lang=zh")
    assert admin.locator("h1").inner_text() == "责任清单"
    form = admin.locator("#responsibility-form")
    form.locator("select[name=department]").select_option("330100RSJ")
    form.locator("#title_zh").fill("社会保险缴费信息")
    form.locator("#duty").fill("按月提供全市参保单位及个人缴费明细")
    form.locator("#legal_basis").fill("《中华人民共和国社会保险法》第七十五条")
    form.locator("select[name=update_cycle]").select_option("monthly")
    form.locator("#min_quality_score").fill("95")
    form.locator("button[type=submit]").click()
    admin.wait_for_url("**/portal/lists/responsibilities?lang=zh#responsibility-*")
    item = admin.locator("article.responsibility").first
    assert item.locator("dd.cycle").inner_text() == "每月"
    assert item.locator("dd.linked").inner_text() == "尚未关联"

    rsj = signed_in(chromium, server, tokens.by_account["rsj-exchange"])
    rsj.goto(f"{server}/portal/lists/responsibilities?department=330100RSJ")
    link = rsj.locator("article.responsibility form.link")
    link.locator("select[name=dataset]").select_option("rsj_social_insurance")
    link.locator("button[type=submit]").click()
    rsj.wait_for_url("**/portal/lists/responsibilities?lang=zh#responsibility-*")
    assert "rsj_social_insurance" in rsj.locator("article.responsibility dd.linked").inner_text()
    assert rsj.locator("article.responsibility form.retire").count() == 0  # admins retire
    shoot(rsj, "lists-responsibilities-zh.png")
    rsj.click("a.lang")
    rsj.wait_for_url("**/portal/lists/responsibilities?lang=en*")
    assert rsj.locator("h1").inner_text() == "Responsibility list"
    assert rsj.locator("article.responsibility dd.cycle").inner_text() == "monthly"
    assert rsj.locator("nav.sub a[data-list='negative']").get_attribute("href") == (
        "/portal/lists/negative?lang=en"
    )
    shoot(rsj, "lists-responsibilities-en.png")


def test_the_demand_list(seeded: tuple[str, DemoTokens], chromium: Browser) -> None:
    server, tokens = seeded
    swj = signed_in(chromium, server, tokens.by_account["swj-exchange"])
    swj.goto(f"{server}/portal/lists/demands")
    form = swj.locator("#demand-form")
    form.locator("#demand-title").fill("社保缴费记录核验")
    form.locator("#demand-scenario").fill("个人所得税专项附加扣除审核")
    form.locator("#demand-legal-duty").fill("《中华人民共和国税收征收管理法》第六条")
    form.locator("#demand-fields").fill("公民身份号码，缴费金额")
    form.locator("button[type=submit]").click()
    swj.wait_for_url("**/portal/lists/demands?lang=zh#demand-*")
    demand = swj.locator("article.demand").first
    assert demand.locator("span.status").inner_text() == "待匹配"
    match = demand.locator("form.match")
    match.locator("select[name=dataset]").select_option("rsj_social_insurance")
    match.locator("button[type=submit]").click()
    swj.wait_for_url("**/portal/lists/demands?lang=zh#demand-*")
    assert swj.locator("article.demand span.status").first.inner_text() == "已匹配"

    gaj = signed_in(chromium, server, tokens.by_account["gaj-exchange"])
    gaj.goto(f"{server}/portal/lists/demands?status=matched")
    public = gaj.locator("article.demand").first
    assert public.locator("p.restricted").count() == 1
    assert "个人所得税专项附加扣除审核" not in gaj.content()

    rsj = signed_in(chromium, server, tokens.by_account["rsj-exchange"])
    rsj.goto(f"{server}/portal/lists/demands")
    owned = rsj.locator("article.demand").first
    assert owned.locator("dd.scenario").inner_text() == "个人所得税专项附加扣除审核"
    decline = owned.locator("form.decline")
    decline.locator("input[name=reason]").fill("涉及个人敏感信息，须经授权")
    decline.locator("button[type=submit]").click()
    rsj.wait_for_url("**/portal/lists/demands?lang=zh#demand-*")
    assert rsj.locator("article.demand span.status").first.inner_text() == "未能满足"
    shoot(rsj, "lists-demands-zh.png")
    swj.goto(f"{server}/portal/lists/demands?lang=en")
    assert swj.locator("h1").inner_text() == "Demand list"
    assert swj.locator("article.demand span.status").first.inner_text() == "declined"
    assert "涉及个人敏感信息" in swj.locator("article.demand p.reason").first.inner_text()
    shoot(swj, "lists-demands-en.png")
