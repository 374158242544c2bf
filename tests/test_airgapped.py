"""``infra/airgapped.sh CMD`` runs CMD in a network namespace with only loopback (up), or — where
none can be made — says so loudly and runs it with the network (or refuses, when required)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "infra" / "airgapped.sh"

PROBE = """
import socket
with socket.socket() as s:                       # TEST-NET-1: unreachable anywhere; here at once
    s.settimeout(5)
    print("outside", s.connect_ex(("192.0.2.1", 9)))
with socket.socket() as server:
    server.bind(("127.0.0.1", 0))
    server.listen()
    with socket.create_connection(server.getsockname(), timeout=5):
        print("loopback ok")
"""


def _run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_only_loopback_inside() -> None:
    done = _run(sys.executable, "-c", PROBE, env={"ZT_AIRGAPPED": "require"})
    if done.returncode == 3 and "cannot make a network namespace" in done.stderr:
        pytest.skip(done.stderr.strip())
    assert done.returncode == 0, done.stderr
    assert "only loopback" in done.stderr
    assert done.stdout.splitlines() == ["outside 101", "loopback ok"]  # ENETUNREACH, lo is up
    links = _run("ip", "-o", "link", "show", env={"ZT_AIRGAPPED": "require"})
    assert [line.split(":")[1].strip() for line in links.stdout.splitlines()] == ["lo"]
    offline = _run("sh", "-c", "echo $UV_OFFLINE", env={"ZT_AIRGAPPED": "require"})
    assert offline.stdout.strip() == "1"


def test_the_exit_status_is_the_commands() -> None:
    assert _run("sh", "-c", "exit 7").returncode == 7


def test_without_a_namespace_it_warns_loudly_or_refuses(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"  # a machine without unshare
    bin_dir.mkdir()
    for tool in ("bash", "env", "id", "cat", "sh"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    fallback = _run("sh", "-c", "echo ran", env={"PATH": str(bin_dir)})
    assert fallback.returncode == 0 and fallback.stdout == "ran\n"
    assert (
        "running WITH THE NETWORK" in fallback.stderr
        and "unshare is not installed" in fallback.stderr
    )
    required = _run("sh", "-c", "echo ran", env={"PATH": str(bin_dir), "ZT_AIRGAPPED": "require"})
    assert required.returncode == 3 and required.stdout == ""
