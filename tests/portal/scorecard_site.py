"""A portal over the month with known answers (``tests.catalog.scorecard_fixtures``), for the
scorecard page tests: a SQLite catalog, the app's clock at ``NOW``, the responsibility list
standing in for the adapter the lead wires, and a signed-in browser per account."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from catalog import scorecard_terms
from catalog.db import init_catalog
from catalog.models import AccountKind, Role
from catalog.settings import Settings
from catalog.tokens import issue_account
from exchange_api.app import create_app
from tests.catalog.scorecard_fixtures import NOW, Month, build


@dataclass(frozen=True)
class Site:
    settings: Settings
    sessions: sessionmaker[Session]
    month: Month
    tokens: dict[str, str]

    def app(self) -> FastAPI:
        app = create_app(self.settings)
        app.state.clock = lambda: NOW
        return app

    def browser(self, who: str) -> TestClient:
        """A TestClient signed in as ``who`` through the portal's login form."""
        client = TestClient(self.app(), raise_server_exceptions=True)
        signed_in = client.post(
            "/portal/login", data={"token": self.tokens[who]}, follow_redirects=False
        )
        assert signed_in.status_code == 303, signed_in.text
        return client


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("scorecards")
    settings = Settings(var_dir=root / "var", environment="test", _env_file=None)  # type: ignore[call-arg]
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        month = build(session, Path(root) / "contracts")
        _, auditor = issue_account(
            session, month.idle, "审计员", [Role.AUDITOR], kind=AccountKind.PERSON
        )
        session.commit()
    tokens = {
        "auditor": auditor,
        "publisher": month.publisher.token,
        "requester": month.requester.token,
    }
    patch = pytest.MonkeyPatch()
    patch.setattr(
        scorecard_terms,
        "responsibilities_of",
        lambda session, department_id: [i for i in month.items if i.department_id == department_id],
    )
    try:
        yield Site(settings, sessions, month, tokens)
    finally:
        patch.undo()
        sessions.kw["bind"].dispose()
