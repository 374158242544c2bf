"""Nobody makes the server open DuckDB before saying who they are (issue 8, defect 6).

``lakehouse.serving.ServingLake.cursor`` (the only way a request reaches the worker's DuckDB) is
wrapped with a counter: a request without a valid credential must be answered 401 having opened
no DuckDB cursor.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pytest

from exchange_api.demo import DATASET
from lakehouse.serving import ServingLake
from tests.exchange_api.conftest import Platform, report_of


class CountingConnect:
    def __init__(self) -> None:
        self.calls = 0
        self._real = ServingLake.cursor

    def wrap(self) -> Any:
        def cursor(serving: ServingLake) -> duckdb.DuckDBPyConnection:
            self.calls += 1
            return self._real(serving)

        return cursor


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingConnect]:
    counter = CountingConnect()
    monkeypatch.setattr(ServingLake, "cursor", counter.wrap())
    yield counter


NO_TOKEN: dict[str, str] = {}
BAD_TOKEN = {"Authorization": "Bearer zt_not_a_real_token"}
NOT_BEARER = {"Authorization": "Basic dXNlcjpwYXNz"}


def _lake_routes(platform: Platform) -> list[tuple[str, str, dict[str, Any] | None]]:
    report_id = report_of(platform, platform.batch.batch_id)
    return [
        ("GET", f"/api/v1/datasets/{DATASET}/data", None),
        ("POST", f"/api/v1/datasets/{DATASET}/query", {"filters": []}),
        ("GET", f"/api/v1/quality/reports/{report_id}", None),
    ]


@pytest.mark.parametrize("headers", [NO_TOKEN, BAD_TOKEN, NOT_BEARER], ids=["none", "bad", "basic"])
def test_an_unauthenticated_read_opens_no_duckdb(
    platform: Platform, connects: CountingConnect, headers: dict[str, str]
) -> None:
    for method, path, body in _lake_routes(platform):
        response = platform.client.request(method, path, headers=headers, json=body)
        assert response.status_code == 401, (path, response.text)
        assert response.json()["code"].startswith("auth.")
    assert connects.calls == 0


def test_an_unauthenticated_portal_page_opens_no_duckdb(
    platform: Platform, connects: CountingConnect
) -> None:
    report_id = report_of(platform, platform.batch.batch_id)
    api_client = platform.client.get(f"/portal/quality/{report_id}")
    browser = platform.client.get(
        f"/portal/quality/{report_id}", headers={"Accept": "text/html"}, follow_redirects=False
    )
    assert (api_client.status_code, browser.status_code) == (401, 303)
    assert connects.calls == 0


def test_an_authenticated_read_does_open_the_lake(
    platform: Platform, connects: CountingConnect
) -> None:
    report_id = report_of(platform, platform.batch.batch_id)
    response = platform.client.get(
        f"/api/v1/quality/reports/{report_id}", headers=platform.headers("rsj-exchange")
    )
    assert response.status_code == 200, response.text
    assert connects.calls == 1


def test_a_refused_read_opens_no_duckdb_either(
    platform: Platform, connects: CountingConnect
) -> None:
    """An authenticated caller the decision refuses (no grant, a masked-field probe) costs a
    catalog query, never a DuckDB start: the lake opens only once the read is allowed."""
    url = f"/api/v1/datasets/{DATASET}/query"
    no_grant = platform.client.post(url, headers=platform.headers("gaj-exchange"), json={})
    assert no_grant.status_code == 403 and no_grant.json()["code"] == "grant.missing"
    probe = {"filters": [{"field": "citizen_id", "op": "ge", "value": "3301"}]}
    owner = platform.client.post(url, headers=platform.headers("rsj-exchange"), json=probe)
    assert owner.status_code == 200  # the owner may filter its own data: this one opens
    assert connects.calls == 1
