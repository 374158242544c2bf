"""The data-element page over the real app: everyone signed in reads the elements and code lists
(zh by default, en on request); only an admin is offered the upload form and may post it; a
faulty GBK file comes back on the page with its code and line, nothing stored; a forged post
without the page's CSRF token, or by a publisher, is refused and recorded."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from catalog.element_tables import CodeList
from catalog.models import AuditEvent
from catalog.portal_sessions import csrf_token
from tests.portal.element_fixtures import ADMIN, AUDITOR, RSJ, SWJ, Registry, registry

__all__ = ["registry"]

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _count(registry: Registry, action: str) -> int:
    with registry.sessions() as session:
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        return int(session.scalar(query) or 0)


def _lists(registry: Registry) -> set[str]:
    with registry.sessions() as session:
        return set(session.scalars(select(CodeList.name)))


def test_everyone_reads_the_registry_in_both_languages(registry: Registry) -> None:
    reader = registry.browser(SWJ)
    home = reader.get("/portal/")
    assert 'data-nav="nav.elements"' in home.text
    page = reader.get("/portal/elements")
    assert page.status_code == 200, page.text
    html = page.text
    assert "数据元与代码表" in html and 'data-element="citizen_id"' in html
    assert 'data-list="gb2260"' in html and "平台内置" in html
    assert 'id="codelist-form"' not in html  # not an admin: no form offered
    sex = reader.get("/portal/elements?list=gb2261_1")
    assert 'data-code="9"' in sex.text and "未说明的性别" in sex.text
    english = reader.get("/portal/elements?lang=en")
    assert "Data elements and code lists" in english.text and "shipped" in english.text
    missing = reader.get("/portal/elements?list=no_such")
    assert missing.status_code == 404 and "code_list.not_found" in missing.text
    dotted = reader.get("/portal/elements?list=../etc")
    assert dotted.status_code == 422 and "code_list.bad_name" in dotted.text


def test_an_admin_uploads_a_gbk_list_and_a_faulty_one_names_its_line(registry: Registry) -> None:
    admin = registry.browser(ADMIN)
    page = admin.get("/portal/elements")
    assert 'id="codelist-form"' in page.text
    token = _csrf(page.text)
    good = "code,label\n３３０１０６,西湖区\n330108,滨江区\n".encode("gbk")
    added = admin.post(
        "/portal/code-lists?lang=zh",
        data={"csrf": token, "name": "hz_districts", "title": "杭州辖区"},
        files={"file": ("辖区.csv", good, "text/csv")},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    assert added.headers["location"].startswith("/portal/elements?lang=zh&list=hz_districts")
    shown = admin.get(added.headers["location"])
    assert 'data-code="330106"' in shown.text and "西湖区" in shown.text

    bad = "code,label\n01,甲\n０１,乙\n".encode("gbk")
    refused = admin.post(
        "/portal/code-lists?lang=zh",
        data={"csrf": token, "name": "bad_list"},
        files={"file": ("bad.csv", bad, "text/csv")},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert 'data-code="code_list.duplicate_code"' in refused.text and "第 3 行" in refused.text
    assert "bad_list" not in _lists(registry)


def test_others_and_forged_posts_are_refused_and_recorded(registry: Registry) -> None:
    before_refused, before_forms = (
        _count(registry, "access.refused"),
        _count(registry, "portal.form_refused"),
    )
    data = b"code,label\n1,a\n"
    for account in (RSJ, AUDITOR):  # a publisher/steward, an auditor
        browser = registry.browser(account)
        assert 'id="codelist-form"' not in browser.get("/portal/elements").text
        # the form is not offered; a hand-made post carries the session's own valid token
        cookie = browser.cookies["zt_session"]
        token = csrf_token(cookie, secret=registry.settings.secret_key)
        refused = browser.post(
            "/portal/code-lists",
            data={"csrf": token, "name": f"x_{account[:3]}"},
            files={"file": ("x.csv", data, "text/csv")},
            follow_redirects=False,
        )
        assert refused.status_code == 403 and "role.admin_required" in refused.text
    forged = registry.browser(ADMIN).post(
        "/portal/code-lists",
        data={"csrf": "forged", "name": "forged"},
        files={"file": ("x.csv", data, "text/csv")},
        follow_redirects=False,
    )
    assert forged.status_code == 403 and "csrf.invalid" in forged.text
    assert _count(registry, "access.refused") == before_refused + 2
    assert _count(registry, "portal.form_refused") == before_forms + 1
    assert not {"x_rsj", "x_dsj", "forged"} & _lists(registry)
