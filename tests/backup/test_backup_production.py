"""Backup → wipe → restore on the production shape: both catalogs on the real PostgreSQL server,
the lake's files in an S3 bucket — moto's S3 server on loopback, **a stand-in** for the object
store (``tests.fixtures.object_store``). Restored over the wiped stores (``--force``), onto a new
pair of databases and a new bucket and prefix (another host), and across shapes: a backup of the
embedded default (SQLite + local files) restored onto PostgreSQL + S3."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.audit_keys import signing_key, store_of, trusted
from catalog.db import make_engine, make_sessionmaker
from catalog.errors import Conflict
from catalog.settings import Settings
from lakehouse.backup import create_backup, restore_backup
from lakehouse.backup_lake import lake_state
from lakehouse.backup_manifest import read
from lakehouse.connection import LakehouseError, connect
from tests.backup.platform_world import REQUEST, build_platform, client, read_rows
from tests.backup.test_backup_roundtrip import actions
from tests.fixtures.object_store import ObjectStore
from tests.fixtures.postgres import PostgresServer

pytestmark = [pytest.mark.production, pytest.mark.postgres, pytest.mark.slow]


class Shapes:
    """Makes production-shaped settings (fresh databases and bucket each) and drops them all."""

    def __init__(self, server: PostgresServer, store: ObjectStore, root: Path) -> None:
        self.server, self.store, self.root = server, store, root
        self.databases: list[str] = []

    def production(self, name: str, *, prefix: str = "lake") -> Settings:
        catalog, lake = (self.server.create_database(p) for p in ("catalog", "lake"))
        self.databases += [catalog, lake]
        bucket = self.store.create_bucket()
        s3 = {
            k.removeprefix("ZHONGTAI_").lower(): v
            for k, v in self.store.environment(bucket, prefix).items()
        }
        return Settings(  # type: ignore[call-arg]
            var_dir=self.root / name / "var",
            environment="test",
            catalog_url=self.server.url(catalog),
            lake_catalog=self.server.lake_catalog(lake),
            _env_file=None,
            **s3,
        )

    def drop(self) -> None:
        with self.server.admin_connection() as admin:
            for name in self.databases:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def shapes(
    postgresql_server: PostgresServer, object_store: ObjectStore, tmp_path: Path
) -> Iterator[Shapes]:
    made = Shapes(postgresql_server, object_store, tmp_path)
    try:
        yield made
    finally:
        made.drop()


def _backup(settings: Settings, folder: Path) -> dict[str, object]:
    sessions = make_sessionmaker(make_engine(settings.resolved_catalog_url))
    try:
        with sessions() as session:
            key = signing_key(session, store_of(settings), settings)
            session.commit()
    finally:
        sessions.kw["bind"].dispose()
    create_backup(settings, folder, key)
    return read(folder)


def _carry_keys(source: Settings, target: Settings) -> None:
    shutil.copytree(source.var_dir / "keys", target.var_dir / "keys")


def test_production_round_trip_over_wiped_stores_and_to_a_new_bucket(
    shapes: Shapes, tmp_path: Path
) -> None:
    source = shapes.production("source")
    built = build_platform(source, tmp_path)
    before = read_rows(source, built.tokens, "swj-exchange", built.grant_id)
    manifest = _backup(source, tmp_path / "backup")
    assert manifest["catalog"]["engine"] == "postgresql"  # type: ignore[index]
    assert any(k.startswith("lake/files/main/") for k in manifest["files"])  # type: ignore[attr-defined]
    keys = trusted(source)

    with pytest.raises(Conflict) as refused:  # the live stores are not empty
        restore_backup(source, tmp_path / "backup", keys)
    assert refused.value.code == "backup.target_not_empty"
    restore_backup(source, tmp_path / "backup", keys, force=True)  # wipe, then restore
    assert read_rows(source, built.tokens, "swj-exchange", built.grant_id) == before
    assert actions(source).count("backup.restored") == 1

    # another host: new databases, a new bucket under another prefix, the keys carried over
    other = shapes.production("other", prefix="restored/lake")
    _carry_keys(source, other)
    restore_backup(other, tmp_path / "backup", keys)
    assert lake_state(other).snapshot_ids == tuple(manifest["lake"]["snapshot_ids"])  # type: ignore[index,arg-type]
    assert read_rows(other, built.tokens, "swj-exchange", built.grant_id) == before
    assert read_rows(other, built.tokens, "gaj-exchange", None)[0] == 403
    with connect(other) as con:  # the lake records its new place: no override needed
        row = con.execute(
            "SELECT value FROM __ducklake_metadata_lake.ducklake_metadata WHERE key = 'data_path'"
        ).fetchone()
    assert row == (other.resolved_lake_data_path,)
    with client(other) as http:  # PostgreSQL's sequences were moved past the restored ids
        filed = http.post(
            "/api/v1/requests", headers=built.tokens.headers("gaj-exchange"), json=REQUEST
        )
    assert filed.status_code == 201, filed.text
    assert filed.json()["id"] == manifest["catalog"]["rows"]["share_requests"] + 1  # type: ignore[index]
    # an operator who points the restored lake at the old bucket is told, not obeyed
    wrong = other.model_copy(update={"lake_data_path": source.lake_data_path})
    with pytest.raises(LakehouseError) as mismatch, connect(wrong):
        pass
    assert mismatch.value.code == "lake.data_path_mismatch"
    assert other.resolved_lake_data_path in mismatch.value.message


def test_an_embedded_backup_restores_onto_postgresql_and_s3(shapes: Shapes, tmp_path: Path) -> None:
    source = Settings(var_dir=tmp_path / "embedded" / "var", environment="test", _env_file=None)  # type: ignore[call-arg]
    built = build_platform(source, tmp_path)
    before = read_rows(source, built.tokens, "swj-exchange", built.grant_id)
    manifest = _backup(source, tmp_path / "backup")
    keys = trusted(source)
    target = shapes.production("target")
    _carry_keys(source, target)
    restore_backup(target, tmp_path / "backup", keys)
    assert actions(target)[-1] == "backup.restored"
    assert lake_state(target).table_rows == manifest["lake"]["table_rows"]  # type: ignore[index]
    assert read_rows(target, built.tokens, "swj-exchange", built.grant_id) == before


def test_a_missing_bucket_is_named_not_a_traceback(shapes: Shapes) -> None:
    from catalog.errors import NotReady
    from lakehouse.backup_store import store_for

    target = shapes.production("nobucket")
    gone = target.model_copy(update={"lake_data_path": "s3://no-such-bucket-zt/lake/"})
    with pytest.raises(NotReady) as refused:
        store_for(gone).keys()
    assert refused.value.code == "backup.object_store"
    assert "no-such-bucket-zt" in refused.value.message
