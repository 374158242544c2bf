"""A grant's data page: the API's read path — masked in SQL, audited, counted against the quota —
with paging, and the exact-match form for match keys (a probe the policy limits)."""

from __future__ import annotations

import re

import pytest

from tests.portal.conftest import Platform
from tests.portal.portal_browsers import (
    DATASET,
    RSJ,
    SWJ,
    browser,
    events,
    grant_of,
    masked_ids,
    newest_request,
    post,
)


@pytest.fixture(scope="module")
def grant_id(platform: Platform) -> int:
    swj = browser(platform, SWJ)
    post(
        swj,
        f"/portal/catalog/{DATASET}/requests",
        f"/portal/catalog/{DATASET}",
        fields=["citizen_id", "person_name", "period", "amount"],
        purpose="汇算核验",
        access_modes=["query"],
        match_fields=["citizen_id"],
        quota_rows="200",
    )
    request_id = newest_request(platform)
    approved = post(
        browser(platform, RSJ),
        f"/portal/requests/{request_id}/approve",
        "/portal/inbox",
        fields=["citizen_id", "person_name", "period"],  # amount dropped
        access_modes=["query"],
        match_fields=["citizen_id"],
    )
    assert approved.status_code == 303, approved.text
    grant = grant_of(platform, request_id)
    assert grant is not None
    return grant.id


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr class="row">(.*?)</tr>', html, re.S)


def test_a_page_of_rows_is_masked_audited_and_counted(platform: Platform, grant_id: int) -> None:
    swj = browser(platform, SWJ)
    page = swj.get(f"/portal/grants/{grant_id}/data")
    assert page.status_code == 200, page.text
    html = page.text
    assert "授权数据" in html
    assert re.search(r'data-column="citizen_id">公民身份号码 <span class="tag masked">', html)
    assert 'data-column="amount"' not in html  # narrowed away by the owner
    names = re.findall(r"<td>([^<]*)</td>", "".join(_rows(html)))
    assert sum(1 for n in names if re.fullmatch(r"\w\*{4}", n)) == 20  # names keep:1:0
    rows = _rows(html)
    assert len(rows) == 20
    assert len(masked_ids(html)) == 20  # every ID number masked keep:6:4, in SQL
    assert not re.search(r"\d{17}[\dX]", html)  # no whole ID number anywhere
    assert 'rel="next"' in html and 'rel="prev"' not in html
    [read] = [e for e in events(platform, "data.read") if e["grant_id"] == grant_id]
    assert read["row_count"] == 20
    assert read["masked_columns"] == ["citizen_id", "person_name"]
    assert re.search(r"审计事件 #\d+", html)
    assert "20</dd>" in html and "180 / 200" in html  # used, and what is left

    second = swj.get(f"/portal/grants/{grant_id}/data?page=2&lang=en")
    assert second.status_code == 200 and 'rel="prev"' in second.text
    assert "Granted data" in second.text and 'data-column="citizen_id">citizen_id' in second.text
    assert f'href="/portal/grants/{grant_id}/data?page=2&amp;lang=zh"' in second.text
    assert "160 / 200" in second.text


def test_an_exact_match_shows_only_that_person_without_echoing_the_value(
    platform: Platform, grant_id: int
) -> None:
    owner = platform.client.get(
        f"/api/v1/datasets/{DATASET}/data?limit=1&fields=citizen_id", headers=platform.headers(RSJ)
    )
    citizen_id = owner.json()["rows"][0]["citizen_id"]
    swj = browser(platform, SWJ)
    form_page = swj.get(f"/portal/grants/{grant_id}/data").text
    assert re.search(r'<select name="field"[^>]*>\s*<option value="citizen_id">', form_page)
    matched = post(
        swj,
        f"/portal/grants/{grant_id}/data/match",
        "/portal/grants",  # a page with a form whose reading costs no quota
        field="citizen_id",
        value=citizen_id,
    )
    assert matched.status_code == 200, matched.text
    rows = _rows(matched.text)
    assert rows and all(citizen_id[:6] + "****" + citizen_id[-4:] in r for r in rows)
    assert citizen_id not in matched.text  # the typed value is not shown back
    assert re.search(r"比对结果：\d+ 条", matched.text)
    probe = [e for e in events(platform, "data.read") if e["grant_id"] == grant_id][-1]
    assert probe["filters"] == [{"field": "citizen_id", "op": "eq", "value": citizen_id}]


def test_a_masked_field_that_is_no_match_key_cannot_be_probed(
    platform: Platform, grant_id: int
) -> None:
    swj = browser(platform, SWJ)
    probe = post(
        swj,
        f"/portal/grants/{grant_id}/data/match?lang=en",
        "/portal/grants",
        field="person_name",
        value="张三",
    )
    assert probe.status_code == 403
    assert "field.masked" in probe.text and "match key" in probe.text
    refused = [e for e in events(platform, "data.read_refused") if e["grant_id"] == grant_id]
    assert refused and refused[-1]["code"] == "field.masked"


def test_the_data_page_read_with_a_bearer_header_offers_no_match_form(
    platform: Platform, grant_id: int
) -> None:
    page = platform.client.get(
        f"/portal/grants/{grant_id}/data?lang=en", headers=platform.headers(SWJ)
    )
    assert page.status_code == 200
    assert 'id="match-form"' not in page.text and len(_rows(page.text)) == 20


def test_the_quota_runs_out(platform: Platform, grant_id: int) -> None:
    swj = browser(platform, SWJ)
    for _ in range(10):
        if swj.get(f"/portal/grants/{grant_id}/data").status_code != 200:
            break
    spent = swj.get(f"/portal/grants/{grant_id}/data")
    assert spent.status_code == 403
    assert "quota.exceeded" in spent.text and "配额已用完" in spent.text
