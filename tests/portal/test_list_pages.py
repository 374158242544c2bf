"""The responsibility and demand list pages (no browser), on SQLite and PostgreSQL: forms offered
only to those the decision allows, forged posts refused as pages with the code's sentence, the
restricted part of a demand never in another department's page, Chinese by default."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from exchange_api.portal.forms import csrf_for
from exchange_api.portal.pages import SESSION_COOKIE
from tests.exchange_api.list_fixtures import GAJ_PUBLISHER, ListsPlatform, lists_platform

__all__ = ["lists_platform"]

RESP, DEMANDS = "/portal/lists/responsibilities", "/portal/lists/demands"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _browser(p: ListsPlatform, account: str) -> TestClient:
    client = TestClient(p.client.app)
    signed_in = client.post(
        "/portal/login", data={"token": p.tokens.by_account[account]}, follow_redirects=False
    )
    assert signed_in.status_code == 303, signed_in.text
    return client


def _post(client: TestClient, url: str, page: str, **form: str) -> object:
    """Post as the browser would from ``page``: with its CSRF token — or, when the page offers
    no form (a forged post), with the session's own token, as an attacker's script would."""
    found = _CSRF.search(client.get(page).text)
    if found is not None:
        token = found.group(1)
    else:
        settings = client.app.state.settings  # type: ignore[attr-defined]
        token = csrf_for(settings, client.cookies.get(SESSION_COOKIE))
    return client.post(url, data={"csrf": token, **form}, follow_redirects=False)


def test_the_responsibility_page(lists_platform: ListsPlatform) -> None:
    p = lists_platform
    admin, rsj, gaj = (_browser(p, a) for a in ("dsj-admin", "rsj-exchange", GAJ_PUBLISHER))
    page = admin.get(RESP).text
    assert "责任清单" in page and 'id="responsibility-form"' in page
    assert 'href="/portal/lists/negative?lang=zh"' in page
    added = _post(
        admin,
        f"{RESP}?lang=zh",
        RESP,
        department="330100RSJ",
        title_zh="社会保险缴费信息",
        title_en="Social insurance contributions",
        duty="按月提供缴费明细",
        legal_basis="《社会保险法》第七十五条",
        update_cycle="monthly",
        min_quality_score="95",
    )
    assert added.status_code == 303  # type: ignore[attr-defined]
    anchor = added.headers["location"].rsplit("#", 1)[1]  # type: ignore[attr-defined]
    item = anchor.removeprefix("responsibility-")

    own = rsj.get(f"{RESP}?department=330100RSJ").text
    assert f'id="responsibility-{item}"' in own and 'class="act inline link"' in own
    assert 'id="responsibility-form"' not in own and "retire" not in own.split(anchor, 1)[1]
    other = gaj.get(RESP).text
    assert f'id="responsibility-{item}"' in other and 'class="act inline link"' not in other
    forged = _post(gaj, f"{RESP}/{item}/link?lang=zh", RESP, dataset="rsj_social_insurance")
    assert forged.status_code == 403  # type: ignore[attr-defined]
    assert "只有责任部门的提供方" in forged.text  # type: ignore[attr-defined]
    linked = _post(rsj, f"{RESP}/{item}/link?lang=zh", RESP, dataset="rsj_social_insurance")
    assert linked.status_code == 303  # type: ignore[attr-defined]
    english = gaj.get(f"{RESP}?lang=en").text
    assert "Responsibility list" in english and "Social insurance contributions" in english
    assert "monthly" in english and "责任清单" not in english.split("</header>", 1)[1]
    assert gaj.get(f"{RESP}?department=NOPE").status_code == 404
    assert p.refusals() == ["responsibility.not_own_department"]


def test_the_demand_page(lists_platform: ListsPlatform) -> None:
    p = lists_platform
    swj, gaj, rsj = (_browser(p, a) for a in ("swj-exchange", "gaj-exchange", "rsj-exchange"))
    assert 'id="demand-form"' not in rsj.get(DEMANDS).text  # a publisher files no demand
    filed = _post(
        swj,
        f"{DEMANDS}?lang=zh",
        DEMANDS,
        title="社保缴费记录核验",
        scenario="个人所得税专项附加扣除审核",
        legal_duty="《税收征收管理法》第六条",
        fields_wanted="公民身份号码，缴费金额、缴费所属期",
    )
    assert filed.status_code == 303  # type: ignore[attr-defined]
    demand = filed.headers["location"].rsplit("-", 1)[1]  # type: ignore[attr-defined]
    mine = swj.get(DEMANDS).text
    assert "公民身份号码、缴费金额、缴费所属期" in mine and 'class="act inline match"' in mine
    theirs = gaj.get(DEMANDS).text
    assert "社保缴费记录核验" in theirs and "个人所得税专项附加扣除审核" not in theirs
    assert 'class="note restricted"' in theirs and 'class="act inline match"' not in theirs
    forged = _post(
        gaj, f"{DEMANDS}/{demand}/match?lang=zh", DEMANDS, dataset="rsj_social_insurance"
    )
    assert forged.status_code == 403  # type: ignore[attr-defined]
    matched = _post(
        swj, f"{DEMANDS}/{demand}/match?lang=zh", DEMANDS, dataset="rsj_social_insurance"
    )
    assert matched.status_code == 303  # type: ignore[attr-defined]
    owner = rsj.get(f"{DEMANDS}?status=matched").text
    assert "个人所得税专项附加扣除审核" in owner and 'class="act inline decline"' in owner
    not_owner = _post(swj, f"{DEMANDS}/{demand}/fulfil?lang=zh", DEMANDS)
    assert not_owner.status_code == 403  # type: ignore[attr-defined]
    empty = _post(rsj, f"{DEMANDS}/{demand}/decline?lang=zh", DEMANDS, reason="\u3000")
    assert empty.status_code == 422  # type: ignore[attr-defined]
    declined = _post(rsj, f"{DEMANDS}/{demand}/decline?lang=zh", DEMANDS, reason="涉及敏感信息")
    assert declined.status_code == 303  # type: ignore[attr-defined]
    assert 'data-status="declined"' in swj.get(f"{DEMANDS}?department=330100SWJ").text
    assert swj.get(f"{DEMANDS}?status=lost").status_code == 422
    # a form posted without the page's CSRF token (another site's) is refused, nothing done
    cross = swj.post(f"{DEMANDS}/{demand}/match?lang=zh", data={"dataset": "x"})
    assert cross.status_code == 403 and "csrf" in cross.text
    assert p.refusals() == ["demand.not_requester", "demand.not_owner"]
