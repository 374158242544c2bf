"""The negative-list page (负面清单): public to every signed-in account, kept through CSRF-checked
forms by the owner's publishers only — another department's forged form refused and audited —
an entry due for review marked, in Chinese by default and in English."""

from __future__ import annotations

import datetime as dt
import re

from catalog.workdays import CHINA
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import AUDITOR, DATASET, GAJ, RSJ, SWJ, browser, events, post

PAGE = "/portal/lists/negative"
BASIS = "《中华人民共和国个人信息保护法》第二十八条"


def test_the_owner_lists_and_lifts_and_everyone_sees_it(platform: Platform) -> None:
    today = dt.datetime.now(CHINA).date().isoformat()
    rsj = browser(platform, RSJ)
    page = rsj.get(PAGE)
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    assert (
        "negative-add-form" in page.text and 'data-list="negative" aria-current="page"' in page.text
    )
    added = post(
        rsj, PAGE, PAGE, dataset=DATASET, field="employer_name", basis=BASIS, review_date=today
    )
    assert added.status_code == 303, added.text

    for account in (SWJ, GAJ, AUDITOR):
        seen = browser(platform, account).get(PAGE)
        assert seen.status_code == 200
        assert BASIS in seen.text and 'data-field="employer_name"' in seen.text
        assert 'data-due="yes"' in seen.text and "待复核" in seen.text  # review date is today
        assert "negative-add-form" not in seen.text and "lift-form" not in seen.text
    english = browser(platform, SWJ).get(PAGE, params={"lang": "en"})
    assert "Negative list" in english.text and "Due for review" in english.text

    forged = post(  # the session's token, taken from a page that has a form for 公安局
        browser(platform, GAJ), PAGE, f"/portal/catalog/{DATASET}", dataset=DATASET,
        field="amount", basis="伪造", review_date=today,
    )  # fmt: skip
    assert forged.status_code == 403 and "negative_list.not_manager" in forged.text
    assert events(platform, "access.refused")[-1]["code"] == "negative_list.not_manager"
    blank = post(rsj, PAGE, PAGE, dataset=DATASET, field="amount", basis="　", review_date=today)
    assert blank.status_code == 422 and "negative.basis_required" in blank.text

    shown = browser(platform, SWJ).get(f"/portal/catalog/{DATASET}").text  # the dataset page
    assert re.search(
        r'<tr data-field="employer_name">.*?data-negative[^>]*>负面清单：', shown, re.S
    )
    assert BASIS in shown and 'id="negative-dataset"' not in shown  # a field, not the dataset

    entry = [e for e in events(platform, "negative_list.added") if e["field"] == "employer_name"]
    entry_id = int(entry[-1]["resource"].split(":")[1])
    lifted = post(rsj, f"{PAGE}/{entry_id}/lift", PAGE, reason="复核后解除")
    assert lifted.status_code == 303, lifted.text
    after = browser(platform, SWJ).get(PAGE)
    assert 'data-field="employer_name"' not in after.text
    history = browser(platform, SWJ).get(PAGE, params={"lifted": "true"})
    assert 'data-state="lifted"' in history.text and "复核后解除" in history.text


def test_a_whole_dataset_entry_shows_on_the_dataset_page_until_lifted(platform: Platform) -> None:
    today = dt.datetime.now(CHINA).date().isoformat()
    rsj = browser(platform, RSJ)
    basis = "《中华人民共和国数据安全法》第二十一条（核心数据）"
    added = post(rsj, PAGE, PAGE, dataset=DATASET, field="", basis=basis, review_date=today)
    assert added.status_code == 303, added.text
    page = browser(platform, SWJ).get(f"/portal/catalog/{DATASET}").text
    banner = re.search(r'<p class="banner bad" id="negative-dataset"[^>]*>(.*?)</p>', page, re.S)
    assert banner and basis in banner.group(1) and "不予共享" in banner.group(1)
    entry = [e for e in events(platform, "negative_list.added") if e["field"] == ""][-1]
    lifted = post(rsj, f"{PAGE}/{entry['resource'].split(':')[1]}/lift", PAGE, reason="已复核")
    assert lifted.status_code == 303, lifted.text
    assert (
        'id="negative-dataset"' not in browser(platform, SWJ).get(f"/portal/catalog/{DATASET}").text
    )
