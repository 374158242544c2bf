"""The portal's browser tests' shared parts: Debian's chromium, headless, driven by Playwright
(Python) over its pipe, against the real app served by uvicorn in a thread.

Playwright is told where chromium is (``executable_path``) and never downloads a browser of its
own (no ``playwright install``); a test FAILS when chromium is missing: `make test` installs it
(``infra/system-deps.sh``). ``server`` and ``chromium`` are module fixtures, offered to every
portal test by ``tests/portal/conftest.py``; ``signed_in`` opens a new context signed in through
the login form; ``shoot`` saves a screenshot under ``tests/artifacts/screenshots``.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from exchange_api.app import create_app
from tests.exchange_api.conftest import Platform

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "MASKED_ID",
    "SCREENSHOTS",
    "chromium",
    "free_port",
    "served",
    "server",
    "shoot",
    "signed_in",
]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
"""Where browser tests save their screenshots (``tests/artifacts/``, ignored by git)."""
MASKED_ID = re.compile(r"^\d{6}\*{4}[\dX]{4}$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port, in a thread (lifespan off); its URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="off"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        instance.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(platform: Platform) -> Iterator[str]:
    with served(create_app(platform.settings)) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: bash infra/system-deps.sh"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def signed_in(chromium: Browser, server: str, token: str, *, bypass_csp: bool = False) -> Page:
    """A new browser context (its own cookies) signed in through the portal's login form
    (``bypass_csp``: the page may take injected scripts, as the accessibility check's)."""
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, bypass_csp=bypass_csp
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{server}/portal/login")
    page.fill("#token", token)
    page.click("section.login button[type=submit]")
    page.wait_for_url(re.compile(r"/portal/(\?.*)?$"))
    return page


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
