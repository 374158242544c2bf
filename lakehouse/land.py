"""Land a source file in the raw zone: the bytes as received, addressed by SHA-256, never modified.

One pass over the file both hashes it and copies it to a temporary file beside its final place;
the copy is flushed, made read-only and renamed into ``raw_dir/ab/abcdef….csv`` with
``os.replace``, so a reader never sees a half-written raw file. A file whose bytes are already in
the raw zone is not written again.

Landing bytes the dataset already has a *live* batch for creates nothing and writes no audit
event: a published batch comes back with ``duplicate=True`` (a no-op that says so), a batch still
on its way (``landed``, ``standardized``, ``validated``: its run died) with ``resumed=True``, for
the caller to carry on from its last finished step. Bytes whose last batch was ``rejected`` or
``failed`` land as a new batch with ``retry_of`` naming that one, which stays on record. The
caller owns the session's transaction.

The temporary copy, ``.landing-<pid>-….tmp``, is held under an exclusive ``flock`` until it is
renamed into place, so ``lakehouse.sweep`` can tell the leftover of a killed run (lock free,
process gone) from a live copy.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.audit import record
from catalog.events import BatchLanded
from catalog.models import Batch, BatchStatus, Dataset, utcnow
from catalog.settings import Settings
from lakehouse.errors import SourceNotFound

__all__ = ["LANDING_PREFIX", "Landing", "land", "raw_file", "raw_path_for"]

LANDING_PREFIX = ".landing-"

_CHUNK = 1 << 20  # 1 MiB: constant memory whatever the file size
_READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


@dataclass(frozen=True, slots=True)
class Landing:
    """Where a source file landed and which batch stands for it."""

    batch_id: int
    sha256: str
    raw_path: Path
    size_bytes: int
    duplicate: bool
    """The bytes were published before, as ``batch_id``: nothing to do."""
    resumed: bool = False
    """``batch_id`` is an unfinished batch of the same bytes: carry on from its status."""
    retry_of: int | None = None
    """The rejected or failed batch of the same bytes that this new batch runs again."""
    status: str = BatchStatus.LANDED.value


def raw_path_for(settings: Settings, sha256: str, suffix: str) -> Path:
    """``raw_dir/<first two hex digits>/<sha256><suffix>`` (suffix lower-cased, e.g. ``.csv``)."""
    return settings.raw_dir / sha256[:2] / f"{sha256}{suffix.lower()}"


def raw_file(settings: Settings, batch: Batch) -> Path:
    """Where ``batch``'s file is in this raw zone. Its ``raw_path`` says where it was landed,
    absolute; the raw zone is addressed by content, so the file is looked for under the settings'
    ``raw_dir`` — a var dir copied, moved or restored elsewhere keeps its batches' files."""
    return raw_path_for(settings, batch.source_sha256, Path(batch.raw_path).suffix)


def land(
    session: Session,
    settings: Settings,
    dataset: Dataset,
    source: Path,
    *,
    now: dt.datetime | None = None,
    department_id: int | None = None,
) -> Landing:
    """Copy ``source`` into the raw zone and record a LANDED batch (or find the live one);
    ``department_id`` is the delivering department (None: the platform itself)."""
    if not source.is_file():
        raise SourceNotFound(f"{source.name}: no such file to land ({source})")
    settings.raw_dir.mkdir(parents=True, exist_ok=True)
    held, temp = _temporary(settings.raw_dir)
    try:
        sha256, size = _hash_and_copy(source, held)
        target = raw_path_for(settings, sha256, source.suffix)
        if target.exists():
            temp.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(temp, _READ_ONLY)
            os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    finally:
        os.close(held)  # lets go of the flock, once the copy is in place or gone

    existing = _live(session, dataset.id, sha256)
    if existing is not None:
        return _found(settings, existing)

    landed_at = now or utcnow()
    batch = Batch(
        dataset_id=dataset.id,
        source_name=source.name,
        source_sha256=sha256,
        raw_path=str(target),
        size_bytes=size,
        status=BatchStatus.LANDED,
        landed_at=landed_at,
        delivered_by_department_id=department_id,
        retry_of=_last_refused(session, dataset.id, sha256),
    )
    try:
        with session.begin_nested():
            session.add(batch)
            session.flush()
    except IntegrityError:
        # Another worker landed the same bytes between our look-up and our insert.
        existing = _live(session, dataset.id, sha256)
        if existing is None:
            raise
        return _found(settings, existing)
    record(
        session,
        BatchLanded(
            dataset_id=dataset.id, batch_id=batch.id, source_sha256=sha256, size_bytes=size
        ),
        now=landed_at,
    )
    return Landing(batch.id, sha256, target, size, False, retry_of=batch.retry_of)


_REFUSED = (BatchStatus.REJECTED, BatchStatus.FAILED)


def _found(settings: Settings, batch: Batch) -> Landing:
    published = batch.status is BatchStatus.PUBLISHED
    return Landing(
        batch.id,
        batch.source_sha256,
        raw_file(settings, batch),
        batch.size_bytes,
        duplicate=published,
        resumed=not published,
        retry_of=batch.retry_of,
        status=batch.status.value,
    )


def _live(session: Session, dataset_id: int, sha256: str) -> Batch | None:
    """The batch of these bytes that is not rejected or failed (at most one: the catalog's
    partial unique index ``uq_batches_live_source``)."""
    return session.scalars(
        select(Batch).where(
            Batch.dataset_id == dataset_id,
            Batch.source_sha256 == sha256,
            Batch.status.not_in(_REFUSED),
        )
    ).one_or_none()


def _last_refused(session: Session, dataset_id: int, sha256: str) -> int | None:
    return session.scalars(
        select(Batch.id)
        .where(
            Batch.dataset_id == dataset_id,
            Batch.source_sha256 == sha256,
            Batch.status.in_(_REFUSED),
        )
        .order_by(Batch.id.desc())
        .limit(1)
    ).first()


def _temporary(directory: Path) -> tuple[int, Path]:
    """A new ``.landing-<pid>-….tmp`` in ``directory``, open and under this process's
    ``flock`` until the caller closes it (``lakehouse.sweep`` reads both: a copy is dead only
    when its lock is free and its process is gone)."""
    handle, name = tempfile.mkstemp(
        prefix=f"{LANDING_PREFIX}{os.getpid()}-", suffix=".tmp", dir=directory
    )
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle, Path(name)


def _hash_and_copy(source: Path, handle: int) -> tuple[str, int]:
    """Stream ``source`` into the open file ``handle``; return (sha256, size)."""
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as src, os.fdopen(handle, "wb", closefd=False) as out:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(handle)
    return digest.hexdigest(), size
