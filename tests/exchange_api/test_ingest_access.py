"""Ingestion asks the one access decision too (``batch.ingest``): the platform itself (DAGs, the
operator's ``zhongtai ingest``) and the owner's publishers may land a batch; nobody else."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.errors import AccessRefused
from catalog.models import AuditEvent, Batch
from catalog.principals import Principal
from catalog.tokens import authenticate
from exchange_api.demo import DATASET
from lakehouse.pipeline import land_step
from lakehouse.samples import write_social_insurance_extract
from tests.exchange_api.conftest import Platform


def _principal(platform: Platform, account: str) -> Principal:
    with platform.sessions() as session:
        return Principal.of(authenticate(session, platform.tokens.by_account[account]))


def _batches(platform: Platform) -> int:
    with platform.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Batch)) or 0)


def test_only_the_owner_and_the_platform_ingest(platform: Platform, tmp_path: Path) -> None:
    extract = tmp_path / "extract.csv"
    write_social_insurance_extract(extract, rows=20, seed=99, month="2026-08")
    before = _batches(platform)
    for account in ("swj-exchange", "dsj-admin"):
        with pytest.raises(AccessRefused) as caught:
            land_step(platform.settings, DATASET, extract, actor=_principal(platform, account))
        assert caught.value.code == "batch.not_owner"
    assert _batches(platform) == before  # nothing landed
    with platform.sessions() as session:
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.refused")
        ).all()
    assert sum(e.detail["act"] == "batch.ingest" for e in refused) == 2
    landed = land_step(
        platform.settings, DATASET, extract, actor=_principal(platform, "rsj-exchange")
    )
    assert not landed["duplicate"] and _batches(platform) == before + 1
