"""数字助残 through the portal only, in a real browser (Debian's chromium via Playwright, the app
served by uvicorn on the scenario world): 区残联 files the scenario through the form (a faulty
form first: its problem shown on the page, in zh and en); 民政 and 财政 approve as asked and 卫健
and 人社 narrow, each on its own inbox page reached from the scenario page; 区残联 opens the
joined view — headers ``dataset.field``, masked columns marked, the dropped columns absent — and
downloads the page as NDJSON; another department gets the hidden "not found"; a form posted
without the CSRF token changes nothing. Every page passes ``assert_accessible``; screenshots go
to ``tests/artifacts/screenshots``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import init_catalog
from catalog.models import AuditEvent
from catalog.scenario_tables import ScenarioRequest
from catalog.settings import Settings
from exchange_api import scenario_eligibility as zc
from exchange_api.app import create_app
from exchange_api.scenario_world import ScenarioWorld
from tests.fixtures.world_copy import copied_world
from tests.portal.a11y import assert_accessible
from tests.portal.browser_fixtures import served, shoot, signed_in
from tests.scenarios.scenario_request_world import DROPPED, NARROWED, OWNERS

pytestmark = pytest.mark.browser

REQUESTER = "scen-cl"
OUTSIDER = "scen-bsjd"


@dataclass
class Site:
    url: str
    world: ScenarioWorld
    sessions: sessionmaker[Session]

    def page(self, chromium: Browser, account: str) -> Page:
        token = self.world.tokens.by_account[account]
        return signed_in(chromium, self.url, token, bypass_csp=True)  # axe's script tag

    def count(self, action: str | None = None) -> int:
        with self.sessions() as session:
            if action is None:
                return int(session.scalar(select(func.count()).select_from(ScenarioRequest)) or 0)
            query = select(func.count()).where(AuditEvent.action == action)
            return int(session.scalar(query) or 0)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    var = tmp_path_factory.mktemp("scenpage") / "var"
    settings = Settings(var_dir=var, environment="test", _env_file=None)  # type: ignore[call-arg]
    world = copied_world(settings)
    sessions: sessionmaker[Session] = init_catalog(settings.resolved_catalog_url)
    with served(create_app(settings)) as url:
        yield Site(url, world, sessions)
    sessions.kw["bind"].dispose()


def _fill(page: Page, *, members: tuple[zc.MemberAsk, ...]) -> None:
    form = page.locator("#scenario-form")
    form.locator("#scen-title").fill(zc.TITLE)
    form.locator("#scen-purpose").fill(zc.PURPOSE)
    form.locator("#scen-legal-basis").fill(zc.LEGAL_BASIS)
    form.locator("#scen-join").select_option(zc.JOIN_FIELD)
    for ask in members:
        for name in ask.fields:
            form.locator(f"input[name=fields][value='{ask.dataset}.{name}']").check()
    form.locator("button[type=submit]").click()


def test_file_decide_and_read_through_the_portal(site: Site, chromium: Browser) -> None:
    cl = site.page(chromium, REQUESTER)
    cl.click("nav.tabs a[data-nav='nav.scenarios']")
    cl.wait_for_url(re.compile(r"/portal/scenarios\?lang=zh$"))
    assert cl.locator("#scenarios .empty").count() == 1
    assert_accessible(cl, "the scenario list and form")

    # a scenario of one dataset: refused on the page, the form kept, nothing filed
    _fill(cl, members=zc.ASKS[:1])
    problem = cl.locator("#scenario-error")
    assert problem.get_attribute("data-code") == "scenario.invalid_members"
    assert "2 至 12 项资源" in problem.inner_text()
    assert cl.locator("#scen-title").input_value() == zc.TITLE
    assert site.count() == 0
    assert_accessible(cl, "the form with its problem")
    shoot(cl, "scenario-form-error-zh.png")

    # the 数字助残 scenario as filed: the register (own: the anchor) and four owners' datasets
    cl.goto(f"{site.url}/portal/scenarios?lang=zh")
    _fill(cl, members=zc.ASKS)
    cl.wait_for_url(re.compile(r"/portal/scenarios/\d+\?lang=zh$"))
    scenario_id = int(cl.url.split("/")[-1].split("?")[0])
    assert cl.locator("#scenario-status").get_attribute("data-status") == "pending"
    assert cl.locator("#anchor").get_attribute("data-dataset") == "cl_disabled_persons"
    assert cl.locator("#members article.request").count() == len(OWNERS)
    assert cl.locator("#read-joined").count() == 0  # not live yet
    assert_accessible(cl, "a pending scenario")
    shoot(cl, "scenario-pending-zh.png")

    # each owner opens the scenario, follows its member's link to its inbox and decides there
    for code, account in OWNERS.items():
        owner = site.page(chromium, account)
        owner.click("nav.tabs a[data-nav='nav.scenarios']")
        owner.click(f"#scenario-{scenario_id} h3 a")
        member = owner.locator(f"article.request[data-dataset='{code}']")
        assert owner.locator("article.request a.decide").count() == 1  # its own member only
        member.locator("a.decide").click()
        owner.wait_for_url(re.compile(r"/portal/inbox\?lang=zh#request-\d+$"))
        request_id = owner.url.rsplit("-", 1)[1]
        approve = owner.locator(f"#request-{request_id} form.approve")
        asked = next(a for a in zc.ASKS if a.dataset == code)
        for name in set(asked.fields) - set(NARROWED.get(code, asked.fields)):
            approve.locator(f"input[name=fields][value={name}]").uncheck()  # narrowed
        if code == "wjw_care_assessment":  # shares only who is severely dependent
            approve.locator("select[name=filter_field]").select_option("care_grade")
            approve.locator("select[name=filter_op]").select_option("ge")
            approve.locator("input[name=filter_value]").fill("3")
        approve.locator("input[name=reason]").fill("同意（数字助残）")
        approve.locator("button[type=submit]").click()
        owner.wait_for_url(f"{site.url}/portal/inbox?lang=zh")
        assert owner.locator(f"#request-{request_id}").count() == 0
        owner.context.close()

    # the requester: live, every member decided, the joined view without the dropped columns
    cl.goto(f"{site.url}/portal/scenarios/{scenario_id}?lang=zh")
    assert cl.locator("#scenario-status").get_attribute("data-status") == "live"
    statuses = cl.locator("#members article.request").evaluate_all(
        "els => els.map(e => e.dataset.status)"
    )
    assert statuses == ["approved"] * len(OWNERS)
    assert cl.locator("#left-out").count() == 0
    wjw = cl.locator("article[data-dataset='wjw_care_assessment'] .granted")
    assert "care_grade" not in wjw.locator("ul.fields").inner_text()  # narrowed away
    assert wjw.locator("code.filter").inner_text().endswith("≥ 3")  # the owner's row filter
    shoot(cl, "scenario-live-zh.png")
    cl.click("#read-joined")
    cl.wait_for_url(re.compile(rf"/portal/scenarios/{scenario_id}/data\?lang=zh$"))
    headers = cl.locator("table.data th").evaluate_all("ths => ths.map(t => t.dataset.column)")
    assert headers and all(re.fullmatch(r"[a-z_]+\.[a-z_]+", h) for h in headers), headers
    assert not set(DROPPED) & set(headers)
    assert "cl_disabled_persons.citizen_id" in headers
    assert [h for h in headers if h.endswith(".citizen_id")] == ["cl_disabled_persons.citizen_id"]
    assert cl.locator("table.data tr.row").count() == 20
    masked = cl.locator("table.data th[data-masked]").evaluate_all(
        "ths => ths.map(t => t.dataset.column)"
    )
    for column in masked:  # a masked column's cells are marked, never shown in clear
        index = headers.index(column) + 1
        cells = cl.locator(f"table.data tr.row td:nth-child({index})")
        assert all(c == "masked" for c in cells.evaluate_all("tds => tds.map(t => t.className)"))
    assert_accessible(cl, "the joined view")
    shoot(cl, "scenario-data-zh.png")

    reads = site.count("scenario.read")
    with cl.expect_download() as download:
        cl.click("a.download[data-format=ndjson]")
    path = download.value.path()
    rows = [json.loads(line) for line in Path(path).read_text("utf-8").splitlines()]
    assert len(rows) == 20 and all(not set(r) & set(DROPPED) for r in rows)
    assert site.count("scenario.read") == reads + 1  # the download is a read, audited

    cl.click("a.lang")  # English: the same page
    cl.wait_for_url(re.compile(rf"/portal/scenarios/{scenario_id}/data\?lang=en$"))
    assert cl.locator("h1").inner_text().startswith("Joined view")
    assert cl.locator("a.download[data-format=ndjson]").inner_text().startswith("NDJSON")
    assert_accessible(cl, "the joined view, en")
    shoot(cl, "scenario-data-en.png")
    cl.goto(f"{site.url}/portal/scenarios/{scenario_id}?lang=en")
    assert cl.locator("#scenario-status").inner_text() == "live"
    assert cl.locator("#read-joined").inner_text() == "Open the joined view"
    assert_accessible(cl, "a live scenario, en")
    cl.goto(f"{site.url}/portal/scenarios?lang=en")
    assert cl.locator("h1").inner_text() == "Scenario requests"
    assert cl.locator("#file h2").inner_text() == "File a scenario request"
    assert_accessible(cl, "the scenario list and form, en")
    shoot(cl, "scenario-list-en.png")

    # a form without the CSRF token changes nothing (refused and audited, nothing filed)
    filed, refused = site.count(), site.count("portal.form_refused")
    answer = cl.request.post(
        f"{site.url}/portal/scenarios?lang=en",
        form={
            "title": "forged",
            "purpose": "forged",
            "join_field": "citizen_id",
            "fields": "mzj_assistance_status.citizen_id",
        },
    )
    assert answer.status == 403 and "csrf.invalid" in answer.text()
    assert site.count() == filed and site.count("portal.form_refused") == refused + 1
    cl.context.close()


def test_another_department_gets_the_hidden_not_found(site: Site, chromium: Browser) -> None:
    with site.sessions() as session:
        scenario_id = session.scalars(select(ScenarioRequest.id)).first()
    assert scenario_id is not None, "run with the test that files it"
    outsider = site.page(chromium, OUTSIDER)
    outsider.click("nav.tabs a[data-nav='nav.scenarios']")
    assert outsider.locator(f"#scenario-{scenario_id}").count() == 0
    refused = site.count("access.refused")
    for path in (f"/portal/scenarios/{scenario_id}", f"/portal/scenarios/{scenario_id}/data"):
        answer = outsider.goto(f"{site.url}{path}?lang=zh")
        assert answer is not None and answer.status == 404, path
        assert "scenario.not_found" in outsider.content()
        assert zc.TITLE not in outsider.content()
    assert site.count("access.refused") == refused + 2
    assert_accessible(outsider, "the hidden not-found")
    shoot(outsider, "scenario-not-found-zh.png")
    outsider.context.close()
