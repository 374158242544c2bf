"""An evidence bundle exported in a real browser (Debian's chromium via Playwright) and verified
offline: 数据资源管理局's auditor opens 证据包 from the navigation, compares the key fingerprint,
exports the whole log, and the ZIP the browser saves verifies with ``zhongtai audit verify``
against the platform's public key; the page then lists that export with the ZIP's SHA-256, taken
from the audit log. Screenshots (zh and en) go to ``var/screenshots``."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from typer.testing import CliRunner

from catalog.audit_keys import store_of
from exchange_api.cli import app
from tests.portal.browser_fixtures import shoot, signed_in
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import AUDITOR, events

pytestmark = pytest.mark.browser


def test_an_auditor_exports_a_bundle_that_verifies_offline(
    platform: Platform, server: str, chromium: Browser, tmp_path: Path
) -> None:
    page = signed_in(chromium, server, platform.tokens.by_account[AUDITOR])
    page.click("nav.tabs a[data-nav='nav.evidence']")
    page.wait_for_url("**/portal/audit/evidence?lang=zh")
    assert page.inner_text("h1") == "审计证据包"
    shoot(page, "audit_evidence_zh.png")

    with page.expect_download() as caught:
        page.locator("#evidence-form button[type=submit]").click()
    download = caught.value
    assert download.suggested_filename.startswith("zhongtai-evidence-1-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    digest = hashlib.sha256(saved.read_bytes()).hexdigest()
    assert any(e["archive_sha256"] == digest for e in events(platform, "audit.evidence_exported"))

    public = platform.settings.resolved_audit_signing_key.with_suffix(".pub.pem")
    verified = CliRunner().invoke(app, ["audit", "verify", str(saved), "--trust", str(public)])
    assert verified.exit_code == 0, verified.output

    page.goto(f"{server}/portal/audit/evidence?lang=en")
    assert page.inner_text("h1") == "Audit evidence bundles"
    current = store_of(platform.settings).public_keys()[-1].fingerprint  # the key that signed
    assert page.locator(f"#evidence-keys li[data-fingerprint='{current}']").count() == 1
    assert page.locator(f"#evidence-past tr[data-archive='{digest}']").count() == 1
    shoot(page, "audit_evidence_en.png")
