"""Fail closed: when the audit event of a read cannot be made durable, no row leaves the platform
and the caller is told 503 ``audit.unavailable`` (never 500 ``internal``).

Four ways the catalog refuses: a write lock another writer holds past the wait, a catalog that
only answers queries, a catalog file made immutable, and a full disk. The last two need
``chattr`` and ``mount`` (root with the capabilities this machine has); where the kernel refuses
them the test is skipped and says why.
"""

from __future__ import annotations

import gc
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from catalog import audit, sqlite_writer
from catalog.db import init_catalog
from catalog.events import DatasetRegistered
from catalog.models import AuditEvent
from exchange_api.app import create_app
from exchange_api.demo import DATASET
from tests.exchange_api.conftest import Platform

URL = f"/api/v1/datasets/{DATASET}/data"


def _reads(platform: Platform) -> int:
    with platform.sessions() as session:
        query = select(func.count()).where(AuditEvent.action == "data.read")
        return int(session.scalar(query) or 0)


def _assert_refused_without_rows(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "audit.unavailable"
    assert "rows" not in problem and "next" not in problem
    assert "X-Content-SHA256" not in response.headers


def test_the_read_works_before_anything_breaks(platform: Platform) -> None:
    response = platform.client.get(URL, headers=platform.headers("rsj-exchange"))
    assert response.status_code == 200 and response.json()["rows"]


def test_a_held_write_lock(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_writer, "WAIT_SECONDS", 0.5)
    before = _reads(platform)
    holding = platform.sessions()
    try:
        audit.record(holding, DatasetRegistered(code="held", contract_sha256="0" * 64))
        holding.flush()  # holds the writer's turn, uncommitted
        response = platform.client.get(URL, headers=platform.headers("rsj-exchange"))
    finally:
        holding.rollback()
        holding.close()
    _assert_refused_without_rows(response)
    assert _reads(platform) == before
    after = platform.client.get(URL, headers=platform.headers("rsj-exchange"))
    assert after.status_code == 200  # nothing was left broken


def _copy_catalog(platform: Platform, folder: Path) -> Path:
    """A consistent copy of the catalog file (SQLite's backup API, WAL included)."""
    source = Path(platform.settings.resolved_catalog_url.removeprefix("sqlite:///"))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "catalog.sqlite"
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return target


@contextmanager
def _client_on(platform: Platform, catalog: Path) -> Iterator[TestClient]:
    settings = platform.settings.model_copy(update={"catalog_url": f"sqlite:///{catalog}"})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def test_a_catalog_that_only_answers_queries(platform: Platform, tmp_path: Path) -> None:
    catalog = _copy_catalog(platform, tmp_path)
    with _client_on(platform, catalog) as client:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        engine.dispose()

        @event.listens_for(engine, "connect")
        def _query_only(connection: Any, _record: Any) -> None:
            connection.execute("PRAGMA query_only=ON")

        response = client.get(URL, headers=platform.headers("rsj-exchange"))
        _assert_refused_without_rows(response)
    with init_catalog(f"sqlite:///{catalog}")() as session:
        assert audit.verify_chain(session, {}).events_checked == audit.event_count(session)


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_an_immutable_catalog_file(platform: Platform, tmp_path: Path) -> None:
    catalog = _copy_catalog(platform, tmp_path)
    with closing(sqlite3.connect(catalog)) as con:
        con.execute("PRAGMA journal_mode=WAL")
    files = [
        catalog,
        catalog.with_name("catalog.sqlite-wal"),
        catalog.with_name("catalog.sqlite-shm"),
    ]
    for path in files:
        path.touch()
    locked = _run("chattr", "+i", *map(str, files))
    if locked.returncode != 0:
        pytest.skip(f"chattr +i is not permitted here: {locked.stderr.strip()}")
    try:
        with _client_on(platform, catalog) as client:
            response = client.get(URL, headers=platform.headers("rsj-exchange"))
            _assert_refused_without_rows(response)
    finally:
        _run("chattr", "-i", *map(str, files))


def test_a_full_disk(platform: Platform, tmp_path: Path) -> None:
    mount = tmp_path / "small"
    mount.mkdir()
    mounted = _run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount))
    if mounted.returncode != 0:
        pytest.skip(f"mounting a small tmpfs is not permitted here: {mounted.stderr.strip()}")
    try:
        catalog = _copy_catalog(platform, mount)
        with _client_on(platform, catalog) as client:
            assert client.get(URL, headers=platform.headers("rsj-exchange")).status_code == 200
            filler = mount / "filler"
            with open(filler, "wb") as handle:  # take every byte that is left
                try:
                    while True:
                        handle.write(b"\0" * 65536)
                        handle.flush()
                except OSError:
                    pass
            events_before = _count(catalog)
            response = client.get(URL, headers=platform.headers("rsj-exchange"))
            _assert_refused_without_rows(response)
            filler.unlink()
            assert _count(catalog) == events_before
    finally:
        _unmount(mount)


def _unmount(mount: Path) -> None:
    """Unmount the small disk and say so if it stays: a mount left behind makes the folder
    undeletable, and pytest's clean-up of old temporary folders then fails a later session.
    Python 3.11's sqlite3 connections sit in reference cycles, so a connection the application
    dropped closes only when the collector runs; collect first, and detach lazily as a last
    resort."""
    gc.collect()
    if _run("umount", str(mount)).returncode != 0:
        _run("umount", "-l", str(mount))
    assert not _run("mountpoint", "-q", str(mount)).returncode == 0, f"{mount} is still mounted"
    shutil.rmtree(mount)


def _count(catalog: Path) -> int:
    with closing(sqlite3.connect(catalog)) as con:
        return int(con.execute("SELECT count(*) FROM audit_events").fetchone()[0])
