"""``/api/v1/lists/…``: the responsibility and demand lists over HTTP, on SQLite and PostgreSQL —
every act decided by the one access decision, each refusal problem+json with its stable code and
audited, bad input a 422 and never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.exchange_api.list_fixtures import GAJ_PUBLISHER, ListsPlatform, lists_platform

__all__ = ["lists_platform"]

RSJ, SWJ, GAJ, AUDITOR, ADMIN = (
    "rsj-exchange",
    "swj-exchange",
    "gaj-exchange",
    "dsj-audit",
    "dsj-admin",
)
RESPONSIBILITIES, DEMANDS = "/api/v1/lists/responsibilities", "/api/v1/lists/demands"
DUTY = {
    "department": "330100RSJ",
    "title_zh": "社会保险缴费信息",
    "duty": "按月提供全市参保单位及个人缴费明细",
    "legal_basis": "《中华人民共和国社会保险法》第七十五条",
    "update_cycle": "monthly",
    "min_quality_score": 95,
}
DEMAND = {
    "title": "社保缴费记录核验",
    "scenario": "个人所得税专项附加扣除审核",
    "legal_duty": "《中华人民共和国税收征收管理法》第六条",
    "fields_wanted": ["公民身份号码", "缴费金额"],
}


def _call(p: ListsPlatform, method: str, url: str, who: str, body: Any = None) -> Any:
    response = p.client.request(method, url, headers=p.headers(who), json=body)
    assert response.status_code < 500, response.text
    return response


def _problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def test_the_responsibility_list(lists_platform: ListsPlatform) -> None:
    p = lists_platform
    added = _call(p, "POST", RESPONSIBILITIES, ADMIN, DUTY)
    assert added.status_code == 201, added.text
    item = added.json()
    assert (item["department"], item["dataset"], item["update_cycle"]) == (
        "330100RSJ",
        None,
        "monthly",
    )
    url = f"{RESPONSIBILITIES}/{item['id']}"

    _problem(_call(p, "POST", RESPONSIBILITIES, RSJ, DUTY), 403, "role.admin_required")
    _problem(_call(p, "POST", RESPONSIBILITIES, AUDITOR, DUTY), 403, "role.admin_required")
    # another department's publisher may neither link nor retire it
    link = {"op": "link", "dataset": "rsj_social_insurance"}
    _problem(_call(p, "PATCH", url, GAJ_PUBLISHER, link), 403, "responsibility.not_own_department")
    retire = {"op": "retire", "reason": "不再需要"}
    _problem(_call(p, "PATCH", url, GAJ_PUBLISHER, retire), 403, "role.admin_required")
    _problem(_call(p, "PATCH", url, AUDITOR, link), 403, "responsibility.not_own_department")
    # the owner links only its own dataset
    foreign = {"op": "link", "dataset": "gaj_household_registration"}
    _problem(_call(p, "PATCH", url, RSJ, foreign), 403, "responsibility.dataset_not_own")
    linked = _call(p, "PATCH", url, RSJ, link)
    assert linked.status_code == 200 and linked.json()["dataset"] == "rsj_social_insurance"
    _problem(_call(p, "PATCH", url, RSJ, link), 409, "responsibility.already_linked")

    for who in (SWJ, GAJ, AUDITOR):  # public within the platform
        listed = _call(p, "GET", f"{RESPONSIBILITIES}?department=330100RSJ", who).json()
        assert [r["id"] for r in listed] == [item["id"]]
    assert _call(p, "GET", f"{RESPONSIBILITIES}?department=330100GAJ", SWJ).json() == []
    _problem(
        _call(p, "GET", f"{RESPONSIBILITIES}?department=NOPE", SWJ), 404, "department.not_found"
    )
    assert p.client.get(RESPONSIBILITIES).status_code == 401

    retired = _call(p, "PATCH", url, ADMIN, retire)
    assert retired.json()["retired_at"] is not None
    assert _call(p, "GET", RESPONSIBILITIES, SWJ).json() == []
    assert len(_call(p, "GET", f"{RESPONSIBILITIES}?include_retired=true", SWJ).json()) == 1
    assert p.refusals() == [
        "role.admin_required",
        "role.admin_required",
        "responsibility.not_own_department",
        "role.admin_required",
        "responsibility.not_own_department",
        "responsibility.dataset_not_own",
    ]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"title_zh": "\u3000\u3000"}, 422, "responsibility.invalid"),
        ({"title_zh": "长" * 201}, 422, "responsibility.invalid"),
        ({"title_zh": "长" * 5000}, 422, "request.invalid"),
        ({"legal_basis": "第一条\u0000"}, 422, "request.invalid"),
        ({"update_cycle": "ｈｏｕｒｌｙ"}, 422, "responsibility.invalid"),
        ({"min_quality_score": 101}, 422, "responsibility.invalid"),
        ({"min_quality_score": "high"}, 422, "request.invalid"),
        ({"department": "３３０１００ＲＳＪ", "update_cycle": "ＤＡＩＬＹ"}, 201, ""),
        ({"unexpected": 1}, 422, "request.invalid"),
    ],
)
def test_bad_responsibility_bodies(
    lists_platform: ListsPlatform, change: dict[str, Any], status: int, code: str
) -> None:
    response = _call(lists_platform, "POST", RESPONSIBILITIES, ADMIN, {**DUTY, **change})
    if status == 201:
        assert response.status_code == 201 and response.json()["update_cycle"] == "daily"
        assert response.json()["department"] == "330100RSJ"
    else:
        _problem(response, status, code)


def test_a_demand_through_its_life(lists_platform: ListsPlatform) -> None:
    p = lists_platform
    filed = _call(p, "POST", DEMANDS, SWJ, DEMAND)
    assert filed.status_code == 201, filed.text
    demand = filed.json()
    assert demand["status"] == "open" and demand["whole"] and demand["scenario"]
    assert demand["candidates"][0] == "rsj_social_insurance"
    url = f"{DEMANDS}/{demand['id']}"

    # a stranger sees the public part only
    seen = _call(p, "GET", url, GAJ).json()
    assert seen["whole"] is False and seen["scenario"] is None and seen["candidates"] is None
    assert seen["title"] == DEMAND["title"]
    # a requester files for its own department only; an auditor files nothing
    other = {**DEMAND, "department": "330100GAJ"}
    _problem(_call(p, "POST", DEMANDS, SWJ, other), 403, "demand.not_own_department")
    _problem(_call(p, "POST", DEMANDS, AUDITOR, DEMAND), 403, "role.requester_required")

    match = {"op": "match", "dataset": "rsj_social_insurance"}
    _problem(_call(p, "PATCH", url, GAJ, match), 403, "demand.not_requester")
    matched = _call(p, "PATCH", url, SWJ, match).json()
    assert matched["status"] == "matched" and matched["dataset_owner"] == "330100RSJ"
    assert _call(p, "GET", url, RSJ).json()["whole"] is True  # the matched dataset's owner

    request = _call(
        p,
        "POST",
        "/api/v1/requests",
        SWJ,
        {"dataset": "rsj_social_insurance", "fields": ["period", "amount"], "purpose": "扣除审核"},
    ).json()
    requested = _call(p, "PATCH", url, SWJ, {"op": "request", "request_id": request["id"]})
    assert requested.json()["status"] == "requested", requested.text
    # only the owner (its publisher) marks it fulfilled by hand
    for who in (SWJ, GAJ_PUBLISHER, AUDITOR):
        _problem(_call(p, "PATCH", url, who, {"op": "fulfil"}), 403, "demand.not_owner")
    early = _call(p, "PATCH", url, RSJ, {"op": "fulfil"})
    _problem(early, 409, "demand.request_not_approved")
    approved = _call(p, "POST", f"/api/v1/requests/{request['id']}/approve", RSJ, {})
    assert approved.status_code == 200, approved.text
    done = _call(p, "GET", url, RSJ).json()  # the approval settled it
    assert done["status"] == "fulfilled" and done["share_request_id"] == request["id"]
    _problem(_call(p, "PATCH", url, ADMIN, {"op": "decline", "reason": "x"}), 409, "demand.closed")

    listed = _call(p, "GET", f"{DEMANDS}?status=fulfilled&department=330100SWJ", GAJ).json()
    assert [d["id"] for d in listed] == [demand["id"]] and listed[0]["legal_duty"] is None
    _problem(_call(p, "GET", f"{DEMANDS}?status=lost", GAJ), 422, "demand.invalid")
    _problem(_call(p, "GET", f"{DEMANDS}/999999", GAJ), 404, "demand.not_found")


def test_declining_and_bad_demand_bodies(lists_platform: ListsPlatform) -> None:
    p = lists_platform
    demand = _call(p, "POST", DEMANDS, SWJ, DEMAND).json()
    url = f"{DEMANDS}/{demand['id']}"
    decline = {"op": "decline", "reason": "无对应数据"}
    _problem(_call(p, "PATCH", url, RSJ, decline), 403, "demand.not_owner")  # not matched to it
    _problem(_call(p, "PATCH", url, AUDITOR, decline), 403, "demand.not_owner")
    _problem(
        _call(p, "PATCH", url, ADMIN, {"op": "decline", "reason": "　"}), 422, "demand.invalid"
    )
    _problem(_call(p, "PATCH", url, ADMIN, {"op": "explode"}), 422, "request.invalid")
    _problem(
        _call(p, "PATCH", url, SWJ, {"op": "request", "request_id": 2**63}), 422, "request.invalid"
    )
    declined = _call(p, "PATCH", url, ADMIN, decline).json()
    assert declined["status"] == "declined" and declined["decline_reason"] == "无对应数据"
    for body in (
        {**DEMAND, "title": ""},
        {**DEMAND, "fields_wanted": [f"字段{i}" for i in range(51)]},
        {**DEMAND, "scenario": "场" * 2001},
    ):
        _problem(_call(p, "POST", DEMANDS, SWJ, body), 422, "demand.invalid")
