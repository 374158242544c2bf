"""``GET /api/v1/search`` and ``zhongtai search``: the demo catalog (three shipped contracts)
searched over HTTP and from the terminal, through the same library and decision; bad input is
problem+json (or exit 2) with a stable code, never a 500.

Its ``zhongtai`` commands run in this process through the installed command's entry
point (``tests.fixtures.cli_runner``)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from catalog.db import init_catalog
from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.demo import DemoTokens, seed
from tests.fixtures.cli_runner import run_zhongtai


@dataclass
class Demo:
    settings: Settings
    tokens: DemoTokens
    client: TestClient


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    var = tmp_path_factory.mktemp("search") / "var"
    settings = Settings(var_dir=var, environment="test", _env_file=None)  # type: ignore[call-arg]
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        tokens = seed(session)
        session.commit()
    sessions.kw["bind"].dispose()
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Demo(settings, tokens, client)


def _get(demo: Demo, account: str = "gaj-exchange", **params: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = demo.client.get(
        "/api/v1/search", params=params, headers=demo.tokens.headers(account)
    )
    return response.status_code, response.json()


@pytest.mark.parametrize(
    "query", ["社保", "sbjf", "社会保险缴费", "social insurance", "缴费所属期"]
)
def test_search_finds_the_social_insurance_dataset(demo: Demo, query: str) -> None:
    status, body = _get(demo, q=query)
    assert status == 200, body
    assert [h["code"] for h in body["hits"]][:1] == ["rsj_social_insurance"]
    hit = body["hits"][0]
    assert hit["owner_department"] == "330100RSJ" and hit["share_type"] == "conditional"
    assert body["total"] == sum(f["count"] for f in body["facets"]["share_type"])


def test_filters_and_facets_over_http(demo: Demo) -> None:
    status, body = _get(demo, q="", share_type="conditional", department=["330100RSJ", "330100GAJ"])
    assert status == 200
    codes = {h["code"] for h in body["hits"]}
    assert "rsj_social_insurance" in codes and "scjgj_enterprise_registration" not in codes
    assert {f["value"] for f in body["facets"]["share_type"]} == {"conditional"}
    assert body["facets"]["freshness"] == [
        {"value": "unpublished", "count": body["total"], "label": ""}
    ]
    _, fresh = _get(demo, fresh="true")
    assert fresh["total"] == 0  # nothing published in this catalog


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"q": "社" * 101}, "search.query_too_long"),
        ({"q": " ".join("abcdefghi")}, "search.too_many_terms"),
        ({"share_type": "open_to_all"}, "search.bad_filter"),
        ({"grade": "secret"}, "search.bad_filter"),
        ({"cycle": "hourly"}, "search.bad_filter"),
        ({"fresh": "maybe"}, "search.bad_filter"),
        ({"department": "x' OR 1=1 --"}, "search.bad_filter"),
        ({"limit": 0}, "search.bad_page"),
        ({"limit": 101}, "search.bad_page"),
        ({"offset": -1}, "search.bad_page"),
        ({"limit": "many"}, "request.invalid"),
        ({"q": "x" * 401}, "request.invalid"),
    ],
)
def test_bad_input_is_a_problem(demo: Demo, params: dict[str, object], code: str) -> None:
    response = demo.client.get(
        "/api/v1/search", params=params, headers=demo.tokens.headers("gaj-exchange")
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def test_hostile_text_is_only_text(demo: Demo) -> None:
    for query in [
        '"',
        "%",
        "/",
        '社保" OR "x',
        "NEAR(a b)",
        "*",
        "'; DROP TABLE datasets; --",
    ]:
        status, body = _get(demo, q=query)
        assert status == 200, (query, body)
        assert body["total"] == 0, query
    _, nothing = _get(demo, q="\x00\u200b")  # control and format characters are dropped
    assert nothing["total"] == 3 and nothing["terms"] == []
    _, split = _get(demo, q="社\x00保")
    assert [h["code"] for h in split["hits"]] == ["rsj_social_insurance"]
    status, body = _get(demo, q="ＳＯＣＩＡＬ")  # full-width Latin is normalised
    assert status == 200 and body["hits"][0]["code"] == "rsj_social_insurance"


def test_searching_needs_an_account(demo: Demo) -> None:
    response = demo.client.get("/api/v1/search", params={"q": "社保"})
    assert response.status_code == 401
    assert response.json()["code"].startswith("auth.")


def _cli(demo: Demo, *args: str) -> subprocess.CompletedProcess[str]:
    """``zhongtai ARGS`` in this process, through the installed command's entry point."""
    env = dict(
        ZHONGTAI_VAR_DIR=str(demo.settings.var_dir), ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_ENV_FILE=os.devnull, ZHONGTAI_TOKEN=demo.tokens.by_account["swj-exchange"],
        COLUMNS="200",
    )  # fmt: skip
    return run_zhongtai(*args, env=env)


def test_cli_search_json_and_table_and_bad_filter(demo: Demo) -> None:
    done = _cli(demo, "search", "query", "sbjf", "--share-type", "conditional", "--json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert [h["code"] for h in body["hits"]] == ["rsj_social_insurance"]
    table = _cli(demo, "search", "query", "户籍")
    assert table.returncode == 0 and "gaj_household_registration" in table.stdout
    bad = _cli(demo, "search", "query", "社保", "--grade", "secret")
    assert bad.returncode == 2 and "search.bad_filter" in bad.stderr
    reindexed = _cli(demo, "search", "reindex")
    assert reindexed.returncode == 0 and "indexed 3 datasets" in reindexed.stdout
