"""A catalog (SQLite or the PostgreSQL fixture) with the social-insurance contract registered, and
a real DuckLake, for the batch life-cycle and crash tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.datasets import register_contract
from catalog.db import init_catalog
from catalog.departments import upsert_department
from catalog.models import AuditEvent, Batch, Dataset, QualityReport
from catalog.settings import Settings, get_settings
from lakehouse.connection import connect
from lakehouse.reconcile import lake_batches
from schemas import load_contract

SOCIAL = "rsj_social_insurance"


@dataclass
class World:
    settings: Settings
    sessions: sessionmaker[Session]

    def batch(self, batch_id: int) -> Batch:
        with self.sessions() as session:
            batch = session.get_one(Batch, batch_id)
            session.expunge_all()
        return batch

    def batches(self) -> list[Batch]:
        with self.sessions() as session:
            found = list(session.scalars(select(Batch).order_by(Batch.id)))
            session.expunge_all()
        return found

    def current_snapshot(self) -> int | None:
        with self.sessions() as session:
            return session.scalars(
                select(Dataset.current_snapshot_id).where(Dataset.code == SOCIAL)
            ).one()

    def events(self, action: str) -> list[AuditEvent]:
        with self.sessions() as session:
            found = list(
                session.scalars(
                    select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
                )
            )
            session.expunge_all()
        return found

    def report_snapshot(self, batch_id: int) -> int | None:
        with self.sessions() as session:
            return session.scalars(
                select(QualityReport.snapshot_id).where(QualityReport.batch_id == batch_id)
            ).one_or_none()

    def lake_rows(self, snapshot: int | None = None) -> list[tuple[int, int]]:
        """(batch id, row count) of the published table, at ``snapshot`` or now."""
        at = "" if snapshot is None else f" AT (VERSION => {int(snapshot)})"
        with connect(self.settings) as con:
            return [
                (int(b), int(n))
                for b, n in con.execute(
                    f'SELECT _batch_id, count(*) FROM lake."{SOCIAL}"{at} GROUP BY 1 ORDER BY 1'
                ).fetchall()
            ]

    def lake_publishes(self) -> dict[int, int]:
        with connect(self.settings) as con:
            return lake_batches(con, SOCIAL)

    def count(self, model: type[Batch] | type[AuditEvent]) -> int:
        with self.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)


def build_world(settings: Settings) -> World:
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        upsert_department(session, "330100RSJ", "杭州市人力资源和社会保障局", "330100")
        register_contract(session, load_contract(SOCIAL))
        session.commit()
    return World(settings, sessions)


@pytest.fixture
def world(settings: Settings, catalog_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """A world on the SQLite and the PostgreSQL catalog (``catalog_url`` is parametrised)."""
    monkeypatch.setenv("ZHONGTAI_CATALOG_URL", catalog_url)
    get_settings.cache_clear()
    built = build_world(get_settings())
    try:
        yield built
    finally:
        built.sessions.kw["bind"].dispose()
        get_settings.cache_clear()


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
