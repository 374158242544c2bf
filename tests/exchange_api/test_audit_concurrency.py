"""16 clients × 100 audited requests against a real server (uvicorn, two worker processes):
exactly one event a request, in one unbroken chain, on SQLite and on PostgreSQL. ``make
test-load`` runs it at 1,000 requests a client (``ZHONGTAI_TEST_LOAD_REQUESTS``), four minutes
that ``make test`` leaves to it.

Each request is a read another department has no grant for: refused, and audited as
``data.read_refused`` — one event, written by whichever worker served it, in whichever order
the two processes and their threads reach the log. Checkpoints are signed along the way (every
1,000 events, in the same transactions), so the chain is verified with its signatures.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench.server import serve
from catalog import audit
from catalog.audit_keys import trusted
from catalog.db import init_catalog
from catalog.models import AuditEvent
from catalog.settings import Settings
from exchange_api.demo import DATASET, seed

CLIENTS = 16
REQUESTS = int(os.environ.get("ZHONGTAI_TEST_LOAD_REQUESTS", "100"))


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_one_event_a_request_in_one_chain(catalog_url: str, tmp_path: Path) -> None:
    settings = Settings(
        var_dir=tmp_path / "var",
        environment="test",
        catalog_url=catalog_url,
        _env_file=None,  # type: ignore[call-arg]
    )
    sessions = init_catalog(catalog_url)
    with sessions() as session:
        tokens = seed(session)
        session.commit()
        before = audit.event_count(session)
    port = _port()
    server = serve(settings, port, workers=2)
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)

    def client() -> None:
        seen: dict[int, int] = {}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            barrier.wait()
            for _ in range(REQUESTS):
                response = http.get(
                    f"/api/v1/datasets/{DATASET}/data", headers=tokens.headers("gaj-exchange")
                )
                seen[response.status_code] = seen.get(response.status_code, 0) + 1
        with lock:
            for status, count in seen.items():
                statuses[status] = statuses.get(status, 0) + count

    try:
        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=900)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert statuses == {403: CLIENTS * REQUESTS}, statuses
    with sessions() as session:
        refused = session.scalar(
            select(func.count()).where(AuditEvent.action == "data.read_refused")
        )
        assert refused == CLIENTS * REQUESTS
        report = audit.verify_chain(session, trusted(settings))
        assert report.ok, report.describe()
        assert report.events_checked == audit.event_count(session) >= before + refused
        assert report.checkpoints_checked >= (CLIENTS * REQUESTS) // 1000
    sessions.kw["bind"].dispose()
