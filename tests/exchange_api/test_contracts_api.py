"""``/api/v1/datasets`` (register, revise, versions) and ``/api/v1/departments`` over HTTP, as
the owner, a stranger, a requester, an auditor and an admin would use them — on both engines."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from catalog.models import Grant
from catalog.principals import Principal
from catalog.requests import file_request
from catalog.tokens import authenticate
from schemas.contract_text import MAX_CONTRACT_BYTES
from tests.catalog.contract_factories import contract_text
from tests.exchange_api.contracts_fixtures import CatalogWorld, catalog_world

__all__ = ["catalog_world"]

OWNER = "330100RSJ"


def _problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code, response.json()


def test_register_show_revise_and_versions(catalog_world: CatalogWorld) -> None:
    w = catalog_world
    body = contract_text(OWNER, "rsj_pension", title_zh="养老金发放信息", classification="2.07.002")
    made = w.client.post(
        "/api/v1/datasets", content=body.encode(), headers=w.headers("rsj-exchange")
    )
    assert made.status_code == 201, made.text
    entry = made.json()
    assert entry["resource_code"] == "2.07.002/330100RSJ-00002"  # the shipped one is 00001
    assert entry["provider"] == "杭州市人力资源和社会保障局" and entry["version"] == 1
    shown = w.client.get("/api/v1/datasets/rsj_pension", headers=w.headers("swj-exchange")).json()
    amount = next(f for f in shown["fields"] if f["name"] == "amount")
    assert (amount["data_type_zh"], amount["data_type_code"]) == ("数值型", "N")
    assert amount["data_element"] == "amount"
    assert shown["share_method"] == ["api", "file"] and shown["grade_zh"] == "重要数据"
    listed = w.client.get("/api/v1/datasets", headers=w.headers("dsj-audit")).json()
    assert {d["code"] for d in listed} >= {"rsj_pension", "rsj_social_insurance"}
    assert all(d["resource_code"] for d in listed)

    with w.sessions() as session:
        requester = Principal.of(authenticate(session, w.tokens.by_account["swj-exchange"]))
        request = file_request(
            session, requester, "rsj_pension", ["period", "employer_name"], "核对"
        )
        session.commit()
        request_id = request.id
    approved = w.client.post(
        f"/api/v1/requests/{request_id}/approve",
        json={},
        headers=w.headers("rsj-exchange", "application/json"),
    )
    assert approved.status_code == 200, approved.text

    changed = contract_text(
        OWNER,
        "rsj_pension",
        title_zh="养老金发放信息",
        classification="2.07.002",
        drop_fields=("employer_name",),
    )
    dry = w.client.put(
        "/api/v1/datasets/rsj_pension?dry_run=true",
        content=changed,
        headers=w.headers("rsj-exchange"),
    )
    assert dry.status_code == 200, dry.text
    assert not dry.json()["applied"] and dry.json()["version"] == 2
    assert [g["effect"] for g in dry.json()["affected_grants"]] == ["narrowed"]
    assert dry.json()["affected_grants"][0]["fields_dropped"] == ["employer_name"]
    with w.sessions() as session:
        grant = session.scalars(select(Grant).where(Grant.request_id == request_id)).one()
        assert "employer_name" in grant.fields  # the dry run changed nothing
    done = w.client.put(
        "/api/v1/datasets/rsj_pension", content=changed, headers=w.headers("rsj-exchange")
    )
    assert done.status_code == 200 and done.json()["applied"], done.text
    with w.sessions() as session:
        grant = session.scalars(select(Grant).where(Grant.request_id == request_id)).one()
        assert grant.fields == ["period"]

    versions = w.client.get("/api/v1/datasets/rsj_pension/versions", headers=w.headers("dsj-audit"))
    assert versions.status_code == 200
    assert [v["version"] for v in versions.json()] == [1, 2]
    assert versions.json()[1]["registered_by"] == "rsj-exchange"
    assert versions.json()[1]["changes"]["removed"] == ["employer_name"]


def test_departments(catalog_world: CatalogWorld) -> None:
    w = catalog_world
    new = {"code": "330100WJW", "name": "杭州市卫生健康委员会", "region_code": "330100"}
    json_headers = w.headers("dsj-admin", "application/json")
    made = w.client.post("/api/v1/departments", json=new, headers=json_headers)
    assert made.status_code == 201, made.text
    _problem(
        w.client.post("/api/v1/departments", json=new, headers=json_headers),
        409,
        "department.exists",
    )
    for account in ("rsj-exchange", "dsj-audit", "swj-exchange"):
        refused = w.client.post(
            "/api/v1/departments",
            json={**new, "code": "X1"},
            headers=w.headers(account, "application/json"),
        )
        _problem(refused, 403, "role.admin_required")
    bad_region = {**new, "code": "X2", "region_code": "999999"}
    _problem(w.client.post("/api/v1/departments", json=bad_region, headers=json_headers), 422,
             "department.unknown_region")  # fmt: skip
    listed = w.client.get("/api/v1/departments", headers=w.headers("dsj-audit")).json()
    assert "330100WJW" in {d["code"] for d in listed}
    # now the owner exists, its contract can be registered — by the admin here
    body = contract_text("330100WJW", "wjw_births")
    assert (
        w.client.post("/api/v1/datasets", content=body, headers=w.headers("dsj-admin")).status_code
        == 201
    )


BOMB = (
    'a: &a ["x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b]\n'
)


@pytest.mark.parametrize(
    ("account", "method", "body", "media", "status", "code"),
    [
        ("swj-publisher", "put", contract_text(OWNER, "rsj_social_insurance", title_zh="篡改"),
         "application/yaml", 403, "dataset.not_owner"),
        ("swj-publisher", "post", contract_text(OWNER, "rsj_new"), "application/yaml", 403,
         "dataset.not_owner"),
        ("swj-exchange", "post", contract_text("330100SWJ", "swj_new"), "application/yaml", 403,
         "dataset.not_owner"),
        ("dsj-audit", "post", contract_text(OWNER, "rsj_new"), "application/yaml", 403,
         "dataset.not_owner"),
        ("dsj-audit", "put", contract_text(OWNER, "rsj_social_insurance"), "application/yaml", 403,
         "dataset.not_owner"),
        ("rsj-exchange", "put", contract_text("330100GAJ", "rsj_social_insurance"),
         "application/yaml", 403, "dataset.owner_change"),
        ("rsj-exchange", "post", contract_text(OWNER, "rsj_social_insurance"), "application/yaml",
         409, "dataset.exists"),
        ("rsj-exchange", "post", contract_text(OWNER, "rsj_x", share_basis=""), "application/yaml",
         422, "contract.legal_basis_required"),
        ("rsj-exchange", "post", BOMB, "application/yaml", 422, "contract.yaml_alias"),
        ("rsj-exchange", "post", "#" * (MAX_CONTRACT_BYTES + 1), "application/yaml", 413,
         "contract.too_large"),
        ("rsj-exchange", "post", contract_text(OWNER, "rsj_gbk").encode("gbk"), "application/yaml",
         422, "contract.not_utf8"),
        ("rsj-exchange", "post", contract_text(OWNER, "rsj_json"), "application/json", 415,
         "contract.media_type"),
        ("rsj-exchange", "post", "- a\n- list\n", "application/yaml", 422, "contract.invalid"),
        ("rsj-exchange", "put", contract_text(OWNER, "gaj_household_registration"),
         "application/yaml", 422, "contract.code_mismatch"),
    ],
)  # fmt: skip
def test_attacks_and_bad_input_are_problems(
    catalog_world: CatalogWorld,
    account: str,
    method: str,
    body: str | bytes,
    media: str,
    status: int,
    code: str,
) -> None:
    w = catalog_world
    url = "/api/v1/datasets" if method == "post" else "/api/v1/datasets/rsj_social_insurance"
    answer = w.client.request(method.upper(), url, content=body, headers=w.headers(account, media))
    _problem(answer, status, code)
    with w.sessions() as session:
        from catalog.contracts import list_versions

        assert len(list_versions(session, "rsj_social_insurance")) == 1  # nothing changed
