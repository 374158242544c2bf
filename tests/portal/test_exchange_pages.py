"""The requesting department's pages: the catalog, a dataset's entry and its request form, my
requests with their deadline clocks, withdrawal — Chinese by default, English on request."""

from __future__ import annotations

import re

from catalog.models import RequestStatus
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import (
    DATASET,
    RSJ,
    SWJ,
    browser,
    events,
    newest_request,
    post,
    request_row,
)

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_the_catalog_lists_share_types_legal_bases_and_owners(platform: Platform) -> None:
    swj = browser(platform, SWJ)
    page = swj.get("/portal/catalog")
    assert page.status_code == 200
    assert page.headers["content-language"] == "zh-CN"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = page.text
    assert "信息资源目录" in html
    assert 'data-dataset="rsj_social_insurance"' in html and "社会保险缴费信息" in html
    assert "有条件共享" in html and "无条件共享" in html
    assert "《政务信息资源共享管理暂行办法》第九条" in html  # the legal basis
    assert "杭州市人力资源和社会保障局" in html  # the owner
    assert 'href="/portal/catalog/rsj_social_insurance?lang=zh"' in html
    assert "<script" not in html and "https://" not in html

    english = swj.get("/portal/catalog?lang=en")
    assert english.headers["content-language"] == "en"
    assert "Dataset catalog" in english.text and "Conditional sharing" in english.text
    assert "Social insurance contributions" in english.text
    assert 'href="/portal/catalog/rsj_social_insurance?lang=en"' in english.text
    assert 'href="/portal/catalog?lang=zh"' in english.text  # the switch back


def test_an_entry_marks_personal_and_masked_fields_and_offers_the_form(
    platform: Platform,
) -> None:
    swj = browser(platform, SWJ)
    html = swj.get(f"/portal/catalog/{DATASET}").text
    assert "公民身份号码" in html and "个人信息" in html
    assert re.search(r'data-field="citizen_id".*?脱敏 <code>keep:6:4</code>', html, re.S)
    uscc = re.search(r'<tr data-field="employer_uscc">.*?</tr>', html, re.S)
    assert uscc and "个人信息" not in uscc.group(0)
    form = re.search(r'<form[^>]+id="request-form".*?</form>', html, re.S)
    assert form, "the requester is offered the request form"
    assert 'name="csrf"' in form.group(0)
    matchable = re.findall(r'name="match_fields" value="([a-z_]+)"', form.group(0))
    assert matchable == ["citizen_id", "person_name"]  # masked fields only
    assert 'action="/portal/catalog/rsj_social_insurance/requests?lang=zh"' in form.group(0)


def test_an_account_without_the_requester_role_is_not_offered_the_form(platform: Platform) -> None:
    html = browser(platform, RSJ).get(f"/portal/catalog/{DATASET}?lang=en").text
    assert 'id="request-form"' not in html
    assert "role.requester_required" in html and "This needs the requester role" in html


def test_an_unknown_dataset_is_a_404_page(platform: Platform) -> None:
    swj = browser(platform, SWJ)
    for code in ("no_such_dataset", "bad'code"):
        page = swj.get(f"/portal/catalog/{code}")
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "dataset.not_found" in page.text and "没有该信息资源" in page.text


def test_filing_a_request_redirects_to_my_requests_with_its_clock(platform: Platform) -> None:
    swj = browser(platform, SWJ)
    filed = post(
        swj,
        f"/portal/catalog/{DATASET}/requests?lang=zh",
        f"/portal/catalog/{DATASET}",
        fields=["citizen_id", "person_name", "period", "amount"],
        purpose="个人所得税汇算清缴核验",
        scenario="年度汇算",
        legal_basis="《中华人民共和国税收征收管理法》",
        access_modes=["query"],
        match_fields=["citizen_id"],
        quota_rows="500",
        expires_on="2030-12-31",
    )
    assert filed.status_code == 303, filed.text
    request_id = newest_request(platform)
    assert filed.headers["location"] == f"/portal/requests?lang=zh#request-{request_id}"
    row = request_row(platform, request_id)
    assert row.status is RequestStatus.PENDING and row.quota_rows == 500
    assert row.fields == ["citizen_id", "person_name", "period", "amount"]
    assert row.match_fields == ["citizen_id"] and row.scenario == "年度汇算"
    assert row.expires_at is not None and row.expires_at.isoformat() == "2030-12-31T16:00:00+00:00"
    [filing] = [e for e in events(platform, "request.filed") if e["request_id"] == request_id]
    assert filing["purpose"] == "个人所得税汇算清缴核验"

    page = swj.get("/portal/requests").text
    article = re.search(rf'<article[^>]+id="request-{request_id}".*?</article>', page, re.S)
    assert article, page
    shown = article.group(0)
    assert "待审批" in shown and "个人所得税汇算清缴核验" in shown
    assert re.search(r"剩余 \d+ (个工作日|小时)", shown)
    assert "答复期限" in shown and "北京时间" in shown
    assert f"/portal/requests/{request_id}/withdraw" in shown

    english = swj.get("/portal/requests?lang=en").text
    assert re.search(r"\d+ (working days|hours) left", english)
    assert "pending" in english


def test_a_request_can_be_withdrawn_from_the_page(platform: Platform) -> None:
    swj = browser(platform, SWJ)
    post(
        swj,
        f"/portal/catalog/{DATASET}/requests",
        f"/portal/catalog/{DATASET}",
        fields=["period"],
        purpose="撤回测试",
        access_modes=["query"],
    )
    request_id = newest_request(platform)
    done = post(
        swj,
        f"/portal/requests/{request_id}/withdraw?lang=en",
        "/portal/requests",
        reason="不再需要",
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/portal/requests?lang=en#request-{request_id}"
    assert request_row(platform, request_id).status is RequestStatus.WITHDRAWN
    again = post(swj, f"/portal/requests/{request_id}/withdraw", "/portal/requests")
    assert again.status_code == 409
    assert "request.already_decided" in again.text and "该申请已办结" in again.text


def test_a_form_error_is_a_page_in_the_form_language(platform: Platform) -> None:
    swj = browser(platform, SWJ)
    url, page = f"/portal/catalog/{DATASET}/requests", f"/portal/catalog/{DATASET}"
    no_modes = post(swj, url, page, fields=["period"], purpose="用途")
    assert no_modes.status_code == 422 and "request.no_modes" in no_modes.text
    no_fields = post(swj, url, page, purpose="用途", access_modes=["query"])
    assert no_fields.status_code == 422
    assert "request.no_fields" in no_fields.text and "请至少选择一个字段" in no_fields.text
    no_purpose = post(
        swj, url + "?lang=en", page, fields=["period"], purpose="  ", access_modes=["query"]
    )
    assert no_purpose.status_code == 422 and no_purpose.headers["content-language"] == "en"
    assert "form.required" in no_purpose.text and "Fill in the required fields" in no_purpose.text
    assert not HAN.search(re.sub(r"<title>.*?</title>", "", no_purpose.text))
    bad_quota = post(
        swj, url, page, fields=["period"], purpose="用途", access_modes=["query"], quota_rows="12x"
    )
    assert bad_quota.status_code == 422 and "request.invalid_quota" in bad_quota.text
    past = post(
        swj,
        url,
        page,
        fields=["period"],
        purpose="用途",
        access_modes=["query"],
        expires_on="2001-01-01",
    )
    assert past.status_code == 422 and "request.invalid_expiry" in past.text
    unknown = post(swj, url, page, fields=["salary"], purpose="用途", access_modes=["query"])
    assert unknown.status_code == 422 and "request.unknown_field" in unknown.text


def test_an_unconditional_dataset_is_granted_at_once(platform: Platform) -> None:
    swj = browser(platform, SWJ)
    code = "scjgj_enterprise_registration"
    filed = post(
        swj,
        f"/portal/catalog/{code}/requests",
        f"/portal/catalog/{code}",
        fields=["uscc"],
        purpose="企业核验",
        access_modes=["query"],
    )
    assert filed.status_code == 303, filed.text
    request_id = newest_request(platform)
    assert request_row(platform, request_id).status is RequestStatus.APPROVED
    grants = swj.get("/portal/grants").text
    assert "企业" in grants and "有效" in grants
    # no batch of it was ever published: the data page says so, as a page, with the code
    grant_id = re.search(r'data-grant="(\d+)"', grants)
    assert grant_id
    page = swj.get(f"/portal/grants/{grant_id.group(1)}/data")
    assert page.status_code == 409 and "dataset.not_published" in page.text


def test_a_page_read_with_a_bearer_header_offers_no_forms(platform: Platform) -> None:
    page = platform.client.get(f"/portal/catalog/{DATASET}", headers=platform.headers(SWJ))
    assert page.status_code == 200
    assert 'name="csrf"' not in page.text and 'id="request-form"' not in page.text
    assert "请从门户登录" in page.text


def test_a_browser_without_a_session_is_sent_to_sign_in(platform: Platform) -> None:
    for path in ("/portal/catalog", "/portal/requests?lang=en", "/portal/inbox"):
        sent = platform.client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
        assert sent.status_code == 303, path
        assert sent.headers["location"].startswith("/portal/login?lang=")


def test_a_provisional_deadline_is_marked(platform: Platform) -> None:
    from catalog.models import ShareRequest

    swj = browser(platform, SWJ)
    post(
        swj,
        f"/portal/catalog/{DATASET}/requests",
        f"/portal/catalog/{DATASET}",
        fields=["period"],
        purpose="跨年申请",
        access_modes=["query"],
    )
    request_id = newest_request(platform)
    with platform.sessions() as session:  # as a deadline reaching an unknown year is stored
        row = session.get(ShareRequest, request_id)
        assert row is not None
        row.reply_due_provisional = True
        session.commit()
    html = swj.get("/portal/requests").text
    article = re.search(rf'id="request-{request_id}".*?</article>', html, re.S)
    assert article and '<span class="provisional"' in article.group(0)
    assert "暂定" in article.group(0)
    english = swj.get("/portal/requests?lang=en").text
    assert re.search(rf'id="request-{request_id}".*?provisional</span>', english, re.S)
