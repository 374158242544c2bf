"""What every step of a role walk (``test_role_walks``) checks: the page is in the one frame
(navigation with its current page, the skip link), every form control has an accessible name,
axe-core finds nothing serious, and a screenshot is saved; plus driving a control by keyboard
(Tab to it, then Enter or Space) and filing a request from a catalog entry."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Locator, Page

from tests.portal.a11y import assert_accessible
from tests.portal.browser_fixtures import shoot, signed_in

__all__ = ["by_keyboard", "file_request", "person", "step", "unlabelled_controls"]

_UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => {
    if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return false;
    if (el.labels && [...el.labels].some(l => l.textContent.trim())) return false;
    if (el.tagName === 'BUTTON' && el.textContent.trim()) return false;
    if (el.title) return false;
    return true;
  })
  .map(el => el.outerHTML.slice(0, 120))"""


def person(chromium: Browser, server: str, token: str) -> Page:
    """A person signed in through the login form, in a browser that takes the axe script."""
    return signed_in(chromium, server, token, bypass_csp=True)


def unlabelled_controls(page: Page) -> list[str]:
    """The visible form controls with no accessible name (label, aria-label(ledby), text)."""
    found: list[str] = page.evaluate(_UNLABELLED)
    return found


def step(page: Page, name: str, *, current: str | None = None) -> None:
    """The checks of every step: one frame (its skip link, the current page marked), labels,
    axe-core, a screenshot ``walk-<name>.png``."""
    assert page.locator("a.skip[href='#main']").count() == 1, name
    assert page.locator("main#main").count() == 1, name
    if current is not None:
        marked = page.locator("nav.tabs a[aria-current='page']")
        assert marked.count() == 1 and marked.get_attribute("data-nav") == f"nav.{current}", name
    assert unlabelled_controls(page) == [], name
    assert_accessible(page, name)
    shoot(page, f"walk-{name}.png")


def by_keyboard(
    page: Page, target: Locator, key: str = "Enter", *, limit: int = 300, reload: bool = False
) -> None:
    """Tab from the top of the page to ``target`` (as a person would), then press ``key``;
    ``reload``: wait for the page that follows (a form that comes back to the same address)."""
    if reload:
        with page.expect_navigation():
            by_keyboard(page, target, key, limit=limit)
        return
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.locator("body").focus()
    handle = target.element_handle()
    assert handle is not None
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("el => document.activeElement === el", handle):
            page.keyboard.press(key)
            return
    raise AssertionError(f"Tab never reached {target}")


def file_request(
    page: Page,
    server: str,
    dataset: str,
    fields: list[str],
    purpose: str,
    *,
    modes: tuple[str, ...] = (),
    match: tuple[str, ...] = (),
) -> int:
    """File a share request from ``dataset``'s catalog entry; its id."""
    page.goto(f"{server}/portal/catalog/{dataset}?lang=zh")
    form = page.locator("#request-form")
    for field in fields:
        form.locator(f"input[name=fields][value={field}]").check()
    for mode in modes:
        form.locator(f"input[name=access_modes][value={mode}]").check()
    for field in match:
        form.locator(f"input[name=match_fields][value={field}]").check()
    form.locator("#purpose").fill(purpose)
    form.locator("#legal_basis").fill("《政务信息资源共享管理暂行办法》第十条")
    by_keyboard(page, form.locator("button[type=submit]"))
    page.wait_for_url(re.compile(r"/portal/requests\?lang=zh#request-\d+$"))
    return int(page.url.rsplit("-", 1)[1])
