"""The auditor's pages over the real app: the log with its chain banner, filters and keyset pages;
usage with SVG charts and downloads; everyone else refused with the portal's refusal page; a
tampered chain shown as broken."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from catalog import audit
from catalog.audit_keys import signing_key, store_of
from catalog.db import init_catalog
from catalog.events import GrantRevoked
from catalog.models import AuditEvent
from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.demo import DemoTokens, seed
from tests.exchange_api.verify_platform import make_grant
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import AUDITOR, DATASET, RSJ, SWJ, browser

ADMIN = "dsj-admin"


@pytest.fixture(scope="module")
def grant(platform: Platform) -> int:
    grant_id = make_grant(platform, ["citizen_id", "period", "amount"], ["query", "bulk"])
    for offset in range(45):  # 45 reads of one row: the log has more than a page of events
        read = platform.client.get(
            f"/api/v1/datasets/{DATASET}/data",
            params={"grant_id": grant_id, "limit": 1, "offset": offset, "fields": "period"},
            headers=platform.headers(SWJ),
        )
        assert read.status_code == 200, read.text
    return grant_id


def _count(platform: Platform, action: str) -> int:
    with platform.sessions() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
            )
            or 0
        )


def test_the_log_page_filters_and_pages(platform: Platform, grant: int) -> None:
    auditor = browser(platform, AUDITOR)
    page = auditor.get("/portal/audit")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-chain="ok"' in html and "审计链完整" in html
    assert 'data-nav="nav.audit"' in html and 'data-nav="nav.usage"' in html
    assert 'id="older"' in html  # more than one page of events already
    assert len(re.findall(r'<tr class="event ', html)) == 50

    filtered = auditor.get(
        "/portal/audit", params={"grant": str(grant), "action": "data.read", "lang": "en"}
    ).text
    rows = re.findall(r'<tr class="event ok" data-event="(\d+)" data-action="([a-z_.]+)"', filtered)
    assert len(rows) == 45 and {a for _, a in rows} == {"data.read"}
    assert "Audit chain intact" in filtered and "核验与统计测试" in filtered
    assert 'id="older"' not in filtered

    first = re.findall(r'data-event="(\d+)"', html)
    older = re.search(r'id="older" href="([^"]+)"', html)
    assert older is not None
    second = auditor.get(older.group(1).replace("&amp;", "&")).text
    later = re.findall(r'data-event="(\d+)"', second)
    assert later and max(map(int, later)) < min(map(int, first))
    assert 'id="newest"' in second


def test_bad_filters_are_the_refusal_page(platform: Platform) -> None:
    auditor = browser(platform, AUDITOR)
    for params, code in (
        ({"from": "2026-13-01"}, "audit.bad_date"),
        ({"department": "<script>alert(1)</script>"}, "audit.unknown_department"),
        ({"before": "-1"}, "audit.bad_cursor"),
    ):
        page = auditor.get("/portal/audit", params=params)
        assert page.status_code == 422, (params, page.status_code)
        assert code in page.text and "<script>alert" not in page.text
    usage = auditor.get("/portal/audit/usage", params={"from": "2026-03-02", "to": "2026-03-01"})
    assert usage.status_code == 422 and "audit.range_invalid" in usage.text


@pytest.mark.parametrize("account", [SWJ, RSJ])
def test_others_are_refused_and_not_offered_the_pages(platform: Platform, account: str) -> None:
    client = browser(platform, account)
    before = _count(platform, "access.refused")
    for path in ("/portal/audit", "/portal/audit/usage", "/portal/audit/usage/download"):
        page = client.get(path)
        assert page.status_code == 403, (path, page.status_code)
        assert "role.auditor_required" in page.text
    assert _count(platform, "access.refused") == before + 3
    assert 'data-nav="nav.audit"' not in client.get("/portal/catalog").text


def test_the_usage_page_charts_and_downloads(platform: Platform, grant: int) -> None:
    auditor = browser(platform, ADMIN)  # admins may see usage too
    page = auditor.get("/portal/audit/usage", params={"by": "week"})
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="usage-period-chart"' in html and 'id="usage-department-chart"' in html
    bars = re.findall(r'<rect class="bar usage-bar" data-key="([^"]*)" data-value="(\d+)"', html)
    assert ("330100SWJ", "45") in bars
    line = re.search(rf'<tr class="usage-line" data-grant="{grant}".*?</tr>', html, re.S)
    assert line is not None and '<td class="num rows">45</td>' in line.group(0)
    recon = re.search(rf'<tr class="grant-use" data-grant="{grant}" data-findings="([^"]*)"', html)
    assert recon is not None
    assert recon.group(1).split() == ["columns_never_read", "modes_never_used"]
    assert "style=" not in html  # the CSP allows no inline style: bars are SVG attributes

    links = re.findall(r'<a class="download" data-format="([^"]+)" href="([^"]+)"', html)
    assert len(links) == 6
    href = dict(links[:3])["usage.csv"].replace("&amp;", "&")
    before = _count(platform, "audit.usage_exported")
    download = auditor.get(href)
    assert download.status_code == 200, download.text
    assert download.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert any(r["授权编号"] == str(grant) and r["行数"] == "45" for r in rows)
    assert _count(platform, "audit.usage_exported") == before + 1
    english = auditor.get("/portal/audit/usage", params={"lang": "en"}).text
    assert "Rows sent per period" in english and "columns never read" in english


# --- a catalog of its own, whose chain a test may break -------------------------------------


@dataclass
class Small:
    settings: Settings
    sessions: sessionmaker[Session]
    tokens: DemoTokens
    client: TestClient


@pytest.fixture
def small(settings: Settings) -> Iterator[Small]:
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        tokens = seed(session)
        session.commit()
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=True) as client:
        yield Small(settings, sessions, tokens, client)
    app.state.engine.dispose()
    sessions.kw["bind"].dispose()


def test_the_banner_shows_checkpoints_then_a_broken_chain(small: Small) -> None:
    with small.sessions() as session:
        for i in range(4):
            audit.record(session, GrantRevoked(grant_id=i + 1, reason=f"第{i}次"))
        key = signing_key(session, store_of(small.settings), small.settings)
        audit.sign_checkpoint(session, key)
        session.commit()
    headers = small.tokens.headers(AUDITOR)
    html = small.client.get("/portal/audit", headers=headers).text
    assert 'data-chain="ok"' in html
    signed = re.search(r'id="checkpoint-status"[^>]*>([^<]+)<', html)
    assert signed is not None and "已验证 1 个签名检查点" in signed.group(1)

    with small.sessions() as session:  # someone with write access to the catalog edits history
        session.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        session.execute(
            text("UPDATE audit_events SET detail = :d WHERE id = 3"), {"d": '{"reason":"改过"}'}
        )
        session.commit()
    # Behind an unchanged head the last full check stands, for at most its age, and says when
    # it ran (catalog.audit_status): re-deriving a large log on every page load is not free.
    stale = small.client.get("/portal/audit", headers=headers).text
    assert 'data-chain="ok"' in stale and 'id="chain-checked"' in stale
    small.client.app.state.chain_status.max_age = dt.timedelta(0)  # as five minutes later
    broken = small.client.get("/portal/audit", params={"lang": "en"}, headers=headers).text
    assert 'data-chain="broken"' in broken
    assert "Audit chain BROKEN at event 3" in broken


def test_a_new_event_or_checkpoint_brings_a_full_check_at_once(small: Small) -> None:
    with small.sessions() as session:
        for i in range(3):
            audit.record(session, GrantRevoked(grant_id=i + 1, reason=f"第{i}次"))
        session.commit()
    headers = small.tokens.headers(AUDITOR)
    assert 'data-chain="ok"' in small.client.get("/portal/audit", headers=headers).text
    with small.sessions() as session:
        session.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        session.execute(
            text("UPDATE audit_events SET detail = :d WHERE id = 2"), {"d": '{"reason":"改过"}'}
        )
        audit.record(session, GrantRevoked(grant_id=9, reason="之后的事件"))  # the head moves
        session.commit()
    html = small.client.get("/portal/audit", headers=headers).text
    assert 'data-chain="broken"' in html
