"""The lake's files in an S3-compatible object store and its DuckLake catalog on PostgreSQL, chosen
by settings alone: the pipeline publishes there and nothing lands on the local disk.

The object store is moto's S3 server on loopback (``tests.fixtures.object_store``), a stand-in:
no real object store runs on this machine. moto does not check credentials, so a wrong key is not
tested here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.settings import Settings, get_settings
from lakehouse.connection import connect
from lakehouse.pipeline import run_batch
from lakehouse.samples import write_social_insurance_extract
from tests.fixtures.object_store import ObjectStore
from tests.fixtures.postgres import PostgresServer
from tests.lakehouse.batch_life_world import SOCIAL, World, build_world, files_under

pytestmark = pytest.mark.postgres


@pytest.fixture
def production_world(
    settings: Settings,
    postgresql_url: str,
    postgresql_server: PostgresServer,
    object_store: ObjectStore,
    s3_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[World]:
    lake_db = postgresql_server.create_database("lake")
    monkeypatch.setenv("ZHONGTAI_CATALOG_URL", postgresql_url)
    monkeypatch.setenv("ZHONGTAI_LAKE_CATALOG", postgresql_server.lake_catalog(lake_db))
    for name, value in object_store.environment(s3_bucket).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    built = build_world(get_settings())
    try:
        yield built
    finally:
        built.sessions.kw["bind"].dispose()
        get_settings.cache_clear()
        with postgresql_server.admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{lake_db}" WITH (FORCE)')


def test_a_batch_publishes_into_the_bucket_and_reads_back(
    production_world: World, object_store: ObjectStore, s3_bucket: str, tmp_path: Path
) -> None:
    source = tmp_path / "社保.csv"
    write_social_insurance_extract(source, rows=250, defects=False)
    summary = run_batch(production_world.settings, SOCIAL, source)
    assert summary.outcome == "published"
    keys = object_store.keys(s3_bucket, "lake/")
    assert keys and all(k.startswith(f"lake/main/{SOCIAL}/") for k in keys)
    assert all(k.endswith(".parquet") for k in keys)
    assert [n for _, n in production_world.lake_rows()] == [250]
    assert files_under(production_world.settings.var_dir / "lake") == []  # nothing local
    with connect(production_world.settings) as con:
        row = con.execute(
            "SELECT value FROM __ducklake_metadata_lake.ducklake_metadata WHERE key = 'data_path'"
        ).fetchone()
    assert row == (f"s3://{s3_bucket}/lake/",)
