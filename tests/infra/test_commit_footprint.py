"""What one publish writes into each database of the production shape, measured on a real lake:
the DuckLake catalog on PostgreSQL (rows and bytes of every ``ducklake_*`` table), the catalog
(rows of every table, audit events among them) and the object store (objects). docs/capacity.md
quotes these figures; ``ZHONGTAI_CAPACITY_OUT=FILE`` writes them as JSON.

The object store is moto's S3 server on loopback, a stand-in (tests/fixtures/object_store.py).

The property checked: the DuckLake catalog's rows per publish do not grow with the rows
published — a batch of 5,000 rows costs the metadata database what a batch of 250 does — so the
DuckLake catalog's load is a count of commits, not of rows."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import inspect, text

from catalog.settings import Settings, get_settings
from lakehouse.pipeline import run_batch
from lakehouse.samples import write_social_insurance_extract
from tests.fixtures.object_store import ObjectStore
from tests.fixtures.postgres import PostgresServer
from tests.lakehouse.batch_life_world import SOCIAL, World, build_world

# A minute on this machine (four publishes into PostgreSQL and the object store): make test-load.
pytestmark = [pytest.mark.postgres, pytest.mark.load]

Counts = dict[str, int]


@pytest.fixture
def lake_db(
    settings: Settings,
    postgresql_url: str,
    postgresql_server: PostgresServer,
    object_store: ObjectStore,
    s3_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[World, str]]:
    lake_db = postgresql_server.create_database("lake")
    monkeypatch.setenv("ZHONGTAI_CATALOG_URL", postgresql_url)
    monkeypatch.setenv("ZHONGTAI_LAKE_CATALOG", postgresql_server.lake_catalog(lake_db))
    for name, value in object_store.environment(s3_bucket).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    built = build_world(get_settings())
    try:
        yield built, lake_db
    finally:
        built.sessions.kw["bind"].dispose()
        get_settings.cache_clear()
        with postgresql_server.admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{lake_db}" WITH (FORCE)')


def _lake_tables(server: PostgresServer, database: str) -> tuple[Counts, Counts]:
    """Rows and bytes (the rows' own size, pg_column_size) of every ducklake_* table."""
    rows, sizes = {}, {}
    with psycopg.connect(
        host=server.host, port=server.port, user=server.user, dbname=database
    ) as con:
        names = [
            str(r[0])
            for r in con.execute(
                "SELECT tablename FROM pg_tables WHERE tablename LIKE %s ORDER BY 1",
                ["ducklake%"],
            )
        ]
        for name in names:
            count = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
            size = con.execute(
                f'SELECT coalesce(sum(pg_column_size(t.*)), 0) FROM "{name}" AS t'
            ).fetchone()
            assert count is not None and size is not None
            rows[name], sizes[name] = int(str(count[0])), int(str(size[0]))
    return rows, sizes


def _catalog_tables(world: World) -> Counts:
    engine = world.sessions.kw["bind"]
    counts = {}
    with engine.connect() as con:
        for name in inspect(engine).get_table_names():
            counts[name] = int(con.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
    return counts


def _delta(after: Counts, before: Counts) -> Counts:
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def test_a_publish_costs_the_lake_catalog_the_same_rows_whatever_its_size(
    lake_db: tuple[World, str],
    postgresql_server: PostgresServer,
    object_store: ObjectStore,
    s3_bucket: str,
    tmp_path: Path,
) -> None:
    world, database = lake_db
    steps = [
        ("first publish (creates the table)", 250),
        ("250 rows", 250),
        ("5,000 rows", 5_000),
        ("50,000 rows", 50_000),
    ]
    measured = []
    rows, sizes = _lake_tables(postgresql_server, database)
    catalog = _catalog_tables(world)
    objects = len(object_store.keys(s3_bucket, "lake/"))
    for month, (label, count) in enumerate(steps, start=1):
        source = tmp_path / f"extract-{month}.csv"
        write_social_insurance_extract(
            source, rows=count, seed=month, month=f"2026-0{month}", defects=False
        )
        assert run_batch(world.settings, SOCIAL, source).outcome == "published"
        rows_after, sizes_after = _lake_tables(postgresql_server, database)
        catalog_after = _catalog_tables(world)
        objects_after = len(object_store.keys(s3_bucket, "lake/"))
        measured.append(
            {
                "publish": label,
                "rows_published": count,
                "ducklake_rows": _delta(rows_after, rows),
                "ducklake_rows_total": sum(_delta(rows_after, rows).values()),
                "ducklake_bytes": sum(sizes_after.values()) - sum(sizes.values()),
                "catalog_rows": _delta(catalog_after, catalog),
                "objects": objects_after - objects,
            }
        )
        rows, sizes, catalog, objects = rows_after, sizes_after, catalog_after, objects_after
    out = os.environ.get("ZHONGTAI_CAPACITY_OUT")
    if out:
        Path(out).write_text(json.dumps(measured, indent=2, ensure_ascii=False) + "\n", "utf-8")
    later = [m["ducklake_rows"] for m in measured[1:]]
    assert later[0] and all(rows == later[0] for rows in later), later
    assert measured[0]["ducklake_rows_total"] > measured[1]["ducklake_rows_total"]


def test_audit_appends_on_postgresql_and_their_size(
    postgresql_url: str, postgresql_server: PostgresServer
) -> None:
    """The audit chain on the production catalog: appends per second through the group writer
    (8 writers, 64 in flight each, as bench_audit's audit_append does on SQLite) and through one
    transaction per event, and the bytes one event takes in PostgreSQL (table, indexes, TOAST).
    The suite's server runs with fsync off, so the rates are an upper bound for a durable server;
    the bytes are exact."""
    from bench.bench_audit import IN_FLIGHT, READER, WRITERS, _event, _threads
    from catalog import audit
    from catalog.audit_writer import GroupWriter
    from catalog.db import init_catalog

    per_writer_group, per_writer_single = 1_000, 100
    sessions = init_catalog(postgresql_url)
    writer = GroupWriter(sessions)

    def group_client(k: int) -> None:
        waiting: list[Any] = []
        for i in range(per_writer_group):
            waiting.append(writer.submit(_event(k * per_writer_group + i), actor=READER))
            if len(waiting) >= IN_FLIGHT:
                waiting.pop(0).result()
        for done in waiting:
            done.result()

    def single_client(k: int) -> None:
        for i in range(per_writer_single):
            with sessions() as session:
                audit.record(session, _event(10**6 + k * per_writer_single + i), actor=READER)
                session.commit()

    try:
        group_s = _threads(WRITERS, group_client)
        writer.close()
        single_s = _threads(WRITERS, single_client)
        events = WRITERS * (per_writer_group + per_writer_single)
        with sessions() as session:
            assert audit.verify_chain(session, {}).ok
            size = session.execute(
                text("SELECT pg_total_relation_size('audit_events')")
            ).scalar_one()
    finally:
        sessions.kw["bind"].dispose()
    measured = {
        "group_events_per_s": round(WRITERS * per_writer_group / group_s, 1),
        "single_events_per_s": round(WRITERS * per_writer_single / single_s, 1),
        "events": events,
        "bytes_per_event": round(int(size) / events, 1),
        "server": "PostgreSQL 15, fsync=off (the test server)",
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    out = os.environ.get("ZHONGTAI_CAPACITY_AUDIT_OUT")
    if out:
        Path(out).write_text(json.dumps(measured, indent=2) + "\n", "utf-8")
    assert measured["group_events_per_s"] > 0 and int(size) > 0
