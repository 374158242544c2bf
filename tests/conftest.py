"""Shared fixtures: every test gets its own ``var`` directory and fresh settings."""

from __future__ import annotations

import getpass
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from catalog.models import LineageEvent
from catalog.settings import Settings, get_settings
from tests.lineage_spec import refuse_nonconforming

pytest_plugins = [
    "tests.fixtures.migrated",  # an empty catalog is migrated once a process, then copied
    "tests.fixtures.postgres",
    "tests.fixtures.object_store",
    "tests.fixtures.network_guard",  # a socket past loopback fails the test (air-gapped)
]
pytest_plugins += ["tests.fixtures.production"]  # ZHONGTAI_TEST_STORES=production
pytest_plugins += ["tests.fixtures.airflow_home"]  # one Airflow home a session (dags, infra)

# Every lineage event any test stores is validated against the OpenLineage schemas as it is
# inserted: a non-conforming one fails the flush, hence the act and the test that stored it.
event.listen(LineageEvent, "before_insert", refuse_nonconforming)

LEFT_MOUNT = "/test_a_full_disk0/small"  # the full-disk test's tmpfs (test_audit_fail_closed)

# pytest-xdist's workers start with COLUMNS=80 and LINES=24 in their environment, where a serial
# run has neither. rich fixes a console's width when it is made with COLUMNS set, so the CLI
# modules' module-level consoles, made at collection, printed 80 columns whatever COLUMNS a test
# gave its command (test_cli_lists, test_cli_scorecard failed only under -n 2). A worker drops
# them, as a serial run never had them.
if "PYTEST_XDIST_WORKER" in os.environ:
    for _name in ("COLUMNS", "LINES"):
        os.environ.pop(_name, None)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Detach small disks an earlier run of the full-disk test left mounted in pytest's
    temporary folders: a folder with a mount in it cannot be deleted, and pytest's clean-up of
    old sessions then fails this one."""
    # Under pytest-xdist only the controller looks: it is the one that cleans old sessions, and a
    # worker starting late (or restarted after a crash) must not detach the disk another worker's
    # full-disk test has mounted at that moment.
    if hasattr(session.config, "workerinput"):
        return
    root = f"{tempfile.gettempdir()}/pytest-of-{getpass.getuser()}/"
    with open("/proc/mounts", encoding="utf-8") as mounts:
        points = [line.split()[1] for line in mounts]
    for point in points:
        if point.startswith(root) and point.endswith(LEFT_MOUNT):
            if _in_a_running_session(root, point):
                continue  # another pytest session's full-disk test is using it right now
            subprocess.run(["umount", "-l", point], capture_output=True, check=False)


def _in_a_running_session(root: str, point: str) -> bool:
    """Whether ``point`` lies in the numbered folder (``pytest-N``) of a pytest session that is
    still running: pytest writes its process id to that folder's ``.lock`` and removes the lock
    at exit. Sessions on one machine share ``root`` (parallel runs, CI jobs, each xdist
    controller), and detaching a running session's small disk made its full-disk test copy the
    catalog into the bare folder beneath ("no such table: auth_failures")."""
    numbered = Path(root) / point.removeprefix(root).split("/", 1)[0]
    try:
        pid = int((numbered / ".lock").read_text(encoding="utf-8"))
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return False  # no lock, or its process is gone: left over
    return b"pytest" in command


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
