"""``/api/v1/elements`` and ``/api/v1/code-lists`` on both catalogs: admins add, everyone signed
in reads, and the attacker's attempts — another role adding, a path for a name, a forged check,
a duplicate code, a body over the limit — are problem+json with stable codes, never a 500."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.db import init_catalog
from catalog.models import AuditEvent, Role
from catalog.settings import Settings
from exchange_api.app import create_app
from tests.catalog import factories

GBK_DISTRICTS = "code,label,parent\n３３,浙江省,\n３３０１,杭州市,33\n".encode("gbk")


@dataclass
class Api:
    client: TestClient
    tokens: dict[Role, str]
    settings: Settings

    def as_(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def refusals(self) -> list[dict[str, Any]]:
        engine_sessions = init_catalog(self.settings.resolved_catalog_url)
        try:
            with engine_sessions() as session:
                query = select(AuditEvent).where(AuditEvent.action == "access.refused")
                return [e.detail for e in session.scalars(query)]
        finally:
            engine_sessions.kw["bind"].dispose()


@pytest.fixture
def api(catalog_url: str, tmp_path: Path) -> Iterator[Api]:
    settings = Settings(  # type: ignore[call-arg]
        var_dir=tmp_path / "var",
        catalog_url=catalog_url,
        environment="test",
        rate_limit_per_minute=0,
        _env_file=None,
    )
    sessions = init_catalog(catalog_url)
    with sessions() as session:
        dept = factories.department(session, "330100DSJ")
        roles = (Role.ADMIN, Role.PUBLISHER, Role.STEWARD, Role.AUDITOR, Role.REQUESTER)
        tokens = {role: factories.actor(session, dept, role).token for role in roles}
        session.commit()
    sessions.kw["bind"].dispose()
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, tokens, settings)
    app.state.engine.dispose()


def _list_body(name: str, data: bytes = GBK_DISTRICTS, **extra: str) -> dict[str, str]:
    return {"name": name, "csv_base64": base64.b64encode(data).decode(), **extra}


ELEMENT = {
    "code": "district",
    "name_zh": "辖区代码",
    "name_en": "District code",
    "standard": "DB33/T 0001-2026",
    "version": "2026",
    "check": "code_list",
    "params": {"code_list": "zj_districts"},
}


def test_an_admin_adds_a_list_and_an_element_and_everyone_reads_them(api: Api) -> None:
    http, admin = api.client, api.as_(Role.ADMIN)
    added = http.post(
        "/api/v1/code-lists", headers=admin, json=_list_body("zj_districts", title="浙江辖区")
    )
    assert added.status_code == 201, added.text
    assert added.json()["entries"] == 2 and added.json()["origin"] == "admin"
    element = http.post("/api/v1/elements", headers=admin, json=ELEMENT)
    assert element.status_code == 201, element.text
    assert element.json()["params"] == {"code_list": "zj_districts"}

    requester = api.as_(Role.REQUESTER)
    shown = http.get("/api/v1/code-lists/zj_districts", headers=requester)
    assert shown.status_code == 200
    assert [(c["code"], c["parent"]) for c in shown.json()["codes"]] == [("33", ""), ("3301", "33")]
    assert [c["name"] for c in http.get("/api/v1/code-lists", headers=requester).json()] == [
        "zj_districts"
    ]
    assert [e["code"] for e in http.get("/api/v1/elements", headers=requester).json()] == [
        "district"
    ]
    assert http.get("/api/v1/elements").status_code == 401  # no one anonymous

    again = http.post("/api/v1/elements", headers=admin, json=ELEMENT)
    assert (again.status_code, again.json()["code"]) == (409, "element.exists")


def test_no_other_role_adds_and_each_refusal_is_on_the_record(api: Api) -> None:
    http = api.client
    roles = (Role.PUBLISHER, Role.STEWARD, Role.AUDITOR, Role.REQUESTER)
    for role in roles:
        listing = http.post("/api/v1/code-lists", headers=api.as_(role), json=_list_body("x"))
        element = http.post(
            "/api/v1/elements",
            headers=api.as_(role),
            json=ELEMENT | {"check": "mobile", "params": {}},
        )
        for refused in (listing, element):
            assert refused.status_code == 403, role
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.json()["code"] == "role.admin_required"
    assert [r["act"] for r in api.refusals()] == ["element.manage"] * 2 * len(roles)
    assert http.get("/api/v1/code-lists", headers=api.as_(Role.ADMIN)).json() == []
    assert http.get("/api/v1/elements", headers=api.as_(Role.ADMIN)).json() == []


BAD_INPUT: list[tuple[str, dict[str, Any], int, str]] = [
    ("/api/v1/code-lists", _list_body("../x"), 422, "code_list.bad_name"),
    (  # １ (full width) is 1 again
        "/api/v1/code-lists",
        _list_body("a", b"code,label\n1,a\n\xef\xbc\x91,b\n"),
        422,
        "code_list.duplicate_code",
    ),
    ("/api/v1/code-lists", {"name": "a", "csv_base64": "@@@"}, 422, "code_list.bad_encoding"),
    (
        "/api/v1/code-lists",
        _list_body("a", b"code,label\n" + b"1,a\n" * 300_000),
        413,
        "request.too_large",
    ),
    ("/api/v1/elements", ELEMENT | {"check": "regex"}, 422, "element.unknown_check"),
    ("/api/v1/elements", ELEMENT, 422, "element.unknown_code_list"),
    ("/api/v1/elements", ELEMENT | {"sql": "1"}, 422, "request.invalid"),
]


def test_bad_input_is_a_problem_with_a_stable_code(api: Api) -> None:
    for path, body, status, code in BAD_INPUT:
        answer = api.client.post(path, headers=api.as_(Role.ADMIN), json=body)
        assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert api.client.get("/api/v1/code-lists", headers=api.as_(Role.ADMIN)).json() == []


def test_a_bad_file_names_its_line(api: Api) -> None:
    data = "code,label\n01,甲\n02\n".encode("gbk")
    answer = api.client.post(
        "/api/v1/code-lists", headers=api.as_(Role.ADMIN), json=_list_body("bad", data)
    )
    assert answer.status_code == 422 and answer.json()["code"] == "code_list.bad_row"
    assert "line 3" in answer.json()["detail"]


def test_an_unknown_or_path_like_list_is_not_a_500(api: Api) -> None:
    http, requester = api.client, api.as_(Role.REQUESTER)
    missing = http.get("/api/v1/code-lists/no_such", headers=requester)
    assert (missing.status_code, missing.json()["code"]) == (404, "code_list.not_found")
    dotted = http.get("/api/v1/code-lists/..%2Fx", headers=requester)
    assert dotted.status_code in (404, 422) and dotted.json()["code"] != "internal"
