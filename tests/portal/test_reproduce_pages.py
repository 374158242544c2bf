"""The auditor's reproduce-a-read page, through signed-in browsers (TestClient + form login): the
record of a read, the replay (CSRF-checked, audited) with its verdict, both digests and the
replayed rows, zh and en; every other role refused and audited; bad event numbers answered with
a page, never a stack trace."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import select

from catalog.models import AuditEvent
from catalog.portal_sessions import csrf_token
from tests.exchange_api.verify_platform import BASE, make_grant
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import AUDITOR, GAJ, RSJ, SWJ, browser, events, masked_ids, post

FIELDS = ["citizen_id", "person_name", "period", "amount"]


@pytest.fixture(scope="module")
def sent(platform: Platform) -> dict[str, Any]:
    """A query page and a bulk extract, read by 税务局 through a grant."""
    grant = make_grant(platform, FIELDS, ["query", "bulk"], account=GAJ)
    headers = platform.headers(GAJ)
    page = platform.client.post(
        f"{BASE}/query", headers=headers, json={"grant_id": grant, "limit": 6}
    )
    bulk = platform.client.get(
        f"{BASE}/bulk", headers=headers, params={"grant_id": grant, "format": "arrow"}
    )
    assert page.status_code == bulk.status_code == 200, (page.text, bulk.text)
    return {
        "page": int(page.headers["x-zhongtai-audit-event"]),
        "page_sha256": hashlib.sha256(page.content).hexdigest(),
        "page_ids": [r["citizen_id"] for r in page.json()["rows"]],
        "bulk": int(bulk.headers["x-zhongtai-audit-event"]),
        "bulk_sha256": hashlib.sha256(bulk.content).hexdigest(),
    }


def _csrf(platform: Platform, client: Any) -> str:
    """The CSRF token of ``client``'s session (a page it may open need not carry a form)."""
    return csrf_token(client.cookies["zt_session"], secret=platform.settings.secret_key)


def _url(event_id: Any) -> str:
    return f"/portal/audit/events/{event_id}/reproduce"


def test_an_auditor_replays_a_read_and_sees_what_was_sent(
    platform: Platform, sent: dict[str, Any]
) -> None:
    client = browser(platform, AUDITOR)
    url = _url(sent["page"])
    shown = client.get(url)
    assert shown.status_code == 200, shown.text
    assert "重现数据读取" in shown.text and sent["page_sha256"] in shown.text
    assert 'id="reproduce-form"' in shown.text and 'id="replayed"' not in shown.text
    before = len(events(platform, "audit.read_reproduced"))
    done = post(client, f"{url}?lang=zh", url)
    assert done.status_code == 200, done.text
    assert 'data-verdict="match"' in done.text and "一致" in done.text
    assert done.text.count(sent["page_sha256"]) == 2  # recorded and replayed
    assert masked_ids(done.text) == sent["page_ids"]  # the rows the department received
    assert 'id="tampered"' not in done.text
    [audited] = events(platform, "audit.read_reproduced")[before:]
    assert audited["event_id"] == sent["page"] and audited["verdict"] == "match"
    english = post(client, f"{url}?lang=en", f"{url}?lang=en")
    assert "Match: the replay is byte for byte what was sent" in english.text
    assert "Recorded as sent" in english.text and "Replayed" in english.text
    assert "记录的发送内容" not in english.text


def test_an_extract_is_compared_but_not_shown(platform: Platform, sent: dict[str, Any]) -> None:
    client = browser(platform, AUDITOR)
    url = _url(sent["bulk"])
    done = post(client, url, url)
    assert done.status_code == 200, done.text
    assert 'data-verdict="match"' in done.text and 'id="no-preview"' in done.text
    assert done.text.count(sent["bulk_sha256"]) == 2


@pytest.mark.parametrize("account", [SWJ, RSJ, "dsj-admin"])
def test_everyone_else_is_refused(platform: Platform, sent: dict[str, Any], account: str) -> None:
    client = browser(platform, account)
    url = _url(sent["page"])
    before = len(events(platform, "access.refused"))
    for response in (
        client.get(url),
        client.get("/portal/audit/reproduce"),
        client.post(url, data={"csrf": _csrf(platform, client)}),
    ):
        assert response.status_code == 403, response.text
        assert "role.auditor_required" in response.text and "仅限审计人员" in response.text
        assert sent["page_sha256"] not in response.text
    refused = events(platform, "access.refused")[before:]
    assert [r["act"] for r in refused] == ["audit.reproduce"] * 3


def test_a_form_without_its_csrf_token_is_refused(platform: Platform, sent: dict[str, Any]) -> None:
    client = browser(platform, AUDITOR)
    before = len(events(platform, "audit.read_reproduced"))
    response = client.post(_url(sent["page"]), data={"csrf": "forged"}, follow_redirects=False)
    assert response.status_code == 403 and "csrf.invalid" in response.text
    assert len(events(platform, "audit.read_reproduced")) == before


def test_bad_event_numbers_are_pages_not_crashes(platform: Platform) -> None:
    client = browser(platform, AUDITOR)
    with platform.sessions() as session:
        issued_id = session.scalars(
            select(AuditEvent.id).where(AuditEvent.action == "grant.issued")
        ).first()
    shown = client.get(_url(issued_id))
    assert shown.status_code == 200  # its record can be looked at …
    refused = post(client, _url(issued_id), _url(issued_id))
    assert refused.status_code == 409 and "audit.not_a_read" in refused.text  # … not replayed
    for bad, status in ((10**12, 404), (2**31, 404), (0, 422), (-5, 422), ("x", 422)):
        response = client.get(_url(bad))
        assert response.status_code == status, (bad, response.text)
        assert "Traceback" not in response.text
    missing = client.get(_url(10**12) + "?lang=en")
    assert "There is no audit event with that number." in missing.text


def test_the_lookup_box_opens_an_event(platform: Platform, sent: dict[str, Any]) -> None:
    client = browser(platform, AUDITOR)
    box = client.get("/portal/audit/reproduce")
    assert box.status_code == 200 and 'id="lookup-form"' in box.text
    opened = client.get(
        "/portal/audit/reproduce",
        params={"event": sent["page"], "lang": "en"},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    assert opened.headers["location"] == f"{_url(sent['page'])}?lang=en"
