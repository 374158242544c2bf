"""A published platform for the verify and aggregate tests, its catalog and lake metadata in
SQLite (embedded) or in a real PostgreSQL server (production), plus grant helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from catalog.db import init_catalog
from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.demo import DATASET, seed
from lakehouse.pipeline import run_batch
from lakehouse.pipeline import sessions as pipeline_sessions
from lakehouse.samples import write_social_insurance_extract
from tests.exchange_api.conftest import Platform
from tests.fixtures.postgres import PostgresServer

RSJ, SWJ, GAJ, AUDIT = "rsj-exchange", "swj-exchange", "gaj-exchange", "dsj-audit"
BASE = f"/api/v1/datasets/{DATASET}"


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    var = tmp_path_factory.mktemp("platform") / "var"
    databases: list[str] = []
    server: PostgresServer | None = None
    options: dict[str, Any] = {}
    if request.param == "postgresql":
        server = request.getfixturevalue("postgresql_server")
        catalog_db, lake_db = (server.create_database(kind) for kind in ("cat", "lake"))
        databases = [catalog_db, lake_db]
        options = {
            "catalog_url": server.url(catalog_db),
            "lake_catalog": server.lake_catalog(lake_db),
        }
    settings = Settings(var_dir=var, environment="test", _env_file=None, **options)  # type: ignore[call-arg]
    sessions = init_catalog(settings.resolved_catalog_url)
    try:
        with sessions() as session:
            tokens = seed(session)
            session.commit()
        extract = Path(var) / "inbox" / DATASET / "extract.csv"
        extract.parent.mkdir(parents=True)
        manifest = write_social_insurance_extract(extract, rows=300)
        batch = run_batch(settings, DATASET, extract)
        assert batch.status == "published", batch
        app = create_app(settings)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Platform(settings, sessions, tokens, batch, manifest, client)
        app.state.engine.dispose()
    finally:
        sessions.kw["bind"].dispose()
        pipeline_sessions(settings).kw["bind"].dispose()  # the pipeline's cached engine
        if server is not None:
            with server.admin_connection() as admin:
                for name in databases:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_grant(
    platform: Platform,
    fields: list[str],
    modes: list[str],
    *,
    account: str = SWJ,
    match: list[str] | None = None,
    quota: int | None = None,
    row_filter: list[dict[str, Any]] | None = None,
) -> int:
    """A live grant to ``account``'s department, filed over HTTP and approved by 人社局."""
    body: dict[str, Any] = {
        "dataset": DATASET,
        "fields": fields,
        "purpose": "核验与统计测试",
        "access_modes": modes,
        "match_fields": match or [],
        "row_filter": row_filter or [],
    }
    if quota is not None:
        body["quota_rows"] = quota
    filed = platform.client.post("/api/v1/requests", headers=platform.headers(account), json=body)
    assert filed.status_code == 201, filed.text
    approved = platform.client.post(
        f"/api/v1/requests/{filed.json()['id']}/approve", headers=platform.headers(RSJ), json={}
    )
    assert approved.status_code == 200, approved.text
    return int(approved.json()["grant"]["id"])


def stored_rows(platform: Platform) -> list[dict[str, Any]]:
    """Every stored row, as the owner reads it (unmasked)."""
    response = platform.client.get(
        f"{BASE}/data", params={"limit": 10000}, headers=platform.headers(RSJ)
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["rows"]
    return rows
