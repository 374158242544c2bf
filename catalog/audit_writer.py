"""Group commit for the audit log: many callers, one writer thread, one durable commit a batch.

An act whose only write is its audit event (a refusal, a read that charges no quota) need not
pay a disk flush of its own. :class:`GroupWriter` takes events from any number of threads,
appends whatever has queued up as one run of the chain in one transaction — the head locked and
read once, every row linked in memory, one flush, one commit — and only then tells each caller
its event is durable. A caller waits for its own commit, never longer than the batch it joined;
a batch that fails fails every caller in it with ``AuditUnavailable`` (fail closed: none of
their acts may proceed).

Rows are built by ``catalog.audit.new_row``, so a group-committed event is byte-for-byte what
``catalog.audit.record`` would have written.
"""

from __future__ import annotations

import datetime as dt
import queue
import sqlite3
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from catalog import audit
from catalog.errors import AuditUnavailable
from catalog.events import AuditedEvent
from catalog.models import AuditEvent, utcnow
from catalog.principals import SYSTEM, Principal

__all__ = ["GroupWriter", "record_many"]

_TABLE = cast(Table, AuditEvent.__table__)


@dataclass(frozen=True, slots=True)
class _Pending:
    event: AuditedEvent
    actor: Principal
    now: dt.datetime
    done: Future[int]


def record_many(
    session: Session, items: Sequence[tuple[AuditedEvent, Principal, dt.datetime]]
) -> list[int]:
    """Append ``items`` in order as one run of the chain in the caller's transaction; their ids."""
    if not items:
        return []
    try:
        audit.lock_head(session)
        last_id, last_hash = audit.head(session)
        rows = []
        for event, actor, now in items:
            values = audit.row_values(event, actor, now, last_id + 1, last_hash)
            rows.append(values)
            last_id, last_hash = values["id"], values["hash"]
        # One executemany on the table itself: no ORM object, nor ORM bulk bookkeeping, a row.
        session.connection().execute(insert(_TABLE), rows)
    except (DBAPIError, sqlite3.Error) as exc:
        raise AuditUnavailable.because(exc) from exc
    return [int(row["id"]) for row in rows]


class GroupWriter:
    """One writer thread over ``sessions``; :meth:`append` blocks until the event is durable."""

    def __init__(self, sessions: sessionmaker[Session], *, max_batch: int = 1024) -> None:
        self._sessions = sessions
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="audit-group-writer", daemon=True)
        self._closed = False
        self.batches = 0
        self._thread.start()

    def append(
        self,
        event: AuditedEvent,
        *,
        actor: Principal | None = None,
        now: dt.datetime | None = None,
        timeout: float | None = 60.0,
    ) -> int:
        """Queue ``event``; return its sequence number once its batch has committed."""
        return self.submit(event, actor=actor, now=now).result(timeout=timeout)

    def submit(
        self,
        event: AuditedEvent,
        *,
        actor: Principal | None = None,
        now: dt.datetime | None = None,
    ) -> Future[int]:
        """Queue ``event``; the future holds its sequence number once its batch committed (or
        ``AuditUnavailable``). For a caller with many acts in flight, as a worker serving many
        requests at once is: nothing may be sent for an act before its future is done."""
        if self._closed:
            raise AuditUnavailable("the audit writer is closed", code="audit.unavailable")
        done: Future[int] = Future()
        when = (now or utcnow()).astimezone(dt.UTC)
        self._queue.put(_Pending(event, actor or SYSTEM, when, done))
        return done

    def close(self) -> None:
        """Finish what is queued, then stop the thread."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            with self._sessions() as session:
                ids = record_many(session, [(p.event, p.actor, p.now) for p in batch])
                session.commit()
        except (DBAPIError, sqlite3.Error) as exc:
            failure: BaseException = AuditUnavailable.because(exc)
            for pending in batch:
                pending.done.set_exception(failure)
            return
        except BaseException as exc:  # a bug: every caller hears of it, none is left waiting
            for pending in batch:
                pending.done.set_exception(exc)
            return
        self.batches += 1
        for pending, event_id in zip(batch, ids, strict=True):
            pending.done.set_result(event_id)
