"""Group commit: eight threads append through one writer; every event lands once, in one
unbroken chain, on both engines; a batch the catalog refuses fails every caller in it."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from catalog import audit
from catalog.audit_writer import GroupWriter, record_many
from catalog.errors import AuditUnavailable
from catalog.events import GrantRevoked
from catalog.models import AuditEvent, utcnow
from catalog.principals import SYSTEM


def test_eight_writers_one_chain(catalog_factory: sessionmaker[Session]) -> None:
    writer = GroupWriter(catalog_factory)
    threads, per_thread = 8, 150
    ids: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def client(n: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            event_id = writer.append(GrantRevoked(grant_id=n, reason=f"{n}-{i}"))
            with lock:
                ids.append(event_id)

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    writer.close()
    assert sorted(ids) == list(range(1, threads * per_thread + 1))
    assert writer.batches < threads * per_thread  # they were grouped
    with catalog_factory() as session:
        report = audit.verify_chain(session, {})
        assert report.ok and report.events_checked == threads * per_thread
        reasons = session.scalars(select(AuditEvent.detail)).all()
    assert len({r["reason"] for r in reasons}) == threads * per_thread


def test_a_group_committed_event_is_what_record_writes(
    catalog_factory: sessionmaker[Session],
) -> None:
    now = utcnow()
    with catalog_factory() as session:
        record_many(session, [(GrantRevoked(grant_id=1, reason="甲"), SYSTEM, now)])
        audit.record(session, GrantRevoked(grant_id=1, reason="甲"), now=now)
        first, second = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert audit.event_body(first) == audit.event_body(second)


def test_a_refused_batch_fails_every_caller(catalog_factory: sessionmaker[Session]) -> None:
    engine = catalog_factory.kw["bind"]
    engine.dispose()
    read_only = (
        "PRAGMA query_only=ON"
        if engine.dialect.name == "sqlite"
        else "SET default_transaction_read_only = on"
    )

    @event.listens_for(engine, "connect")
    def _read_only(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute(read_only)
        cursor.close()
        connection.commit()  # a SET inside a rolled-back transaction would not stick

    writer = GroupWriter(catalog_factory)
    failures: list[BaseException] = []

    def client() -> None:
        try:
            writer.append(GrantRevoked(grant_id=1, reason="x"))
        except AuditUnavailable as exc:
            failures.append(exc)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    writer.close()
    assert len(failures) == 4
    assert all(f.code == "audit.unavailable" for f in failures)  # type: ignore[attr-defined]
