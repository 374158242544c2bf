"""A published platform whose lake metadata lives in SQLite or in a real PostgreSQL server, and
helpers to file and approve grants over the API, for the bulk-mode tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.db import init_catalog
from catalog.models import AuditEvent
from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.demo import DATASET, seed
from lakehouse.pipeline import run_batch
from lakehouse.samples import write_social_insurance_extract
from tests.exchange_api.conftest import Platform
from tests.fixtures.postgres import PostgresServer

__all__ = ["DATASET", "bulk_platform", "events", "grant", "spool_files"]

OWNER = "rsj-exchange"


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite-lake"),
        pytest.param("postgresql", id="postgresql-lake", marks=pytest.mark.postgres),
    ],
)
def bulk_platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """The demo platform, one published batch of 300 rows, its lake on SQLite or PostgreSQL."""
    var = tmp_path_factory.mktemp("bulk") / "var"
    lake_catalog, database = "", ""
    server: PostgresServer | None = None
    if request.param == "postgresql":
        server = request.getfixturevalue("postgresql_server")
        database = server.create_database("lake")
        lake_catalog = server.lake_catalog(database)
    settings = Settings(  # type: ignore[call-arg]
        var_dir=var, environment="test", lake_catalog=lake_catalog, _env_file=None
    )
    try:
        sessions = init_catalog(settings.resolved_catalog_url)
        with sessions() as session:
            tokens = seed(session)
            session.commit()
        extract = Path(var) / "inbox" / DATASET / "extract.csv"
        extract.parent.mkdir(parents=True)
        manifest = write_social_insurance_extract(extract, rows=300)
        batch = run_batch(settings, DATASET, extract)
        assert batch.status == "published", batch
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield Platform(settings, sessions, tokens, batch, manifest, client)
    finally:
        if server is not None:
            with server.admin_connection() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def grant(
    platform: Platform,
    account: str,
    fields: list[str],
    *,
    modes: tuple[str, ...] = ("bulk",),
    quota: int | None = None,
    match: tuple[str, ...] = (),
) -> int:
    """File a request as ``account`` and have the owner approve it as asked: the grant id."""
    body: dict[str, Any] = {
        "dataset": DATASET,
        "fields": fields,
        "purpose": "批量核对社保缴费",
        "access_modes": list(modes),
        "match_fields": list(match),
    }
    if quota is not None:
        body["quota_rows"] = quota
    filed = platform.client.post("/api/v1/requests", headers=platform.headers(account), json=body)
    assert filed.status_code == 201, filed.text
    approved = platform.client.post(
        f"/api/v1/requests/{filed.json()['id']}/approve",
        headers=platform.headers(OWNER),
        json={"reason": "同意"},
    )
    assert approved.status_code == 200, approved.text
    return int(approved.json()["grant"]["id"])


def events(platform: Platform, action: str) -> list[dict[str, Any]]:
    with platform.sessions() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [
            {"id": e.id, "grant_id": e.grant_id, "actor": e.actor_account_id, **e.detail}
            for e in rows
        ]


def spool_files(platform: Platform) -> list[Path]:
    spool = Path(platform.settings.var_dir) / "spool"
    return sorted(spool.iterdir()) if spool.exists() else []
