"""The owner department's pages: the inbox (approve as asked or narrowed, refuse, answer an
objection), the grants it gave (revoke) — and the requester's side of each decision."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from catalog import requests as share_requests
from catalog.models import Account, RequestStatus, utcnow
from catalog.principals import Principal
from catalog.workdays import DeadlineRules
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import (
    DATASET,
    RSJ,
    SWJ,
    browser,
    events,
    grant_of,
    newest_request,
    post,
    request_row,
)


def _file(platform: Platform, *fields: str, **terms: str) -> int:
    swj = browser(platform, SWJ)
    filed = post(
        swj,
        f"/portal/catalog/{DATASET}/requests",
        f"/portal/catalog/{DATASET}",
        fields=list(fields),
        purpose=terms.pop("purpose", "税收征管核验"),
        access_modes=terms.pop("modes", "query").split(","),
        **terms,
    )
    assert filed.status_code == 303, filed.text
    return newest_request(platform)


def _filed_long_ago(platform: Platform, days: int) -> int:
    """A request filed ``days`` ago through the library (its deadline long past)."""
    with platform.sessions() as session:
        account = session.scalars(select(Account).where(Account.name == SWJ)).one()
        request = share_requests.file_request(
            session,
            Principal.of(account),
            DATASET,
            ["period"],
            "逾期测试",
            rules=DeadlineRules(),
            now=utcnow() - dt.timedelta(days=days),
        )
        session.commit()
        return request.id


def _article(html: str, request_id: int) -> str:
    found = re.search(rf'<article[^>]+id="request-{request_id}".*?</article>', html, re.S)
    assert found, f"request {request_id} is not on the page"
    return found.group(0)


def test_the_inbox_puts_the_oldest_deadline_first_and_marks_overdue(platform: Platform) -> None:
    fresh = _file(platform, "period", "amount")
    overdue = _filed_long_ago(platform, 30)
    rsj = browser(platform, RSJ)
    page = rsj.get("/portal/inbox")
    assert page.status_code == 200
    html = page.text
    assert "待审批事项" in html and 'aria-current="page"' in html
    order = [
        int(i)
        for i in re.findall(r'<article class="request pending[^"]*"[^>]+data-request="(\d+)"', html)
    ]
    assert order.index(overdue) < order.index(fresh)
    late = _article(html, overdue)
    assert 'class="request pending overdue"' in late and "已逾期" in late
    assert re.search(r"已逾期 \d+ 个工作日", late)
    assert "剩余" in _article(html, fresh)
    assert "国家税务总局杭州市税务局" in _article(html, fresh)
    english = rsj.get("/portal/inbox?lang=en").text
    assert re.search(r"overdue by \d+ working days", english)
    # the requester's inbox offers no decision (its navigation has no inbox link either)
    swj = browser(platform, SWJ).get("/portal/inbox").text
    assert f'id="request-{fresh}"' not in swj and 'data-nav="nav.inbox"' not in swj


def test_approve_narrowed_then_the_requester_sees_what_the_grant_allows(
    platform: Platform,
) -> None:
    request_id = _file(
        platform,
        "citizen_id",
        "person_name",
        "period",
        "amount",
        match_fields="citizen_id",
        quota_rows="1000",
    )
    rsj = browser(platform, RSJ)
    form = _article(rsj.get("/portal/inbox").text, request_id)
    offered = re.findall(r'name="fields" value="([a-z_]+)" checked', form)
    assert offered == ["citizen_id", "person_name", "period", "amount"]  # only what was asked
    approved = post(
        rsj,
        f"/portal/requests/{request_id}/approve?lang=zh",
        "/portal/inbox",
        fields=["citizen_id", "period", "amount"],  # person_name dropped
        access_modes=["query"],
        match_fields=["citizen_id"],
        quota_rows="300",
        filter_field="region",
        filter_op="prefix",
        filter_value="3301",
        reason="按最小必要原则批准",
    )
    assert approved.status_code == 303, approved.text
    assert approved.headers["location"] == "/portal/inbox?lang=zh"
    assert request_row(platform, request_id).status is RequestStatus.APPROVED
    grant = grant_of(platform, request_id)
    assert grant is not None
    assert grant.fields == ["citizen_id", "period", "amount"] and grant.quota_rows == 300
    assert grant.row_filter == [{"field": "region", "op": "prefix", "value": "3301"}]
    [issued] = [e for e in events(platform, "grant.issued") if e["request_id"] == request_id]
    assert {"fields", "quota_rows", "row_filter"} <= set(issued["narrowed"])
    assert "match_fields" not in issued["narrowed"]

    swj = browser(platform, SWJ)
    mine = _article(swj.get("/portal/requests").text, request_id)
    assert "已批准" in mine and "按最小必要原则批准" in mine
    held = swj.get("/portal/grants").text
    card = re.search(rf'<article[^>]+id="grant-{grant.id}".*?</article>', held, re.S)
    assert card, held
    shown = card.group(0)
    assert 'data-field="citizen_id"' in shown and "keep:6:4" in shown
    assert 'data-field="person_name"' not in shown
    assert "参保地行政区划 开头为 3301" in shown
    assert "300 / 300" in shown and "有效" in shown
    assert f"/portal/grants/{grant.id}/data?lang=zh" in shown
    assert f"/portal/grants/{grant.id}/renew" in shown


def test_an_approval_cannot_widen_the_request(platform: Platform) -> None:
    request_id = _file(platform, "period", quota_rows="10")
    rsj = browser(platform, RSJ)
    wider = post(
        rsj,
        f"/portal/requests/{request_id}/approve",
        "/portal/inbox",
        fields=["period", "person_name"],
        access_modes=["query"],
    )
    assert wider.status_code == 422 and "approval.not_narrower" in wider.text
    more = post(
        rsj,
        f"/portal/requests/{request_id}/approve?lang=en",
        "/portal/inbox",
        fields=["period"],
        access_modes=["query"],
        quota_rows="11",
    )
    assert more.status_code == 422 and "may only narrow" in more.text
    bad_filter = post(
        rsj,
        f"/portal/requests/{request_id}/approve",
        "/portal/inbox",
        fields=["period"],
        access_modes=["query"],
        filter_field="amount",
        filter_op="gt",
        filter_value="many",
    )
    assert bad_filter.status_code == 422 and "form.invalid" in bad_filter.text
    assert request_row(platform, request_id).status is RequestStatus.PENDING


def test_refuse_object_and_uphold(platform: Platform) -> None:
    request_id = _file(platform, "period")
    rsj = browser(platform, RSJ)
    blank = post(rsj, f"/portal/requests/{request_id}/refuse", "/portal/inbox", reason="  ")
    assert blank.status_code == 422 and "request.reason_required" in blank.text
    refused = post(
        rsj, f"/portal/requests/{request_id}/refuse", "/portal/inbox", reason="用途不明确"
    )
    assert refused.status_code == 303
    swj = browser(platform, SWJ)
    mine = _article(swj.get("/portal/requests").text, request_id)
    assert "已拒绝" in mine and "用途不明确" in mine
    assert f"/portal/requests/{request_id}/objections" in mine
    objected = post(
        swj,
        f"/portal/requests/{request_id}/objections",
        "/portal/requests",
        reason="用途为个税汇算，已在申请中写明",
    )
    assert objected.status_code == 303
    mine = _article(swj.get("/portal/requests").text, request_id)
    assert "待答复" in mine and re.search(r"剩余 \d+ (个工作日|小时)", mine)
    assert f"/portal/requests/{request_id}/objections" not in mine  # one open objection at once

    inbox = rsj.get("/portal/inbox").text
    objection = re.search(rf'id="objected-{request_id}".*?</article>', inbox, re.S)
    assert objection and "用途为个税汇算" in objection.group(0)
    objection_id = re.search(r'data-objection="(\d+)"', objection.group(0))
    assert objection_id
    answer_url = f"/portal/requests/{request_id}/objections/{objection_id.group(1)}/answer"
    undecided = post(rsj, answer_url, "/portal/inbox", answer="重新审理")
    assert undecided.status_code == 422 and "form.required" in undecided.text
    upheld = post(rsj, answer_url, "/portal/inbox", decision="uphold", answer="重新审理")
    assert upheld.status_code == 303
    assert request_row(platform, request_id).status is RequestStatus.PENDING
    assert f'id="request-{request_id}"' in rsj.get("/portal/inbox").text
    assert "已采纳" in _article(swj.get("/portal/requests").text, request_id)


def test_given_grants_can_be_revoked_and_reads_stop(platform: Platform) -> None:
    request_id = _file(platform, "period", "amount")
    rsj = browser(platform, RSJ)
    post(
        rsj,
        f"/portal/requests/{request_id}/approve",
        "/portal/inbox",
        fields=["period", "amount"],
        access_modes=["query"],
    )
    grant = grant_of(platform, request_id)
    assert grant is not None
    given = rsj.get("/portal/given").text
    assert "本单位资源的授权" in given and f'id="grant-{grant.id}"' in given
    swj = browser(platform, SWJ)
    assert swj.get(f"/portal/grants/{grant.id}/data").status_code == 200
    no_reason = post(rsj, f"/portal/grants/{grant.id}/revoke", "/portal/given", reason="")
    assert no_reason.status_code == 422 and "grant.reason_required" in no_reason.text
    revoked = post(rsj, f"/portal/grants/{grant.id}/revoke", "/portal/given", reason="项目结束")
    assert revoked.status_code == 303
    assert revoked.headers["location"] == f"/portal/given?lang=zh#grant-{grant.id}"
    card = re.search(rf'id="grant-{grant.id}".*?</article>', rsj.get("/portal/given").text, re.S)
    assert card and "已撤销" in card.group(0) and "项目结束" in card.group(0)
    assert f"/portal/grants/{grant.id}/revoke" not in card.group(0)
    stopped = swj.get(f"/portal/grants/{grant.id}/data")
    assert stopped.status_code == 403 and "grant.revoked" in stopped.text
    assert "该授权已被撤销" in stopped.text and "已记入审计日志" in stopped.text
    assert any(e["grant_id"] == grant.id for e in events(platform, "data.read_refused"))


def test_a_grant_is_renewed_from_the_page_and_superseded_on_approval(platform: Platform) -> None:
    request_id = _file(platform, "period")
    rsj = browser(platform, RSJ)
    post(
        rsj,
        f"/portal/requests/{request_id}/approve",
        "/portal/inbox",
        fields=["period"],
        access_modes=["query"],
    )
    grant = grant_of(platform, request_id)
    assert grant is not None
    swj = browser(platform, SWJ)
    renewed = post(
        swj, f"/portal/grants/{grant.id}/renew", "/portal/grants", expires_on="2031-06-30"
    )
    assert renewed.status_code == 303
    renewal = newest_request(platform)
    assert renewed.headers["location"] == f"/portal/requests?lang=zh#request-{renewal}"
    row = request_row(platform, renewal)
    assert row.replaces_grant_id == grant.id and row.status is RequestStatus.PENDING
    assert f"#{grant.id}" in _article(swj.get("/portal/requests").text, renewal)
    post(
        rsj,
        f"/portal/requests/{renewal}/approve",
        "/portal/inbox",
        fields=["period"],
        access_modes=["query"],
    )
    card = re.search(rf'id="grant-{grant.id}".*?</article>', swj.get("/portal/grants").text, re.S)
    assert card and "已由续期授权替代" in card.group(0)
    assert "/renew" not in card.group(0) and "/data" not in card.group(0)


def test_an_escalated_request_is_marked_in_the_owners_inbox_and_its_payload(
    platform: Platform,
) -> None:
    from catalog.escalation import escalate_overdue

    late = _filed_long_ago(platform, 40)
    rsj = browser(platform, RSJ)
    assert "escalated" not in _article(rsj.get("/portal/inbox").text, late)
    assert (
        platform.client.get(f"/api/v1/requests/{late}", headers=platform.headers(RSJ)).json()[
            "escalated_at"
        ]
        is None
    )
    with platform.sessions() as session:
        done = escalate_overdue(session)
        session.commit()
    assert late in {e.request_id for e in done}
    card = _article(rsj.get("/portal/inbox").text, late)
    assert 'class="request pending overdue escalated"' in card
    assert re.search(r"已逾期督办（\d{4}-\d\d-\d\d \d\d:\d\d），请尽快答复", card)
    english = _article(rsj.get("/portal/inbox?lang=en").text, late)
    assert "escalated as overdue on" in english
    for account in (RSJ, SWJ):  # the owner and the requester both see when it was escalated
        shown = platform.client.get(f"/api/v1/requests/{late}", headers=platform.headers(account))
        assert shown.status_code == 200 and shown.json()["escalated_at"]
    listed = platform.client.get("/api/v1/requests", headers=platform.headers(RSJ)).json()
    assert [r["escalated_at"] is not None for r in listed if r["id"] == late] == [True]
