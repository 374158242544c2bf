"""The raw zone in a backup: each batch's file as received, under ``raw/`` by its content
address (``ab/<sha256>.csv``), put back under the target's ``raw_dir`` on restore (read-only, as
landed). A file the raw zone had already lost is listed in the manifest, not fatal: the catalog
still says what it was, and a restore reports the same batches missing, no more."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.db import make_engine, make_sessionmaker
from catalog.evidence import file_sha256
from catalog.models import Batch
from catalog.settings import Settings
from lakehouse.land import raw_file

__all__ = ["copy_in", "copy_out", "missing"]


def copy_out(settings: Settings, session: Session, folder: Path) -> dict[str, Any]:
    """Copy each batch's received file (the raw zone, content-addressed) into ``folder``; a file
    the raw zone no longer has is listed, not fatal: the catalog still says what it was."""
    copied: set[str] = set()
    lost: list[int] = []
    for batch in session.scalars(select(Batch).order_by(Batch.id)):
        source = raw_file(settings, batch)
        key = source.relative_to(settings.raw_dir).as_posix()
        if key in copied:
            continue
        if not source.is_file():
            lost.append(batch.id)
            continue
        (folder / key).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / key)
        copied.add(key)
    return {"files": len(copied), "missing_batches": lost}


def copy_in(settings: Settings, folder: Path, names: list[str]) -> None:
    """Put the backup's ``raw/…`` files ``names`` under the settings' raw zone."""
    for name in names:
        target = settings.raw_dir / name.removeprefix("raw/")
        if target.is_file() and file_sha256(target) == file_sha256(folder / name):
            continue  # the same bytes (the raw zone is addressed by content)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        shutil.copyfile(folder / name, target)
        target.chmod(0o444)  # as landed: never modified


def missing(settings: Settings) -> list[int]:
    """Ids of the batches whose file the raw zone the settings name does not have."""
    sessions = make_sessionmaker(make_engine(settings.resolved_catalog_url))
    try:
        with sessions() as session:
            batches = session.scalars(select(Batch).order_by(Batch.id))
            return [b.id for b in batches if not raw_file(settings, b).is_file()]
    finally:
        sessions.kw["bind"].dispose()
