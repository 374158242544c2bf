"""One ingest of a dataset at a time; ingests of different datasets run side by side.

:func:`dataset_lock` holds an exclusive ``flock`` on ``var_dir/locks/ingest-<code>.lock`` (every
process on this machine) and, when the catalog is PostgreSQL, a session-level advisory lock keyed
by the dataset code on a connection of its own (every machine sharing that catalog). Both die with
the process: a run killed with SIGKILL leaves nothing to unlock. The lock is re-entrant within a
process, so ``run_batch`` can hold it while each step it calls asks for it again.

Whoever holds a dataset's lock knows no live run is writing that dataset's staging files, lake
table files or serving indexes: ``lakehouse.sweep`` and ``lakehouse.reconcile`` rely on it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from catalog.settings import Settings
from lakehouse.errors import LakehouseError

__all__ = ["DatasetBusy", "dataset_lock", "lock_path"]

_local = threading.local()


def _held() -> dict[str, int]:
    held: dict[str, int] | None = getattr(_local, "held", None)
    if held is None:
        held = _local.held = {}
    return held


class DatasetBusy(LakehouseError):
    """Another run holds the dataset's ingest lock (only when not waiting for it)."""

    code = "ingest.busy"
    status = 409


def lock_path(settings: Settings, dataset_code: str) -> Path:
    return settings.var_dir / "locks" / f"ingest-{dataset_code}.lock"


def _advisory_key(dataset_code: str) -> int:
    digest = hashlib.sha256(f"zhongtai.ingest:{dataset_code}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def dataset_lock(settings: Settings, dataset_code: str, *, wait: bool = True) -> Iterator[None]:
    """Hold the ingest lock of ``dataset_code``; raise :class:`DatasetBusy` if ``wait`` is False
    and another run holds it."""
    held = _held()  # re-entrant per thread; another thread of this process waits its turn
    if held.get(dataset_code):
        held[dataset_code] += 1
        try:
            yield
        finally:
            held[dataset_code] -= 1
        return
    path = lock_path(settings, dataset_code)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise DatasetBusy(f"another ingest of {dataset_code} is running") from None
        with _advisory(settings, dataset_code, wait=wait):
            held[dataset_code] = 1
            try:
                yield
            finally:
                held.pop(dataset_code, None)
    finally:
        os.close(fd)  # closing the descriptor lets go of the flock


@contextmanager
def _advisory(settings: Settings, dataset_code: str, *, wait: bool) -> Iterator[None]:
    url = settings.resolved_catalog_url
    if not url.startswith("postgresql"):
        yield
        return
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            key = _advisory_key(dataset_code)
            if wait:
                connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            elif not connection.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": key}
            ).scalar():
                raise DatasetBusy(f"another ingest of {dataset_code} is running")
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                connection.commit()
    finally:
        engine.dispose()
