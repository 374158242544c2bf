"""The verify page inside a grant (核验), through signed-in browsers (TestClient + form login):
one record and a small batch, zh and en, CSRF-checked, audited, another department's grant a 404,
a masked field that is no match key refused on the page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.exchange_api.verify_platform import make_grant, stored_rows
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import GAJ, SWJ, browser, events, post

FIELDS = ["citizen_id", "person_name", "period", "amount", "region"]


@pytest.fixture(scope="module")
def grant(platform: Platform) -> int:
    return make_grant(platform, FIELDS, ["verify"], match=["citizen_id", "person_name"])


@pytest.fixture(scope="module")
def row(platform: Platform) -> dict[str, Any]:
    return stored_rows(platform)[0]


def _form(row: dict[str, Any], name: str, **extra: Any) -> dict[str, Any]:
    return {
        "match_on": "citizen_id",
        "compare": ["person_name"],
        "names": FIELDS,
        "values": [row["citizen_id"].lower(), name, "", "", ""],
        **extra,
    }


def test_the_grant_list_links_the_verify_page(platform: Platform, grant: int) -> None:
    page = browser(platform, SWJ).get("/portal/grants")
    assert f'href="/portal/grants/{grant}/verify?lang=zh"' in page.text


def test_one_record_match_and_differs(platform: Platform, grant: int, row: dict[str, Any]) -> None:
    client = browser(platform, SWJ)
    url = f"/portal/grants/{grant}/verify"
    page = client.get(url)
    assert page.status_code == 200 and "数据核验" in page.text
    before = len(events(platform, "data.verified"))
    same = post(client, url, url, **_form(row, row["person_name"]))
    assert same.status_code == 200, same.text
    assert 'data-result="match"' in same.text and "一致" in same.text
    other = post(client, f"{url}?lang=en", f"{url}?lang=en", **_form(row, "无此人"))
    assert 'data-result="differs"' in other.text and "person_name" in other.text
    assert "differs" in other.text and row["person_name"] not in other.text
    assert len(events(platform, "data.verified")) == before + 2


def test_a_small_batch_as_csv_lines(platform: Platform, grant: int, row: dict[str, Any]) -> None:
    client = browser(platform, SWJ)
    url = f"/portal/grants/{grant}/verify"
    batch = f"citizen_id,person_name\n{row['citizen_id']},{row['person_name']}\n1,张三\n"
    done = post(client, url, url, match_on="citizen_id", compare=["person_name"], batch=batch)
    assert done.status_code == 200, done.text
    assert done.text.count('data-result="match"') == 1
    assert done.text.count('data-result="not_found"') == 1


def test_refusals_are_pages(platform: Platform, grant: int, row: dict[str, Any]) -> None:
    other = browser(platform, GAJ)
    assert other.get(f"/portal/grants/{grant}/verify").status_code == 404
    keyed = make_grant(platform, FIELDS, ["verify"], account=GAJ, match=["citizen_id"])
    url = f"/portal/grants/{keyed}/verify"
    page = other.get(url)
    assert 'value="person_name"' not in page.text  # not offered: masked, not a match key
    refused = post(other, url, url, **_form(row, row["person_name"]))
    assert refused.status_code == 403 and "field.masked" in refused.text
    no_csrf = other.post(url, data=_form(row, "x"), follow_redirects=False)
    assert no_csrf.status_code == 403 and "csrf.invalid" in no_csrf.text


def test_every_verify_and_aggregate_code_has_a_sentence() -> None:
    import re
    from pathlib import Path

    from exchange_api.portal.i18n import LANGS, MESSAGES

    root = Path(__file__).resolve().parents[2]
    sources = [
        root / "catalog" / "verify_plan.py",
        root / "catalog" / "aggregate_plan.py",
        root / "lakehouse" / "verify.py",
        root / "lakehouse" / "aggregate.py",
        root / "exchange_api" / "portal" / "verify_pages.py",
        root / "exchange_api" / "cli_verify.py",
    ]
    codes: set[str] = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'code="([a-z_]+\.[a-z_]+)"', text))
        codes |= set(re.findall(r'Refusal\(\s*"([a-z_]+\.[a-z_]+)"', text))
    assert {"verify.batch_size", "aggregate.too_many_groups", "field.masked"} <= codes
    for lang in LANGS:
        missing = {c for c in codes if f"problem.{c}" not in MESSAGES[lang]}
        assert missing == set(), (lang, sorted(missing))
