"""A publisher registers and revises datasets in a real browser (Debian's chromium via
Playwright): 人社局 pastes a revision of its social-insurance contract that removes a field, sees
the tax bureau's grant it would narrow before confirming, confirms, and the grant has lost the
field; then uploads a new contract file and gets its resource code. zh-CN by default; the
English page is checked too."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from catalog.contracts import list_versions
from catalog.models import Grant
from catalog.principals import Principal
from catalog.requests import approve_request, file_request
from catalog.tokens import authenticate
from tests.catalog.contract_factories import contract_text
from tests.portal.browser_fixtures import shoot, signed_in
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import DATASET, RSJ, SWJ

pytestmark = pytest.mark.browser


def _grant(platform: Platform) -> int:
    with platform.sessions() as session:
        swj = Principal.of(authenticate(session, platform.tokens.by_account[SWJ]))
        rsj = Principal.of(authenticate(session, platform.tokens.by_account[RSJ]))
        request = file_request(session, swj, DATASET, ["period", "employer_name"], "欠薪核查")
        grant = approve_request(session, rsj, request.id)
        session.commit()
        return grant.id


def test_a_publisher_revises_seeing_the_grants_first(
    platform: Platform, server: str, chromium: Browser
) -> None:
    grant_id = _grant(platform)
    page = signed_in(chromium, server, platform.tokens.by_account[RSJ])
    page.click("nav.tabs a[data-nav='nav.contracts']")
    page.wait_for_url("**/portal/datasets/contract?lang=zh")
    assert page.inner_text("h1") == "登记与修订信息资源"
    revised = contract_text("330100RSJ", DATASET, drop_fields=("employer_name",))
    page.fill("#contract-form textarea[name=contract]", revised)
    page.click("#contract-form button[type=submit]")
    affected = page.locator(f"#contract-affected tr[data-grant='{grant_id}']")
    assert affected.get_attribute("data-effect") == "narrowed"
    assert "收窄" in affected.inner_text() and "employer_name" in affected.inner_text()
    assert "removed employer_name" in page.inner_text("#contract-change")
    shoot(page, "contract_preview_zh.png")
    with platform.sessions() as session:  # previewing changed nothing
        assert "employer_name" in session.get(Grant, grant_id).fields  # type: ignore[union-attr]

    page.click("#contract-confirm button[type=submit]")
    done = page.locator("#contract-done")
    assert done.get_attribute("data-version") == "2"
    with platform.sessions() as session:
        grant = session.scalars(select(Grant).where(Grant.id == grant_id)).one()
        assert grant.fields == ["period"]
        stored = list_versions(session, DATASET)[-1]
        assert stored.contract_text == revised  # as typed: no CRLF from the form
        assert stored.registered_by == RSJ

    page.goto(f"{server}/portal/datasets/contract?lang=en")
    assert page.inner_text("h1") == "Register or revise a dataset"
    new = contract_text("330100RSJ", "rsj_unemployment", title_zh="失业保险金发放信息")
    page.set_input_files(
        "#contract-form input[type=file]",
        files=[{"name": "失业保险.yaml", "mimeType": "application/yaml", "buffer": new.encode()}],
    )
    page.click("#contract-form button[type=submit]")
    assert page.inner_text("#contract-new").startswith("A new dataset")
    page.click("#contract-confirm button[type=submit]")
    code = page.inner_text("#contract-resource-code")
    assert re.fullmatch(r"2\.07\.001\.002/330100RSJ-\d{5}", code), code
    shoot(page, "contract_done_en.png")
