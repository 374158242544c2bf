"""Land a source file in the raw zone: the bytes as received, addressed by SHA-256, never modified.

One pass over the file both hashes it and copies it to a temporary file beside its final place;
the copy is flushed, made read-only and renamed into ``raw_dir/ab/abcdef….csv`` with
``os.replace``, so a reader never sees a half-written raw file. A file whose bytes are already in
the raw zone is not written again.

Landing the same bytes twice for the same dataset returns the existing batch with
``duplicate=True`` and writes no audit event, so a retried Airflow task or a department that sends
the same extract twice cannot create a second batch. The caller owns the session's transaction.
"""

from __future__ import annotations

import datetime as dt
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

__all__ = ["Landing", "land", "raw_path_for"]

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


def raw_path_for(settings: Settings, sha256: str, suffix: str) -> Path:
    """``raw_dir/<first two hex digits>/<sha256><suffix>`` (suffix lower-cased, e.g. ``.csv``)."""
    return settings.raw_dir / sha256[:2] / f"{sha256}{suffix.lower()}"


def land(
    session: Session,
    settings: Settings,
    dataset: Dataset,
    source: Path,
    *,
    now: dt.datetime | None = None,
) -> Landing:
    """Copy ``source`` into the raw zone and record a LANDED batch (or find the existing one)."""
    if not source.is_file():
        raise SourceNotFound(f"{source.name}: no such file to land ({source})")
    settings.raw_dir.mkdir(parents=True, exist_ok=True)
    sha256, size, temp = _hash_and_copy(source, settings.raw_dir)
    target = raw_path_for(settings, sha256, source.suffix)
    try:
        if target.exists():
            temp.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(temp, _READ_ONLY)
            os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise

    existing = _existing(session, dataset.id, sha256)
    if existing is not None:
        return Landing(existing.id, sha256, Path(existing.raw_path), existing.size_bytes, True)

    landed_at = now or utcnow()
    batch = Batch(
        dataset_id=dataset.id,
        source_name=source.name,
        source_sha256=sha256,
        raw_path=str(target),
        size_bytes=size,
        status=BatchStatus.LANDED,
        landed_at=landed_at,
    )
    try:
        with session.begin_nested():
            session.add(batch)
            session.flush()
    except IntegrityError:
        # Another worker landed the same bytes between our look-up and our insert.
        existing = _existing(session, dataset.id, sha256)
        if existing is None:
            raise
        return Landing(existing.id, sha256, Path(existing.raw_path), existing.size_bytes, True)
    record(
        session,
        BatchLanded(
            dataset_id=dataset.id, batch_id=batch.id, source_sha256=sha256, size_bytes=size
        ),
        now=landed_at,
    )
    return Landing(batch.id, sha256, target, size, False)


def _existing(session: Session, dataset_id: int, sha256: str) -> Batch | None:
    return session.scalars(
        select(Batch).where(Batch.dataset_id == dataset_id, Batch.source_sha256 == sha256)
    ).one_or_none()


def _hash_and_copy(source: Path, directory: Path) -> tuple[str, int, Path]:
    """Stream ``source`` into a temp file in ``directory``; return (sha256, size, temp path)."""
    digest = hashlib.sha256()
    size = 0
    handle, name = tempfile.mkstemp(prefix=".landing-", suffix=".tmp", dir=directory)
    temp = Path(name)
    try:
        with os.fdopen(handle, "wb") as out, source.open("rb") as src:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size, temp
