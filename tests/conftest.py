"""Shared fixtures: every test gets its own ``var`` directory and fresh settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.settings import Settings, get_settings

pytest_plugins = ["tests.fixtures.postgres"]


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings whose every store lives under this test's temporary directory."""
    var = tmp_path / "var"
    var.mkdir()
    monkeypatch.setenv("ZHONGTAI_VAR_DIR", str(var))
    monkeypatch.setenv("ZHONGTAI_ENVIRONMENT", "test")
    monkeypatch.setenv("ZHONGTAI_ENV_FILE", str(tmp_path / "none.env"))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
