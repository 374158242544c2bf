"""A small platform with something to lose, built through the platform's own code: the demo's
departments and accounts, the social-insurance dataset published twice (two lake snapshots), a
share request approved into a grant, reads through the exchange, audit events and a signed
checkpoint. The backup tests build it, back it up, wipe it and restore it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.audit import sign_checkpoint
from catalog.audit_keys import signing_key, store_of
from catalog.db import init_catalog
from catalog.models import Grant
from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.demo import DATASET, DemoTokens, seed
from lakehouse.pipeline import run_batch
from lakehouse.samples import write_social_insurance_extract

REQUEST = {
    "dataset": DATASET,
    "fields": ["citizen_id", "person_name", "period", "amount", "region"],
    "purpose": "个人所得税汇算清缴中核对社保扣除额",
    "scenario": "个税专项扣除核验",
    "legal_basis": "《中华人民共和国个人所得税法》第六条",
    "access_modes": ["query"],
}


@dataclass(frozen=True)
class Built:
    tokens: DemoTokens
    grant_id: int
    snapshots: tuple[int, ...]


@contextmanager
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        yield http


def read_rows(settings: Settings, tokens: DemoTokens, account: str, grant_id: int | None) -> Any:
    """A page of the dataset as ``account`` reads it through the exchange (status, body)."""
    params: dict[str, Any] = {"limit": 1000, "order_by": "citizen_id"}
    if grant_id is not None:
        params["grant_id"] = grant_id
    with client(settings) as http:
        response = http.get(
            f"/api/v1/datasets/{DATASET}/data", headers=tokens.headers(account), params=params
        )
    return response.status_code, response.json()


def build_platform(settings: Settings, work: Path, *, rows: int = 300) -> Built:
    """Seed, publish two extracts, grant SWJ, read once each way, sign a checkpoint."""
    sessions = init_catalog(settings.resolved_catalog_url)
    try:
        with sessions() as session:
            tokens = seed(session)
            session.commit()
        snapshots = []
        for month in ("10", "11"):
            extract = work / f"社保缴费_2026-{month}.csv"
            write_social_insurance_extract(
                extract, rows=rows, seed=int(month), month=f"2026-{month}"
            )
            summary = run_batch(settings, DATASET, extract)
            assert summary.status == "published", summary
            assert summary.snapshot_id is not None
            snapshots.append(summary.snapshot_id)
        with client(settings) as http:
            filed = http.post(
                "/api/v1/requests", headers=tokens.headers("swj-exchange"), json=REQUEST
            )
            assert filed.status_code == 201, filed.text
            approved = http.post(
                f"/api/v1/requests/{filed.json()['id']}/approve",
                headers=tokens.headers("rsj-exchange"),
                json={"reason": "用途明确，字段最小必要"},
            )
            assert approved.status_code == 200, approved.text
        with sessions() as session:
            grant_id = session.scalars(select(Grant.id)).one()
        assert read_rows(settings, tokens, "swj-exchange", grant_id)[0] == 200
        assert read_rows(settings, tokens, "gaj-exchange", None)[0] == 403
        with sessions() as session:
            sign_checkpoint(session, signing_key(session, store_of(settings), settings))
            session.commit()
    finally:
        sessions.kw["bind"].dispose()
    return Built(tokens, grant_id, tuple(snapshots))
