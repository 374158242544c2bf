"""Four uvicorn workers on the production shape under concurrent load, one unbroken audit chain.

The catalog and the DuckLake catalog are fresh PostgreSQL databases on the session's real server;
the lake's files are in the object store — moto's S3 server on loopback, **a stand-in** for the
province's store (``tests.fixtures.object_store``). A batch is published there, then a real
``uvicorn --workers 4`` serves the exchange on those settings alone, and 8 clients at once make
audited reads: the owner reading its own rows (``data.read``, each a query of the lake in the
bucket) and a department with no grant (``data.read_refused``). Afterwards there is exactly one
event a request, the sequence numbers run 1, 2, 3 … without a gap, every event names the one
before it (no fork: no two events share a predecessor) and ``audit.verify_chain`` re-derives the
chain and checks the signed checkpoints. ``ZHONGTAI_TEST_LOAD_REQUESTS`` sets the requests a
client (default 30).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from catalog import audit
from catalog.audit_keys import trusted
from catalog.audit_tables import AuditEvent
from catalog.db import init_catalog
from catalog.settings import Settings
from exchange_api.demo import DATASET, seed
from lakehouse.pipeline import run_batch
from lakehouse.samples import write_social_insurance_extract
from tests.fixtures.object_store import ObjectStore
from tests.fixtures.postgres import PostgresServer
from tests.fixtures.production import fresh_stores, settings_fields

pytestmark = [pytest.mark.production, pytest.mark.postgres, pytest.mark.slow]

WORKERS = 4
CLIENTS = 8
REQUESTS = int(os.environ.get("ZHONGTAI_TEST_LOAD_REQUESTS", "30"))
ROWS = 120


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _serve(environment: dict[str, str], var: Path, port: int) -> subprocess.Popen[bytes]:
    """``uvicorn exchange_api.app:create_app`` with four workers, on these settings only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHONGTAI_")}
    env.update(environment)
    env.update(
        ZHONGTAI_VAR_DIR=str(var),
        ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_ENV_FILE=os.devnull,
        ZHONGTAI_RATE_LIMIT_PER_MINUTE="0",
        ZHONGTAI_AUDIT_CHECKPOINT_EVERY="50",
    )
    command = [sys.executable, "-m", "uvicorn", "exchange_api.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS)]
    command += ["--no-access-log", "--log-level", "warning"]
    return subprocess.Popen(command, env=env, start_new_session=True)


def _wait_healthy(server: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the server exited with {server.returncode}"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not answer /api/v1/health in 180 s")


@pytest.fixture
def stores(
    postgresql_server: PostgresServer, object_store: ObjectStore, s3_bucket: str
) -> Iterator[dict[str, str]]:
    with fresh_stores(postgresql_server, object_store, s3_bucket, "audit4") as environment:
        yield environment


def test_four_workers_keep_one_unbroken_chain(stores: dict[str, str], tmp_path: Path) -> None:
    var = tmp_path / "var"
    settings = Settings(  # type: ignore[call-arg]
        var_dir=var,
        environment="test",
        audit_checkpoint_every=50,
        _env_file=None,
        **settings_fields(stores),
    )
    assert settings.resolved_lake_data_path.startswith("s3://")
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        tokens = seed(session)
        session.commit()
    extract = write_social_insurance_extract(tmp_path / "extract.csv", rows=ROWS, defects=False)
    assert run_batch(settings, DATASET, extract.path).outcome == "published"
    with sessions() as session:
        before = audit.event_count(session)

    port = _port()
    server = _serve(stores, var, port)
    statuses: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)
    url = f"/api/v1/datasets/{DATASET}/data"

    def client(index: int) -> None:
        account = "rsj-exchange" if index % 2 == 0 else "gaj-exchange"  # owner / no grant
        seen: Counter[tuple[str, int]] = Counter()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
            barrier.wait()
            for _ in range(REQUESTS):
                response = http.get(url, headers=tokens.headers(account), params={"limit": 20})
                seen[(account, response.status_code)] += 1
        with lock:
            statuses.update(seen)

    try:
        _wait_healthy(server, port)
        assert len(_children(server.pid)) >= WORKERS  # the workers (and uvicorn's helpers)
        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=900)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()

    half = CLIENTS // 2 * REQUESTS
    assert statuses == {("rsj-exchange", 200): half, ("gaj-exchange", 403): half}, statuses
    try:
        with sessions() as session:
            events = list(
                session.execute(
                    select(
                        AuditEvent.id, AuditEvent.action, AuditEvent.prev_hash, AuditEvent.hash
                    ).order_by(AuditEvent.id)
                )
            )
            report = audit.verify_chain(session, trusted(settings))
    finally:
        sessions.kw["bind"].dispose()
    served = Counter(action for _, action, _, _ in events[before:])
    assert served["data.read"] == half and served["data.read_refused"] == half, served
    assert [number for number, _, _, _ in events] == list(range(1, len(events) + 1))  # no gap
    predecessors = [prev for _, _, prev, _ in events]
    assert len(set(predecessors)) == len(events)  # no fork: one successor per event
    assert predecessors[1:] == [digest for _, _, _, digest in events[:-1]]  # one sequence
    assert report.ok, report.describe()
    assert report.events_checked == len(events)
    assert report.checkpoints_checked >= (2 * half) // 50
