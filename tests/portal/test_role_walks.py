"""A day of each role, through the portal only, in headless chromium (Playwright) against the
real app served by uvicorn on one demo platform (``tests/portal/conftest.py``).

- requester (税务局): searches the catalog in Chinese and by pinyin initials, opens the dataset,
  files a request with purpose, fields, modes and a match field; 人社局's publisher approves it
  in its own browser; the requester sees the grant, reads its data (masked), downloads a bulk
  file and verifies a record (核验) on the verify page;
- owner (人社局): approves 公安局's request as asked, narrows 税务局's (a field dropped and a row
  filter), revokes 公安局's grant from "grants given"; each requester's own pages show it;
- steward (人社局): opens the batch's quality report from home, reviews it, signs it off;
- auditor (数据资源管理局): finds the decisions, the narrowing, the revocation and the sign-off in
  the audit log by filtering, opens the lineage graph of the delivered dataset, exports an
  evidence bundle and verifies it offline; then switches to English.

Every step asserts on the page, drives the main action by keyboard, checks labels and axe-core
(``walk_steps.step``) and saves ``tests/artifacts/screenshots/walk-*.png``. The test reads the
catalog and the audit chain to assert (and the owner's stored rows to know one real ID to
verify), never acts through the API. The auditor's day audits the others': run alone, it runs
the days it needs first (:func:`day`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from typer.testing import CliRunner

from exchange_api.cli import app
from tests.exchange_api.verify_platform import stored_rows
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import AUDITOR, DATASET, RSJ, SWJ, events, grant_of
from tests.portal.walk_steps import by_keyboard, file_request, person, step

pytestmark = pytest.mark.browser

GAJ = "gaj-exchange"
Walk = Callable[[Platform, str, Browser], None]
_DONE: set[str] = set()


def day(name: str, walk: Walk, platform: Platform, server: str, chromium: Browser) -> None:
    """Run one role's day once a module (the auditor's needs the others' acts)."""
    if name not in _DONE:
        walk(platform, server, chromium)
        _DONE.add(name)


def requester_day(platform: Platform, server: str, chromium: Browser) -> None:
    tokens = platform.tokens.by_account
    swj = person(chromium, server, tokens[SWJ])
    step(swj, "requester-home", current="home")
    by_keyboard(swj, swj.locator("nav.tabs a[data-nav='nav.catalog']"))
    swj.wait_for_url("**/portal/catalog?lang=zh")
    swj.locator("#q").fill("社保")
    swj.locator("#q").press("Enter")
    swj.wait_for_url(re.compile(r"q=%E7%A4%BE%E4%BF%9D"))
    found = "rs => rs.map(r => r.dataset.dataset)"
    assert swj.eval_on_selector_all("#search-results tr.dataset", found) == [DATASET]
    swj.locator("#q").fill("sbjf")  # the pinyin initials of 社保缴费
    swj.locator("#q").press("Enter")
    swj.wait_for_url(re.compile(r"q=sbjf"))
    assert swj.eval_on_selector_all("#search-results tr.dataset", found) == [DATASET]
    step(swj, "requester-search", current="catalog")
    by_keyboard(swj, swj.locator(f"tr[data-dataset='{DATASET}'] a.title"))
    swj.wait_for_url(f"**/portal/catalog/{DATASET}?lang=zh")
    assert swj.inner_text("#share-type") == "有条件共享"
    step(swj, "requester-dataset")
    request_id = file_request(
        swj,
        server,
        DATASET,
        ["citizen_id", "person_name", "period", "amount"],
        "个人所得税汇算清缴：核对纳税人社保缴费",
        modes=("bulk", "verify"),
        match=("citizen_id", "person_name"),
    )
    assert swj.locator(f"#request-{request_id} .status").inner_text() == "待审批"
    step(swj, "requester-filed", current="requests")

    rsj = person(chromium, server, tokens[RSJ])  # the owner approves it in its own browser
    by_keyboard(rsj, rsj.locator("nav.tabs a[data-nav='nav.inbox']"))
    rsj.wait_for_url("**/portal/inbox?lang=zh")
    asked = rsj.locator(f"#request-{request_id}")
    assert "国家税务总局杭州市税务局" in asked.locator("h3").inner_text()
    by_keyboard(rsj, asked.locator("form.approve button[type=submit]"), reload=True)
    rsj.wait_for_url(f"{server}/portal/inbox?lang=zh")
    rsj.context.close()

    by_keyboard(swj, swj.locator("nav.tabs a[data-nav='nav.requests']"))
    assert swj.locator(f"#request-{request_id} .status").inner_text() == "已批准"
    grant = grant_of(platform, request_id)
    assert grant is not None
    by_keyboard(swj, swj.locator("nav.tabs a[data-nav='nav.grants']"))
    mine = swj.locator(f"#grant-{grant.id}")
    assert mine.get_attribute("data-state") == "live"
    step(swj, "requester-grants", current="grants")
    by_keyboard(swj, mine.locator("a.read"))
    swj.wait_for_url(f"**/portal/grants/{grant.id}/data?lang=zh")
    ids = swj.locator("table.data tr.row td:first-child").all_inner_texts()
    assert ids and all(re.fullmatch(r"\d{6}\*{4}[\dX]{4}", i) for i in ids), ids[:3]
    step(swj, "requester-data", current="grants")

    swj.goto(f"{server}/portal/grants?lang=zh")
    by_keyboard(swj, swj.locator(f"#grant-{grant.id} a.download"))
    swj.wait_for_url(f"**/portal/grants/{grant.id}/download?lang=zh")
    form = swj.locator("#download-form")
    form.locator("input[name=format][value=csv]").check()
    form.locator("input[name=fields][value=citizen_id]").check()
    form.locator("input[name=fields][value=amount]").check()
    step(swj, "requester-download", current="grants")
    with swj.expect_download() as caught:
        by_keyboard(swj, form.locator("button[type=submit]"))
    data = Path(caught.value.path()).read_bytes()
    [delivered] = [e for e in events(platform, "data.bulk_delivered") if e["grant_id"] == grant.id]
    assert delivered["content_sha256"] == hashlib.sha256(data).hexdigest()

    row = stored_rows(platform)[0]  # one real ID, as the requester's own records would hold
    swj.goto(f"{server}/portal/grants?lang=zh")
    by_keyboard(swj, swj.locator(f"#grant-{grant.id} a.verify"))
    swj.wait_for_url(f"**/portal/grants/{grant.id}/verify?lang=zh")
    verify = swj.locator("#verify-form")
    verify.locator("select[name=match_on]").select_option("citizen_id")
    verify.locator("input[name=compare][value=person_name]").check()
    verify.locator("input[data-field=citizen_id]").fill(row["citizen_id"])
    verify.locator("input[data-field=person_name]").fill(row["person_name"])
    by_keyboard(swj, verify.locator("button[type=submit]"), reload=True)
    assert swj.locator("tr.verify-result td.outcome").inner_text() == "一致"
    step(swj, "requester-verify", current="grants")
    swj.context.close()


def owner_day(platform: Platform, server: str, chromium: Browser) -> None:
    tokens = platform.tokens.by_account
    gaj = person(chromium, server, tokens[GAJ])
    as_asked = file_request(
        gaj, server, DATASET, ["citizen_id", "period"], "户籍核查：比对参保人员"
    )
    swj = person(chromium, server, tokens[SWJ])
    narrowed = file_request(
        swj, server, DATASET, ["citizen_id", "person_name", "amount", "region"], "税源分析"
    )

    rsj = person(chromium, server, tokens[RSJ])
    by_keyboard(rsj, rsj.locator("nav.tabs a[data-nav='nav.inbox']"))
    rsj.wait_for_url("**/portal/inbox?lang=zh")
    assert rsj.locator(f"#request-{as_asked}").count() == 1
    step(rsj, "owner-inbox", current="inbox")
    by_keyboard(
        rsj, rsj.locator(f"#request-{as_asked} form.approve button[type=submit]"), reload=True
    )
    rsj.wait_for_url(f"{server}/portal/inbox?lang=zh")
    assert rsj.locator(f"#request-{as_asked}").count() == 0

    narrow = rsj.locator(f"#request-{narrowed} form.approve")
    narrow.locator("input[name=fields][value=person_name]").press("Space")  # untick by keyboard
    narrow.locator("select[name=filter_field]").select_option("region")
    narrow.locator("select[name=filter_op]").select_option("prefix")
    narrow.locator("input[name=filter_value]").fill("330102")
    narrow.locator("input[name=reason]").fill("姓名非必要；限上城区")
    step(rsj, "owner-narrow", current="inbox")
    by_keyboard(rsj, narrow.locator("button[type=submit]"), reload=True)
    rsj.wait_for_url(f"{server}/portal/inbox?lang=zh")
    gaj_grant, swj_grant = grant_of(platform, as_asked), grant_of(platform, narrowed)
    assert gaj_grant is not None and swj_grant is not None
    assert list(swj_grant.fields) == ["citizen_id", "amount", "region"]
    assert swj_grant.row_filter == [{"field": "region", "op": "prefix", "value": "330102"}]

    by_keyboard(rsj, rsj.locator("nav.tabs a[data-nav='nav.given']"))
    rsj.wait_for_url("**/portal/given?lang=zh")
    revoke = rsj.locator(f"#grant-{gaj_grant.id} form.revoke")
    revoke.locator("input[name=reason]").fill("核查已完成，收回授权")
    step(rsj, "owner-given", current="given")
    by_keyboard(rsj, revoke.locator("button[type=submit]"), reload=True)
    rsj.wait_for_url(re.compile(r"/portal/given\?lang=zh"))
    assert rsj.locator(f"#grant-{gaj_grant.id}").get_attribute("data-state") == "revoked"
    rsj.context.close()

    swj.goto(f"{server}/portal/grants?lang=zh")  # each requester's view reflects the owner's acts
    narrowed_grant = swj.locator(f"#grant-{swj_grant.id}")
    assert narrowed_grant.get_attribute("data-state") == "live"
    assert "330102" in narrowed_grant.inner_text()  # the row filter the owner added
    step(swj, "owner-requester-narrowed", current="grants")
    gaj.goto(f"{server}/portal/grants?lang=zh")
    revoked = gaj.locator(f"#grant-{gaj_grant.id}")
    assert revoked.get_attribute("data-state") == "revoked"
    assert "核查已完成" in revoked.inner_text() and revoked.locator("a.read").count() == 0
    step(gaj, "owner-requester-revoked", current="grants")
    swj.context.close()
    gaj.context.close()


def steward_day(platform: Platform, server: str, chromium: Browser) -> None:
    rsj = person(chromium, server, platform.tokens.by_account[RSJ])
    row = rsj.locator(f"tr.dataset[data-dataset='{DATASET}']")
    assert row.locator(".pending").count() == 1  # not signed off yet
    by_keyboard(rsj, row.locator("a"))
    rsj.wait_for_url(re.compile(r"/portal/quality/\d+\?lang=zh$"))
    assert rsj.inner_text("h1").startswith("数据质量报告")
    assert rsj.locator("tr.rule").count() > 10 and rsj.locator("#decision").inner_text()
    assert rsj.locator("#signoff .pending").count() == 1
    rsj.locator("#signoff-note").fill("抽样复核无误，同意发布")
    step(rsj, "steward-report", current="home")
    by_keyboard(rsj, rsj.locator("#signoff-submit"))
    rsj.wait_for_url(re.compile(r"/portal/quality/\d+\?lang=zh#signoff$"))
    assert rsj.locator("#signoff .signed").count() == 1
    assert "抽样复核无误" in rsj.inner_text("#signoff")
    assert rsj.locator("#signoff-form").count() == 0
    step(rsj, "steward-signed", current="home")
    [signed] = events(platform, "quality.report_signed_off")
    assert signed["note"] == "抽样复核无误，同意发布"
    rsj.context.close()


def auditor_day(platform: Platform, server: str, chromium: Browser, tmp_path: Path) -> None:
    page = person(chromium, server, platform.tokens.by_account[AUDITOR])
    by_keyboard(page, page.locator("nav.tabs a[data-nav='nav.audit']"))
    page.wait_for_url("**/portal/audit?lang=zh")
    assert page.locator("#chain-status").get_attribute("data-chain") == "ok"

    def find(action: str, department: str = "") -> list[str]:
        form = page.locator("#audit-filters")
        form.locator("select[name=department]").select_option(department)
        form.locator("select[name=action]").select_option(action)
        by_keyboard(page, form.locator("button[type=submit]"), reload=True)
        page.wait_for_url(f"**action={action}*")
        return page.eval_on_selector_all("tr.event", "rs => rs.map(r => r.dataset.event)")

    decided = find("request.decided", "330100RSJ")
    assert len(decided) >= 3  # the requester's approval, as asked, narrowed
    step(page, "auditor-decisions", current="audit")
    issued = find("grant.issued")
    narrowed = [e for e in events(platform, "grant.issued") if e["narrowed"]]
    assert narrowed and len(issued) >= 3
    assert f"request:{narrowed[-1]['request_id']}" in page.inner_text("#audit-events")
    [revoked] = events(platform, "grant.revoked")
    assert find("grant.revoked") and f"grant:{revoked['grant_id']}" in page.inner_text(
        "#audit-events"
    )
    assert len(find("quality.report_signed_off")) == 1
    assert "rsj-exchange" in page.inner_text("#audit-events")
    step(page, "auditor-signoff", current="audit")

    by_keyboard(page, page.locator("nav.tabs a[data-nav='nav.lineage']"))
    page.wait_for_url("**/portal/lineage?lang=zh")
    page.fill("#lineage-form input[name=node]", DATASET)
    page.select_option("#lineage-form select[name=direction]", "down")
    by_keyboard(page, page.locator("#lineage-form button[type=submit]"))
    page.wait_for_selector("#lineage-graph")
    kinds = page.eval_on_selector_all("#lineage-graph g.node", "gs => gs.map(g => g.dataset.kind)")
    assert "dataset" in kinds and "delivery" in kinds  # delivered to the requesters
    step(page, "auditor-lineage", current="lineage")

    by_keyboard(page, page.locator("nav.tabs a[data-nav='nav.evidence']"))
    page.wait_for_url("**/portal/audit/evidence?lang=zh")
    step(page, "auditor-evidence", current="evidence")
    with page.expect_download() as caught:
        by_keyboard(page, page.locator("#evidence-form button[type=submit]"))
    saved = tmp_path / caught.value.suggested_filename
    caught.value.save_as(saved)
    public = platform.settings.resolved_audit_signing_key.with_suffix(".pub.pem")
    verified = CliRunner().invoke(app, ["audit", "verify", str(saved), "--trust", str(public)])
    assert verified.exit_code == 0, verified.output
    digest = hashlib.sha256(saved.read_bytes()).hexdigest()
    assert any(e["archive_sha256"] == digest for e in events(platform, "audit.evidence_exported"))

    by_keyboard(page, page.locator("a.lang"))  # English: the same frame, English labels
    page.wait_for_url("**/portal/audit/evidence?lang=en")
    assert page.inner_text("h1") == "Audit evidence bundles"
    assert page.inner_text("nav.tabs a[data-nav='nav.audit']") == "Audit log"
    assert page.inner_text("#navgroup-audit") == "Audit and lineage"
    assert page.inner_text("a.skip") == "Skip to main content"
    step(page, "auditor-evidence-en", current="evidence")
    page.context.close()


def test_a_requesters_day(platform: Platform, server: str, chromium: Browser) -> None:
    day("requester", requester_day, platform, server, chromium)


def test_an_owners_day(platform: Platform, server: str, chromium: Browser) -> None:
    day("owner", owner_day, platform, server, chromium)


def test_a_stewards_day(platform: Platform, server: str, chromium: Browser) -> None:
    day("steward", steward_day, platform, server, chromium)


def test_an_auditors_day(
    platform: Platform, server: str, chromium: Browser, tmp_path: Path
) -> None:
    for name, walk in (
        ("requester", requester_day),
        ("owner", owner_day),
        ("steward", steward_day),
    ):
        day(name, walk, platform, server, chromium)
    auditor_day(platform, server, chromium, tmp_path)
