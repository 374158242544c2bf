"""The contract page's refusals: another department's account, an auditor, a forged form, a
hostile body — each the portal's problem page with its stable code, nothing changed."""

from __future__ import annotations

import pytest

from catalog.contracts import list_versions
from tests.catalog.contract_factories import contract_text
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import AUDITOR, DATASET, GAJ, RSJ, browser, post

PAGE = "/portal/datasets/contract?lang=zh"
PREVIEW = "/portal/datasets/contract/preview?lang=zh"
CONFIRM = "/portal/datasets/contract/confirm?lang=zh"
BOMB = 'a: &a ["x","x","x","x"]\nb: [*a,*a,*a,*a]\n'


def _versions(platform: Platform) -> int:
    with platform.sessions() as session:
        return len(list_versions(session, DATASET))


@pytest.mark.parametrize(
    ("account", "url", "text", "code"),
    [
        (GAJ, CONFIRM, contract_text("330100RSJ", DATASET, title_zh="篡改"), "dataset.not_owner"),
        (AUDITOR, CONFIRM, contract_text("330100RSJ", DATASET, title_zh="篡改"),
         "dataset.not_owner"),
        (GAJ, PREVIEW, contract_text("330100RSJ", DATASET, title_zh="篡改"), "dataset.not_owner"),
        (RSJ, CONFIRM, contract_text("330100GAJ", DATASET), "dataset.owner_change"),
        (GAJ, PREVIEW, contract_text("330100RSJ", "rsj_new"), "dataset.not_owner"),
        (RSJ, PREVIEW, BOMB, "contract.yaml_alias"),
        (RSJ, PREVIEW, contract_text("330100RSJ", "rsj_x", share_basis=""),
         "contract.legal_basis_required"),
    ],
)  # fmt: skip
def test_refusals_are_problem_pages(
    platform: Platform, account: str, url: str, text: str, code: str
) -> None:
    before = _versions(platform)
    answer = post(browser(platform, account), url, PAGE, contract=text)
    assert answer.status_code in (403, 404, 409, 413, 422), answer.text[:300]
    assert code in answer.text
    assert _versions(platform) == before


def test_a_form_without_its_csrf_token_is_refused(platform: Platform) -> None:
    client = browser(platform, RSJ)
    text = contract_text("330100RSJ", DATASET, title_zh="改")
    answer = client.post(CONFIRM, data={"contract": text}, follow_redirects=False)
    assert answer.status_code == 403 and "csrf.invalid" in answer.text
    assert _versions(platform) == 1


def test_the_page_is_chinese_by_default_and_english_on_request(platform: Platform) -> None:
    client = browser(platform, RSJ)
    assert "登记与修订信息资源" in client.get("/portal/datasets/contract").text
    assert "Register or revise a dataset" in client.get("/portal/datasets/contract?lang=en").text
