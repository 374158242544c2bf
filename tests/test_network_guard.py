"""The network guard (``tests/fixtures/network_guard.py``) fails a test that points a socket past
loopback — even one that swallows the error — and lets loopback, Unix sockets and binds through."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.network_guard import NetworkBlocked, destination_problem

REPO = Path(__file__).resolve().parents[1]

INNER = """
import socket

def test_reaches_out_but_swallows_the_error():
    with socket.socket() as s:
        s.settimeout(0.5)
        try:
            s.connect(("192.0.2.1", 9))   # TEST-NET-1: never routed
        except OSError:
            pass                           # what lenient code does

def test_stays_on_loopback():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
"""


def test_a_test_that_connects_past_loopback_fails(tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(INNER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        + ["-p", "tests.fixtures.network_guard", "test_inner.py"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 passed, 1 error" in done.stdout  # the error: the guard, at the first's teardown
    assert "ERROR test_inner.py::test_reaches_out_but_swallows_the_error" in done.stdout
    assert "connect to the address '192.0.2.1', port 9" in done.stdout


def test_the_hook_refuses_before_the_connection_happens() -> None:
    with socket.socket() as s, pytest.raises(NetworkBlocked) as blocked:
        s.connect(("198.51.100.7", 443))  # TEST-NET-2
    assert "198.51.100.7" in str(blocked.value)
    from tests.fixtures import network_guard

    assert network_guard._take() == ["connect to the address '198.51.100.7', port 443"]


@pytest.mark.parametrize(
    ("event", "args"),
    [
        ("socket.connect", (socket.socket, ("127.0.0.1", 5432))),
        ("socket.connect", (socket.socket, ("127.45.6.7", 80))),
        ("socket.connect", (socket.socket, ("::1", 80, 0, 0))),
        ("socket.connect", (socket.socket, ("::ffff:127.0.0.1", 80, 0, 0))),
        ("socket.connect", (socket.socket, ("localhost", 80))),
        ("socket.connect", (socket.socket, "/run/postgresql/.s.PGSQL.5432")),
        ("socket.sendto", (socket.socket, ("127.0.0.53", 53))),
        ("socket.sendmsg", (socket.socket, None)),
        ("socket.getaddrinfo", ("127.0.0.1", 8000, 0, 1, 0)),
        ("socket.getaddrinfo", ("localhost", 8000, 0, 1, 0)),
        ("socket.getaddrinfo", (None, 8000, 0, 1, 0)),
        ("socket.getaddrinfo", ("0.0.0.0", 0, 0, 1, 0)),
        ("socket.getaddrinfo", (b"::1", 0, 0, 1, 0)),
        ("socket.getaddrinfo", ("10.0.0.8", 443, 0, 1, 0)),  # a literal: no lookup, no packet
        ("socket.getaddrinfo", (socket.gethostname(), None, 0, 1, 0)),  # /etc/hosts answers
    ],
)
def test_loopback_and_local_destinations_pass(event: str, args: tuple[object, ...]) -> None:
    assert destination_problem(event, args) is None


@pytest.mark.parametrize(
    ("event", "args", "words"),
    [
        ("socket.connect", (socket.socket, ("8.8.8.8", 53)), "the address '8.8.8.8'"),
        ("socket.connect", (socket.socket, ("10.0.0.1", 5432)), "'10.0.0.1'"),
        ("socket.connect", (socket.socket, ("0.0.0.0", 80)), "'0.0.0.0'"),
        ("socket.connect", (socket.socket, ("2606:4700::1", 443, 0, 0)), "2606:4700::1"),
        ("socket.connect", (socket.socket, ("pypi.org", 443)), "name 'pypi.org'"),
        ("socket.sendto", (socket.socket, ("192.168.1.1", 53)), "sendto"),
        ("socket.sendmsg", (socket.socket, ("172.16.0.1", 53)), "sendmsg"),
        ("socket.getaddrinfo", ("extensions.duckdb.org", 443, 0, 1, 0), "a DNS lookup"),
        ("socket.getaddrinfo", ("db.internal", 5432, 0, 1, 0), "'db.internal'"),
    ],
)
def test_other_destinations_are_named(event: str, args: tuple[object, ...], words: str) -> None:
    problem = destination_problem(event, args)
    assert problem is not None and words in problem
