"""A small portal for the data-element page: the demo's departments, accounts and shipped
standards in a SQLite catalog (no lake, no batch), and signed-in browsers on it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import init_catalog
from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.demo import DemoTokens, seed

ADMIN, AUDITOR, RSJ, SWJ = "dsj-admin", "dsj-audit", "rsj-exchange", "swj-exchange"


@dataclass
class Registry:
    settings: Settings
    sessions: sessionmaker[Session]
    tokens: DemoTokens

    def browser(self, account: str) -> TestClient:
        """A browser signed in as ``account`` through the portal's login form."""
        client = TestClient(create_app(self.settings), raise_server_exceptions=True)
        token = self.tokens.by_account[account]
        signed_in = client.post("/portal/login", data={"token": token}, follow_redirects=False)
        assert signed_in.status_code == 303, signed_in.text
        return client


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    var = tmp_path_factory.mktemp("registry") / "var"
    settings = Settings(var_dir=var, environment="test", _env_file=None)  # type: ignore[call-arg]
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        tokens = seed(session)
        session.commit()
    yield Registry(settings, sessions, tokens)
    sessions.kw["bind"].dispose()
