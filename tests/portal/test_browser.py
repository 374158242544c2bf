"""The portal pages in a real browser: Debian's chromium, headless, against a real uvicorn server.

Chromium cannot be handed a bearer token on its command line, so the server under test is the
real app behind a one-line ASGI wrapper that adds a ``zt_session`` cookie — a real portal session,
opened in the catalog as signing in opens one — to every request, as a browser holding that
cookie would. The test FAILS when chromium is missing: `make test` installs
it (``infra/system-deps.sh``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from exchange_api.app import create_app
from exchange_api.demo import DATASET
from lakehouse.pipeline import run_batch
from lakehouse.samples import write_social_insurance_extract
from tests.exchange_api.conftest import Platform, report_of
from tests.portal.browser_fixtures import CHROMIUM, SCREENSHOTS, served

pytestmark = pytest.mark.browser


class _WithCookie:
    def __init__(self, app: Any, session_cookie: str) -> None:
        self.app, self.cookie = app, f"zt_session={session_cookie}".encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = dict(scope, headers=[*scope["headers"], (b"cookie", self.cookie)])
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def report_id(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> int:
    """Three more batches for the trend: a clean one, and two with defects."""
    folder = tmp_path_factory.mktemp("more")
    for month, seed, defects in (("2026-11", 11, False), ("2026-12", 12, True)):
        path = folder / f"{month}.csv"
        write_social_insurance_extract(path, rows=300, seed=seed, month=month, defects=defects)
        assert run_batch(platform.settings, DATASET, path).status == "published"
    big = folder / "2027-01.csv"
    write_social_insurance_extract(big, rows=900, seed=13, month="2027-01")
    last = run_batch(platform.settings, DATASET, big)
    return report_of(platform, last.batch_id)


@pytest.fixture(scope="module")
def server(platform: Platform) -> Iterator[str]:
    with served(
        _WithCookie(create_app(platform.settings), platform.session_cookie("rsj-exchange"))
    ) as url:
        yield url


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: bash infra/system-deps.sh"
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_page_renders_chart_rules_and_samples(server: str, report_id: int, tmp_path: Path) -> None:
    done = _chromium(tmp_path, "--dump-dom", f"{server}/portal/quality/{report_id}")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "数据质量报告" in dom
    assert re.search(r'<svg[^>]+id="trend-chart"', dom)
    assert len(re.findall(r'<rect class="bar', dom)) == 4  # one bar per batch
    assert re.search(r'<polyline class="score-line" points="[0-9., ]+"', dom)
    assert len(re.findall(r'<tr class="rule', dom)) > 10
    assert 'data-rule="citizen_id.check_digit"' in dom
    assert len(re.findall(r'<tr class="sample"', dom)) > 0
    assert re.search(r"\d{6}\*{4}[\dX]{4}", dom)  # a masked citizen ID


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_screenshot(server: str, report_id: int, tmp_path: Path, lang: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    png = tmp_path / f"quality-{lang}.png"
    done = _chromium(
        tmp_path,
        f"--screenshot={png}",
        "--window-size=1280,2000",
        f"{server}/portal/quality/{report_id}?lang={lang}",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 50_000  # a rendered page, not a blank or an error
    shutil.copy(png, SCREENSHOTS / png.name)


def test_home_and_login_pages_render(server: str, report_id: int, tmp_path: Path) -> None:
    home = _chromium(tmp_path, "--dump-dom", f"{server}/portal/")
    assert home.returncode == 0, home.stderr[-2000:]
    assert 'data-dataset="rsj_social_insurance"' in home.stdout
    assert f'href="/portal/quality/{report_id}?lang=zh"' in home.stdout
    login = _chromium(tmp_path, "--dump-dom", f"{server}/portal/login?lang=en")
    assert login.returncode == 0, login.stderr[-2000:]
    assert re.search(r'<input id="token" name="token" type="password"', login.stdout)
    assert "Sign in" in login.stdout
