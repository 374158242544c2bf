"""A catalog with the demo's departments, accounts and contracts, served by the API, on each
engine (``catalog_url``): for the register / revise / versions / departments tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import init_catalog
from catalog.departments import get_department
from catalog.models import Role
from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.demo import DemoTokens, seed
from tests.catalog import factories


@dataclass(frozen=True)
class CatalogWorld:
    settings: Settings
    sessions: sessionmaker[Session]
    tokens: DemoTokens
    client: TestClient
    stranger_token: str  # a publisher of the tax bureau (330100SWJ)

    def headers(self, account: str, media: str = "application/yaml") -> dict[str, str]:
        token = self.stranger_token if account == "swj-publisher" else None
        token = token or self.tokens.by_account[account]
        return {"Authorization": f"Bearer {token}", "Content-Type": media}


@pytest.fixture
def catalog_world(catalog_url: str, tmp_path: Path) -> Iterator[CatalogWorld]:
    settings = Settings(  # type: ignore[call-arg]
        var_dir=tmp_path / "var", catalog_url=catalog_url, environment="test", _env_file=None
    )
    sessions = init_catalog(catalog_url)
    try:
        with sessions() as session:
            tokens = seed(session)
            swj = get_department(session, "330100SWJ")
            stranger = factories.actor(session, swj, Role.PUBLISHER).token
            session.commit()
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield CatalogWorld(settings, sessions, tokens, client, stranger)
    finally:
        sessions.kw["bind"].dispose()
