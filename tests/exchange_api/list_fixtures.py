"""A small platform for the lists' API, CLI and portal tests: the demo's seeded catalog (no lake)
on SQLite or PostgreSQL, plus a publisher of 公安局 (another department's publisher)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import init_catalog
from catalog.departments import get_department
from catalog.models import AuditEvent, Role
from catalog.settings import Settings
from catalog.tokens import issue_account
from exchange_api.app import create_app
from exchange_api.demo import DemoTokens, seed

__all__ = ["GAJ_PUBLISHER", "ListsPlatform", "lists_platform"]

GAJ_PUBLISHER = "gaj-publisher"


@dataclass
class ListsPlatform:
    settings: Settings
    sessions: sessionmaker[Session]
    tokens: DemoTokens
    client: TestClient

    def headers(self, account: str) -> dict[str, str]:
        return self.tokens.headers(account)

    def refusals(self) -> list[str]:
        with self.sessions() as session:
            rows = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "access.refused")
            ).all()
            return [str(e.detail["code"]) for e in rows]


@pytest.fixture
def lists_platform(catalog_url: str, tmp_path: Path) -> Iterator[ListsPlatform]:
    settings = Settings(  # type: ignore[call-arg]
        var_dir=tmp_path / "var",
        catalog_url=catalog_url,
        environment="test",
        rate_limit_per_minute=0,
        _env_file=None,
    )
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        tokens = seed(session)
        gaj = get_department(session, "330100GAJ")
        _, token = issue_account(session, gaj, GAJ_PUBLISHER, (Role.PUBLISHER, Role.STEWARD))
        session.commit()
    known: dict[str, Any] = dict(tokens.by_account)
    known[GAJ_PUBLISHER] = token
    app = create_app(settings)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield ListsPlatform(settings, sessions, DemoTokens(known), client)
    finally:
        app.state.engine.dispose()
        engine: Engine = sessions.kw["bind"]
        engine.dispose()
