"""Writers take turns on a SQLite catalog (``catalog.sqlite_writer``), across threads and
processes: every audited act lands in one unbroken chain, none is lost or fails, a transaction
that ends without a commit gives its turn back, and a writer never waits forever."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog import audit, sqlite_writer
from catalog.db import init_catalog, make_engine, make_sessionmaker
from catalog.errors import AuditUnavailable
from catalog.events import DatasetRegistered
from catalog.models import AuditEvent

THREADS = 8
ACTS = 25


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _act(url: str, worker: int) -> None:
    """THREADS threads of one process, each appending ACTS events, one transaction each."""
    sessions = make_sessionmaker(make_engine(url))
    errors: list[BaseException] = []

    def run(thread: int) -> None:
        try:
            for n in range(ACTS):
                with sessions() as session:
                    audit.record(
                        session,
                        DatasetRegistered(code=f"w{worker}t{thread}n{n}", contract_sha256="0" * 64),
                    )
                    session.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def test_two_processes_of_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    url = _url(tmp_path / "catalog.sqlite")
    sessions = init_catalog(url)
    fork = multiprocessing.get_context("fork")
    workers = [fork.Process(target=_act, args=(url, w)) for w in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert [w.exitcode for w in workers] == [0, 0]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 2 * THREADS * ACTS
        report = audit.verify_chain(session)
        assert report.ok, report.describe()


def test_a_transaction_that_ends_without_commit_gives_its_turn_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_writer, "WAIT_SECONDS", 5.0)
    sessions = init_catalog(_url(tmp_path / "catalog.sqlite"))
    with sessions() as session:  # writes, then is closed: the pool rolls it back
        audit.record(session, DatasetRegistered(code="abandoned", contract_sha256="0" * 64))
        session.flush()
    started = time.monotonic()
    done: list[float] = []

    def other_thread() -> None:
        with sessions() as session:
            audit.record(session, DatasetRegistered(code="next", contract_sha256="0" * 64))
            session.commit()
        done.append(time.monotonic() - started)

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join(timeout=30)
    assert done and done[0] < 2.0, done


def test_a_writer_waits_a_bounded_time_then_fails_as_sqlite_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_writer, "WAIT_SECONDS", 0.5)
    sessions = init_catalog(_url(tmp_path / "catalog.sqlite"))
    holding = sessions()
    audit.record(holding, DatasetRegistered(code="held", contract_sha256="0" * 64))
    holding.flush()  # this thread now holds the turn, uncommitted
    failures: list[BaseException] = []

    def blocked() -> None:
        try:
            with sessions() as session:
                audit.record(session, DatasetRegistered(code="late", contract_sha256="0" * 64))
                session.commit()
        except Exception as exc:
            failures.append(exc)

    thread = threading.Thread(target=blocked)
    thread.start()
    thread.join(timeout=30)
    holding.rollback()
    holding.close()
    assert not thread.is_alive()
    assert len(failures) == 1
    # The audit writer fails closed with a stable code (503 audit.unavailable), keeping the
    # cause: SQLite's own "database is locked".
    assert isinstance(failures[0], AuditUnavailable)
    assert failures[0].code == "audit.unavailable"
    assert "database is locked" in str(failures[0].__cause__)
    assert isinstance(failures[0].__cause__, sqlite3.OperationalError)
