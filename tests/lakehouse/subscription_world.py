"""A published platform for the subscription tests, its catalog and lake metadata on SQLite or on
a real PostgreSQL server: seeded departments and accounts, one published batch, and helpers to
grant, subscribe, publish again and deliver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import init_catalog
from catalog.models import AccessMode, Account, Grant, utcnow
from catalog.principals import Principal
from catalog.requests import approve_request, file_request
from catalog.settings import Settings
from catalog.subscriptions import Created, create_subscription
from exchange_api.demo import DATASET, DemoTokens, seed
from lakehouse.connection import connect
from lakehouse.pipeline import run_batch
from lakehouse.samples import write_social_insurance_extract
from lakehouse.subscriptions import Outcome, deliver_pending
from tests.fixtures.postgres import PostgresServer

FIELDS = ["citizen_id", "person_name", "employer_name", "period", "amount", "region"]


@dataclass
class World:
    settings: Settings
    sessions: sessionmaker[Session]
    tokens: DemoTokens
    batches: int = 1

    def principal(self, session: Session, name: str) -> Principal:
        return Principal.of(session.scalars(select(Account).where(Account.name == name)).one())

    def grant(
        self,
        modes: tuple[AccessMode, ...] = (AccessMode.SUBSCRIBE,),
        account: str = "swj-exchange",
        quota: int | None = None,
    ) -> int:
        """A new grant of FIELDS to ``account``'s department, approved by the owner."""
        with self.sessions() as session:
            request = file_request(
                session,
                self.principal(session, account),
                DATASET,
                FIELDS,
                "个税汇算核对社保扣除",
                access_modes=modes,
                quota_rows=quota,
            )
            grant = approve_request(session, self.principal(session, "rsj-exchange"), request.id)
            session.commit()
            return grant.id

    def subscribe(
        self,
        grant_id: int,
        kind: str,
        target: str,
        fmt: str = "parquet",
        account: str = "swj-exchange",
    ) -> Created:
        with self.sessions() as session:
            created = create_subscription(
                session,
                self.principal(session, account),
                self.settings,
                grant_id,
                kind,
                target,
                fmt,
            )
            session.commit()
            session.refresh(created.subscription)
            session.expunge(created.subscription)
            return created

    def publish(self, rows: int = 60) -> int:
        """Publish another batch: a new snapshot of the dataset; its id."""
        self.batches += 1
        extract = self.settings.var_dir / "inbox" / DATASET / f"extract-{self.batches}.csv"
        write_social_insurance_extract(
            extract,
            rows=rows,
            seed=1000 + self.batches,
            defects=False,
            month=f"2026-{self.batches:02d}",
        )
        summary = run_batch(self.settings, DATASET, extract)
        assert summary.status == "published", summary
        assert summary.snapshot_id is not None
        return summary.snapshot_id

    def deliver(self, subscription_id: int | None = None, **kwargs: Any) -> list[Outcome]:
        with self.sessions() as session, connect(self.settings) as con:
            outcomes = deliver_pending(session, con, self.settings, **kwargs)
        if subscription_id is None:
            return outcomes
        return [o for o in outcomes if o.subscription_id == subscription_id]

    def revoke(self, grant_id: int) -> None:
        from catalog.grants import revoke_grant

        with self.sessions() as session:
            revoke_grant(session, self.principal(session, "rsj-exchange"), grant_id, "到期收回")
            session.commit()

    def grant_row(self, grant_id: int) -> Grant:
        with self.sessions() as session:
            grant = session.get(Grant, grant_id)
            assert grant is not None
            session.expunge(grant)
            return grant


def build_world(var: Path, catalog_url: str = "", lake_catalog: str = "") -> World:
    settings = Settings(
        var_dir=var,
        environment="test",
        catalog_url=catalog_url,
        lake_catalog=lake_catalog,
        _env_file=None,
    )
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        tokens = seed(session)
        session.commit()
    extract = var / "inbox" / DATASET / "extract-1.csv"
    extract.parent.mkdir(parents=True, exist_ok=True)
    write_social_insurance_extract(extract, rows=80, seed=7, defects=False)
    batch = run_batch(settings, DATASET, extract)
    assert batch.status == "published", batch
    return World(settings, sessions, tokens)


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    var = tmp_path_factory.mktemp("subscriptions") / "var"
    if request.param == "sqlite":
        yield build_world(var)
        return
    server: PostgresServer = request.getfixturevalue("postgresql_server")
    names = [server.create_database(f"sub_{kind}") for kind in ("catalog", "lake")]
    lake = server.lake_catalog(names[1])
    world = build_world(var, server.url(names[0]), lake)
    try:
        yield world
    finally:
        world.sessions.kw["bind"].dispose()
        with server.admin_connection() as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Hook:
    """A real HTTP server on loopback that records what it is sent and answers ``status``."""

    server: ThreadingHTTPServer
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    status: int = 204

    @property
    def url(self) -> str:
        port = self.server.server_address[1]
        return f"http://127.0.0.1:{port}/zhongtai/hook"


@pytest.fixture
def hook() -> Iterator[Hook]:
    holder: list[Hook] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length", "0"))
            holder[0].received.append((dict(self.headers.items()), self.rfile.read(length)))
            self.send_response(holder[0].status)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Hook(server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()


__all__ = ["FIELDS", "Hook", "World", "build_world", "hook", "utcnow", "world"]
