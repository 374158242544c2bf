"""Shared fixtures: every test gets its own ``var`` directory and fresh settings."""

from __future__ import annotations

import getpass
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from catalog.models import LineageEvent
from catalog.settings import Settings, get_settings
from tests.lineage_spec import refuse_nonconforming

pytest_plugins = ["tests.fixtures.postgres", "tests.fixtures.object_store"]
pytest_plugins += ["tests.fixtures.production"]  # ZHONGTAI_TEST_STORES=production

# Every lineage event any test stores is validated against the OpenLineage schemas as it is
# inserted: a non-conforming one fails the flush, hence the act and the test that stored it.
event.listen(LineageEvent, "before_insert", refuse_nonconforming)

LEFT_MOUNT = "/test_a_full_disk0/small"  # the full-disk test's tmpfs (test_audit_fail_closed)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Detach small disks an earlier run of the full-disk test left mounted in pytest's
    temporary folders: a folder with a mount in it cannot be deleted, and pytest's clean-up of
    old sessions then fails this one."""
    root = f"{tempfile.gettempdir()}/pytest-of-{getpass.getuser()}/"
    with open("/proc/mounts", encoding="utf-8") as mounts:
        points = [line.split()[1] for line in mounts]
    for point in points:
        if point.startswith(root) and point.endswith(LEFT_MOUNT):
            subprocess.run(["umount", "-l", point], capture_output=True, check=False)


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
