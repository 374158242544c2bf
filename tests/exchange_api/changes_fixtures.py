"""A published platform whose lake metadata lives in SQLite or in PostgreSQL, with three published
snapshots of the social-insurance dataset — two batches, then one snapshot of edits — a snapshot of
another dataset, one never published through the catalog, and a grant of the ``changes`` mode.

Publishing only appends, so the snapshot of edits (a row changing inside the grant's region, one
leaving it with a tell-tale amount, one entering it, one changing only where a mask hides it, one
changing outside the region) is made by :func:`publish_edits`: the UPDATEs in one DuckLake
transaction, then a ``published`` batch row naming that snapshot, as ``lakehouse.publish`` records
one.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.db import init_catalog
from catalog.models import Batch, BatchStatus, Dataset, utcnow
from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.demo import DATASET, seed
from lakehouse.connection import connect
from lakehouse.pipeline import run_batch
from lakehouse.samples import write_social_insurance_extract
from tests.exchange_api.conftest import Platform
from tests.fixtures.postgres import PostgresServer

TELL_TALE = Decimal("7777.77")
FIELDS = ["citizen_id", "person_name", "period", "amount", "region"]
RSJ, SWJ, GAJ = "rsj-exchange", "swj-exchange", "gaj-exchange"


@dataclass
class Lakehouse:
    platform: Platform
    first: int
    second: int
    edits: int
    foreign: int
    """A snapshot published for another dataset."""
    unpublished: int
    """A lake snapshot no batch was published as."""
    region: str
    """The county the grant's row filter keeps."""
    edited: dict[str, dict[str, Any]]
    """stay / leave / enter / masked_only / outside: the rows the edits changed, as before."""
    grant_id: int

    @property
    def client(self) -> TestClient:
        return self.platform.client

    def headers(self, account: str) -> dict[str, str]:
        return self.platform.headers(account)


def _record_batch(settings: Settings, dataset_code: str, snapshot: int, rows: int) -> None:
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        dataset = session.scalars(select(Dataset).where(Dataset.code == dataset_code)).one()
        session.add(
            Batch(
                dataset_id=dataset.id,
                source_name=f"edits-{snapshot}",
                source_sha256=hashlib.sha256(f"{dataset_code}/{snapshot}".encode()).hexdigest(),
                raw_path="",
                size_bytes=0,
                status=BatchStatus.PUBLISHED,
                rows_published=rows,
                snapshot_id=snapshot,
                published_at=utcnow(),
            )
        )
        if dataset_code == DATASET:
            dataset.current_snapshot_id = snapshot
        session.commit()


def lake_snapshot(settings: Settings, *statements: tuple[str, list[Any]]) -> int:
    """Run ``statements`` in one DuckLake transaction; the snapshot it committed."""
    with connect(settings) as con:
        con.execute("BEGIN TRANSACTION")
        for sql, params in statements:
            con.execute(sql, params)
        con.execute("COMMIT")
        row = con.execute("SELECT * FROM ducklake_last_committed_snapshot('lake')").fetchone()
    assert row is not None and row[0] is not None
    return int(row[0])


def publish_edits(settings: Settings, *statements: tuple[str, list[Any]]) -> int:
    snapshot = lake_snapshot(settings, *statements)
    _record_batch(settings, DATASET, snapshot, 0)
    return snapshot


def grant(
    platform: Platform,
    account: str,
    modes: list[str],
    row_filter: list[dict[str, Any]] | None = None,
    fields: list[str] = FIELDS,
    quota_rows: int | None = None,
    match_fields: list[str] | None = None,
) -> int:
    filed = platform.client.post(
        "/api/v1/requests",
        headers=platform.headers(account),
        json={
            "dataset": DATASET,
            "fields": fields,
            "purpose": "变更同步",
            "access_modes": modes,
            "row_filter": row_filter or [],
            "quota_rows": quota_rows,
            "match_fields": match_fields or [],
        },
    )
    assert filed.status_code == 201, filed.text
    approved = platform.client.post(
        f"/api/v1/requests/{filed.json()['id']}/approve",
        headers=platform.headers(RSJ),
        json={"reason": "同意"},
    )
    assert approved.status_code == 200, approved.text
    return int(approved.json()["grant"]["id"])


def _pick(settings: Settings) -> tuple[str, dict[str, dict[str, Any]]]:
    with connect(settings) as con:
        found = con.execute(
            f"SELECT citizen_id, region, amount FROM lake.{DATASET} ORDER BY citizen_id"
        ).fetchall()
    rows = [{"citizen_id": c, "region": r, "amount": a} for c, r, a in found]
    region = Counter(r["region"] for r in rows).most_common(1)[0][0]
    inside = [r for r in rows if r["region"] == region]
    outside = [r for r in rows if r["region"] != region]
    assert len(inside) >= 3 and len(outside) >= 2
    return region, {
        "stay": inside[0],
        "leave": inside[1],
        "masked_only": inside[2],
        "enter": outside[0],
        "outside": outside[1],
    }


def _edits(region: str, edited: dict[str, dict[str, Any]]) -> list[tuple[str, list[Any]]]:
    table = f"lake.{DATASET}"
    away = "330100" if region != "330100" else "330102"
    cid = {k: v["citizen_id"] for k, v in edited.items()}
    return [
        (f"UPDATE {table} SET amount = 1500.00 WHERE citizen_id = ?", [cid["stay"]]),
        (
            f"UPDATE {table} SET region = ?, amount = ? WHERE citizen_id = ?",
            [away, TELL_TALE, cid["leave"]],
        ),
        (f"UPDATE {table} SET region = ? WHERE citizen_id = ?", [region, cid["enter"]]),
        (
            f"UPDATE {table} SET person_name = person_name || '某' WHERE citizen_id = ?",
            [cid["masked_only"]],
        ),
        (f"UPDATE {table} SET amount = 1.00 WHERE citizen_id = ?", [cid["outside"]]),
    ]


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite-lake"),
        pytest.param("postgresql", id="postgresql-lake", marks=pytest.mark.postgres),
    ],
)
def lakehouse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Lakehouse]:
    var = tmp_path_factory.mktemp("changes") / "var"
    lake_catalog = database = ""
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgresql_server")
        database = server.create_database("lake")
        lake_catalog = server.lake_catalog(database)
    settings = Settings(
        var_dir=var,
        environment="test",
        lake_catalog=lake_catalog,
        _env_file=None,  # type: ignore[call-arg]
    )
    try:
        sessions = init_catalog(settings.resolved_catalog_url)
        with sessions() as session:
            tokens = seed(session)
            session.commit()
        inbox = Path(var) / "inbox" / DATASET
        inbox.mkdir(parents=True)
        manifest = write_social_insurance_extract(inbox / "october.csv", rows=120, defects=False)
        first = run_batch(settings, DATASET, inbox / "october.csv")
        write_social_insurance_extract(
            inbox / "november.csv", rows=40, seed=11, month="2026-11", defects=False
        )
        second = run_batch(settings, DATASET, inbox / "november.csv")
        assert first.status == second.status == "published", (first, second)
        assert first.snapshot_id is not None and second.snapshot_id is not None
        region, edited = _pick(settings)
        edits = publish_edits(settings, *_edits(region, edited))
        unpublished = lake_snapshot(settings, ("CREATE TABLE lake.scratch_a (x INTEGER)", []))
        foreign = lake_snapshot(settings, ("CREATE TABLE lake.scratch_b (x INTEGER)", []))
        _record_batch(settings, "gaj_household_registration", foreign, 0)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            platform = Platform(settings, sessions, tokens, first, manifest, client)
            region_filter = [{"field": "region", "op": "eq", "value": region}]
            grant_id = grant(platform, SWJ, ["query", "changes"], region_filter)
            yield Lakehouse(
                platform=platform,
                first=first.snapshot_id,
                second=second.snapshot_id,
                edits=edits,
                foreign=foreign,
                unpublished=unpublished,
                region=region,
                edited=edited,
                grant_id=grant_id,
            )
    finally:
        if database:
            with server.admin_connection() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
