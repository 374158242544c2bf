"""The requester's subscription pages: reached from the grant page, created and cancelled with
CSRF-checked forms, a webhook's secret shown once, deliveries listed and their files downloaded
through the decision — another department's subscription "not found", in Chinese and English."""

from __future__ import annotations

import hashlib
import re

import pytest

from lakehouse.connection import connect
from lakehouse.subscriptions import deliver_pending
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import (
    AUDITOR,
    DATASET,
    GAJ,
    RSJ,
    SWJ,
    browser,
    events,
    grant_of,
    newest_request,
    post,
)


@pytest.fixture(scope="module")
def grant_id(platform: Platform) -> int:
    post(
        browser(platform, SWJ),
        f"/portal/catalog/{DATASET}/requests",
        f"/portal/catalog/{DATASET}",
        fields=["citizen_id", "period", "amount"],
        purpose="按月同步社保缴费",
        access_modes=["query", "subscribe"],
    )
    request_id = newest_request(platform)
    approved = post(
        browser(platform, RSJ),
        f"/portal/requests/{request_id}/approve",
        "/portal/inbox",
        fields=["citizen_id", "period", "amount"],
        access_modes=["query", "subscribe"],
    )
    assert approved.status_code == 303, approved.text
    grant = grant_of(platform, request_id)
    assert grant is not None
    return grant.id


def _deliver(platform: Platform) -> None:
    with platform.sessions() as session, connect(platform.settings) as con:
        deliver_pending(session, con, platform.settings)


def test_subscribe_from_the_grant_see_deliveries_download_and_cancel(
    platform: Platform, grant_id: int
) -> None:
    swj = browser(platform, SWJ)
    grants = swj.get("/portal/grants").text
    page_url = f"/portal/grants/{grant_id}/subscriptions"
    assert f'href="{page_url}?lang=zh">订阅与投递</a>' in grants
    empty = swj.get(page_url)
    assert empty.status_code == 200 and "新建订阅" in empty.text and "尚无订阅" in empty.text
    created = post(swj, page_url, page_url, kind="folder", target="门户订阅", format="parquet")
    assert created.status_code == 200, created.text
    (sub_id,) = re.findall(r'id="created" class="created" data-subscription="(\d+)"', created.text)
    assert 'id="secret"' not in created.text  # a folder has no secret
    _deliver(platform)
    listed = swj.get(f"{page_url}?lang=en").text
    assert "Delivered" in listed and "Subscriptions" in listed
    (link,) = re.findall(
        rf'href="(/portal/subscriptions/{sub_id}/deliveries/\d+/file\?lang=en)"', listed
    )
    file = swj.get(link)
    assert file.status_code == 200
    (fetched,) = [
        e
        for e in events(platform, "subscription.file_fetched")
        if str(e["subscription_id"]) == sub_id
    ]
    assert hashlib.sha256(file.content).hexdigest() == fetched["content_sha256"]
    # another department: the page, the file and the cancel form all "not found"
    gaj = browser(platform, GAJ)
    assert gaj.get(page_url).status_code == 404
    assert gaj.get(link).status_code == 404
    theirs = re.findall(r'data-subscription="(\d+)"', gaj.get("/portal/subscriptions").text)
    assert sub_id not in theirs
    stranger = post(
        gaj, f"/portal/subscriptions/{sub_id}/cancel", f"/portal/catalog/{DATASET}", reason="x"
    )
    assert stranger.status_code == 404 and "subscription.not_found" in stranger.text
    # a forged form (no CSRF token) changes nothing
    forged = swj.post(f"/portal/subscriptions/{sub_id}/cancel", data={"reason": "x"})
    assert forged.status_code == 403
    cancelled = post(swj, f"/portal/subscriptions/{sub_id}/cancel", page_url, reason="停止")
    assert cancelled.status_code == 303
    after = swj.get(cancelled.headers["location"]).text
    assert "已取消" in after and "停止" in after


def test_a_webhook_secret_is_shown_once_on_the_answer_page(
    platform: Platform, grant_id: int
) -> None:
    swj = browser(platform, SWJ)
    page_url = f"/portal/grants/{grant_id}/subscriptions"
    created = post(
        swj, f"{page_url}?lang=en", page_url, kind="webhook", target="http://127.0.0.1:9/h"
    )
    assert created.status_code == 200, created.text
    (secret,) = re.findall(r'<code id="secret">([0-9a-f]{64})</code>', created.text)
    assert secret not in swj.get(page_url).text
    (sub_id,) = re.findall(r'id="created" class="created" data-subscription="(\d+)"', created.text)
    post(swj, f"/portal/subscriptions/{sub_id}/cancel", page_url, reason="test")


def test_refused_targets_are_shown_in_the_pages_language(platform: Platform, grant_id: int) -> None:
    swj = browser(platform, SWJ)
    page_url = f"/portal/grants/{grant_id}/subscriptions"
    escape = post(swj, page_url, page_url, kind="folder", target="../330100GAJ")
    assert escape.status_code == 422 and "投递目标不被允许" in escape.text
    ssrf = post(
        swj, f"{page_url}?lang=en", page_url, kind="webhook", target="https://169.254.169.254/x"
    )
    assert ssrf.status_code == 422 and "not allowed" in ssrf.text


def test_the_auditor_sees_subscriptions_but_gets_no_form_to_create(
    platform: Platform, grant_id: int
) -> None:
    page = browser(platform, AUDITOR).get("/portal/subscriptions")
    assert page.status_code == 200
    assert 'id="subscribe-form"' not in page.text


def test_every_subscription_refusal_has_a_sentence_in_both_languages() -> None:
    from pathlib import Path

    from exchange_api.portal.i18n import LANGS, MESSAGES

    root = Path(__file__).resolve().parents[2]
    sources = [
        root / "catalog" / "subscriptions.py",
        root / "catalog" / "subscription_targets.py",
        root / "catalog" / "policy.py",
        root / "lakehouse" / "subscription_files.py",
    ]
    codes: set[str] = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'code="((?:subscription|delivery)\.[a-z_]+)"', text))
        codes |= set(re.findall(r'Refusal\(\s*"((?:subscription)\.[a-z_]+)"', text))
    assert {"subscription.bad_target", "subscription.not_found", "delivery.file_changed"} <= codes
    for lang in LANGS:
        assert {c for c in codes if f"problem.{c}" not in MESSAGES[lang]} == set(), lang
