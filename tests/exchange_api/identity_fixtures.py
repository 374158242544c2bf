"""A small platform for identity tests: a seeded catalog (no lake), an app whose clock the test
moves, and clients at chosen addresses — so lockouts never leak into the shared platform."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import init_catalog
from catalog.models import Account, AuditEvent, utcnow
from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.demo import DemoTokens, seed

PROXY = "10.0.0.1"
OUTSIDER = "203.0.113.5"


@dataclass
class FakeClock:
    """Wall-clock time for the app (``app.state.clock``) and monotonic seconds for the limiter."""

    now: dt.datetime = field(default_factory=utcnow)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)

    def monotonic(self) -> float:
        return self.now.timestamp()


@dataclass
class Identity:
    settings: Settings
    sessions: sessionmaker[Session]
    tokens: DemoTokens
    clock: FakeClock
    app: FastAPI

    def client(self, address: str = OUTSIDER) -> TestClient:
        return TestClient(self.app, client=(address, 50000), raise_server_exceptions=False)

    def headers(self, account: str) -> dict[str, str]:
        return self.tokens.headers(account)

    def account_id(self, name: str) -> int:
        with self.sessions() as session:
            return session.scalars(select(Account.id).where(Account.name == name)).one()

    def events(self, action: str) -> list[AuditEvent]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
                )
            )

    def details(self, action: str) -> list[dict[str, Any]]:
        return [e.detail for e in self.events(action)]


@pytest.fixture
def identity(tmp_path: Path) -> Iterator[Identity]:
    settings = Settings(  # type: ignore[call-arg]
        var_dir=tmp_path / "var",
        environment="test",
        trusted_proxies=PROXY,
        lockout_max_failures=3,
        rate_limit_per_minute=0,
        _env_file=None,
    )
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        tokens = seed(session)
        session.commit()
    clock = FakeClock()
    app = create_app(settings)
    app.state.clock = clock
    yield Identity(settings, sessions, tokens, clock, app)
    app.state.engine.dispose()
