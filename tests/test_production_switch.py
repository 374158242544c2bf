"""``ZHONGTAI_TEST_STORES=production`` (``make test-production``) really moves the stores: the
``settings`` fixture's catalog and DuckLake catalog are PostgreSQL and its data path is in the
object store; without the switch they are the embedded SQLite files and local folder."""

from __future__ import annotations

from catalog.settings import Settings
from lakehouse.connection import connect
from tests.fixtures.production import production_stores_on


def test_the_settings_fixture_follows_the_switch(settings: Settings) -> None:
    if production_stores_on():
        assert settings.resolved_catalog_url.startswith("postgresql+psycopg://")
        assert settings.resolved_lake_catalog.startswith("postgres:")
        assert settings.resolved_lake_data_path.startswith("s3://")
    else:
        assert settings.resolved_catalog_url.startswith("sqlite:///")
        assert settings.resolved_lake_catalog.startswith("sqlite:")
        assert settings.resolved_lake_data_path.startswith(str(settings.var_dir.resolve()))
    with connect(settings) as con:  # the lake opens where the settings say
        row = con.execute(
            "SELECT value FROM __ducklake_metadata_lake.ducklake_metadata WHERE key = 'data_path'"
        ).fetchone()
    assert row is not None and str(row[0]).rstrip("/") == settings.resolved_lake_data_path.rstrip(
        "/"
    )
