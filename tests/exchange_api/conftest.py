"""A published platform shared by a module's API tests: seeded catalog, one ingested batch."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import init_catalog
from catalog.models import Account, Batch, QualityReport, utcnow
from catalog.portal_sessions import open_session
from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.demo import DATASET, DemoTokens, seed
from lakehouse.pipeline import BatchSummary, run_batch
from lakehouse.samples import SampleManifest, write_social_insurance_extract
from tests.fixtures.production import production_settings


@dataclass
class Platform:
    settings: Settings
    sessions: sessionmaker[Session]
    tokens: DemoTokens
    batch: BatchSummary
    manifest: SampleManifest
    client: TestClient

    def headers(self, account: str) -> dict[str, str]:
        return self.tokens.headers(account)

    def session_cookie(self, account: str) -> str:
        """A real portal session for ``account``, as signing in opens one: the cookie value."""
        with self.sessions() as session:
            row = session.scalars(select(Account).where(Account.name == account)).one()
            secret = self.settings.secret_key
            _, cookie = open_session(session, row, secret=secret, hours=8, now=utcnow())
            session.commit()
        return cookie

    def cookie_headers(self, account: str) -> dict[str, str]:
        return {"Cookie": f"zt_session={self.session_cookie(account)}"}


@pytest.fixture(scope="module")
def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    with production_settings(request, "platform") as stores:  # ZHONGTAI_TEST_STORES=production
        yield from _platform(tmp_path_factory, stores)


def _platform(
    tmp_path_factory: pytest.TempPathFactory, stores: dict[str, str]
) -> Iterator[Platform]:
    var = tmp_path_factory.mktemp("platform") / "var"
    settings = Settings(var_dir=var, environment="test", _env_file=None, **stores)  # type: ignore[call-arg]
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
    sessions.kw["bind"].dispose()  # before production stores are dropped under it


def report_of(platform: Platform, batch_id: int) -> int:
    """The id of ``batch_id``'s quality report, which the pipeline must already have bound to the
    batch's snapshot (None for a batch that was not published)."""
    with platform.sessions() as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        report = session.scalars(
            select(QualityReport).where(QualityReport.batch_id == batch_id)
        ).one()
        assert report.snapshot_id == batch.snapshot_id, (report.snapshot_id, batch.snapshot_id)
        return report.id
