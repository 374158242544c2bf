"""Readiness (issue 8, defect 7): /ready fails when the catalog, the audit store or the lake does.

``/health`` stays liveness (the process answers). ``/ready`` needs no token and says only ok or
failed per component; the broken cases run on a copy of the shared platform's catalog, or with
the lake catalog pointed somewhere broken.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from catalog.settings import Settings
from exchange_api.app import create_app
from tests.exchange_api.conftest import Platform

PROBLEM = "application/problem+json"
COMPONENTS = {"catalog", "audit", "lake"}


def _ready(client: TestClient) -> Any:
    return client.get("/api/v1/ready")


def _assert_not_ready(response: Any, failing: set[str]) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == "service.not_ready"
    assert body["checks"] == {c: "failed" if c in failing else "ok" for c in COMPONENTS}
    for component in failing:
        assert component in body["detail"]
    assert "Traceback" not in response.text and "sqlite" not in response.text.lower()


def test_a_good_platform_is_ready_without_a_token(platform: Platform) -> None:
    response = _ready(platform.client)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "checks": dict.fromkeys(COMPONENTS, "ok")}
    assert platform.client.get("/api/v1/health").json() == {"status": "ok"}


def _catalog_file(settings: Settings) -> Path:
    return Path(settings.resolved_catalog_url.removeprefix("sqlite:///"))


@pytest.fixture
def copied(platform: Platform, tmp_path: Path) -> Iterator[Settings]:
    """Settings over a copy of the platform's catalog (and its audit log), on the same lake."""
    var = tmp_path / "var"
    var.mkdir()
    catalog = _catalog_file(platform.settings)
    for path in catalog.parent.glob(catalog.name + "*"):  # the database, its WAL and index
        shutil.copy2(path, var / path.name)
    yield Settings(  # type: ignore[call-arg]
        var_dir=var,
        lake_catalog=platform.settings.resolved_lake_catalog,
        lake_data_path=platform.settings.resolved_lake_data_path,
        environment="test",
        _env_file=None,
    )


def _client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings), raise_server_exceptions=False)


def test_a_removed_catalog_is_not_ready(copied: Settings) -> None:
    with _client(copied) as client:
        assert _ready(client).status_code == 200
        client.app.state.readiness.forget()  # type: ignore[attr-defined]
        catalog = _catalog_file(copied)
        for path in catalog.parent.glob(catalog.name + "*"):
            path.unlink()
        _assert_not_ready(_ready(client), {"catalog", "audit"})
        assert client.get("/api/v1/health").status_code == 200  # still alive


def test_a_catalog_behind_its_migrations_is_not_ready(copied: Settings) -> None:
    with sqlite3.connect(_catalog_file(copied)) as db:
        db.execute("UPDATE alembic_version SET version_num = '0001'")
    with _client(copied) as client:
        _assert_not_ready(_ready(client), {"catalog"})


def test_an_altered_last_audit_event_is_not_ready(copied: Settings) -> None:
    with sqlite3.connect(_catalog_file(copied)) as db:
        db.execute("DROP TRIGGER audit_events_no_update")
        db.execute(
            "UPDATE audit_events SET action = 'data.nothing' "
            "WHERE id = (SELECT max(id) FROM audit_events)"
        )
    with _client(copied) as client:
        _assert_not_ready(_ready(client), {"audit"})


@pytest.mark.parametrize("broken", ["not_a_file", "garbage", "parent_is_a_file"])
def test_a_broken_lake_catalog_is_not_ready(
    platform: Platform, tmp_path: Path, broken: str
) -> None:
    target = {
        "not_a_file": tmp_path / "absent" / "ducklake.sqlite",
        "garbage": tmp_path / "garbage.sqlite",
        "parent_is_a_file": tmp_path / "file" / "ducklake.sqlite",
    }[broken]
    (tmp_path / "garbage.sqlite").write_bytes(b"this is not a database" * 100)
    (tmp_path / "file").write_text("a file, not a folder", encoding="utf-8")
    settings = Settings(  # type: ignore[call-arg]
        var_dir=platform.settings.var_dir,
        lake_catalog=f"sqlite:{target}",
        environment="test",
        _env_file=None,
    )
    with _client(settings) as client:
        _assert_not_ready(_ready(client), {"lake"})
    assert not (tmp_path / "absent").exists(), "a readiness check must not create a lake"


def test_readiness_is_checked_at_most_once_per_interval(platform: Platform) -> None:
    readiness = platform.client.app.state.readiness  # type: ignore[attr-defined]
    readiness.forget()
    runs = readiness.runs
    for _ in range(5):
        assert _ready(platform.client).status_code == 200
    assert readiness.runs == runs + 1  # anonymous callers cannot make it open DuckDB each time
