"""Sweep what killed or finished runs left behind, never a file a live run is writing.

- **Staging** (``staging_dir``): ``N.parquet`` / ``N.verdict.parquet`` of a batch that is
  finished (published, rejected, failed) are no longer needed; the hidden temporaries
  (``.N.parquet.<uuid>.utf8.csv``, ``.N.parquet.<uuid>.tmp``, ``.N.verdict.parquet.<uuid>.tmp``)
  are leftovers of a dead run. Swept per dataset, under its ingest lock: no run of that dataset
  can be writing them. Files of batches the catalog does not know are swept by the lake-wide
  :func:`sweep_orphans` only.
- **Raw-zone copies** (``raw_dir/.landing-<pid>-*.tmp``): a live landing holds an ``flock`` on its
  copy from creation to rename; one whose lock is free and whose process is gone belongs to a
  dead run.
- **Lake files**: Parquet files under the dataset's table folders that no DuckLake snapshot
  references (``ducklake_delete_orphaned_files`` in dry-run mode names them), swept under the
  dataset's lock, so a file another run is about to commit is never among them; local data paths
  only (an object store's lifecycle rules do that job there).
- **Serving indexes**: a half-built index (``.N.duckdb.<pid>.tmp``) of the dataset's table.
"""

from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Batch, BatchStatus, Dataset
from catalog.settings import Settings
from lakehouse.connection import LAKE
from lakehouse.land import LANDING_PREFIX
from lakehouse.serving import serving_path
from lakehouse.tables import QUARANTINE_SUFFIX

__all__ = ["sweep_dataset", "sweep_orphans", "sweep_raw"]

_STAGING = re.compile(r"^(\.)?(\d+)\.(?:verdict\.)?parquet(?:\..+)?$")
_FINISHED = {BatchStatus.PUBLISHED, BatchStatus.REJECTED, BatchStatus.FAILED}
_LANDING = re.compile(r"^\.landing-(\d+)-")


def _staging_files(settings: Settings) -> list[tuple[Path, bool, int]]:
    """(path, hidden temporary?, batch id) of every staging file."""
    folder = settings.staging_dir
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _STAGING.match(path.name)
        if match and path.is_file():
            found.append((path, match.group(1) == ".", int(match.group(2))))
    return found


def sweep_dataset(
    session: Session, settings: Settings, dataset: Dataset, con: duckdb.DuckDBPyConnection | None
) -> list[Path]:
    """Remove the dataset's leftovers; call under its ingest lock. Returns what was removed."""
    statuses: dict[int, BatchStatus] = {
        batch_id: status
        for batch_id, status in session.execute(
            select(Batch.id, Batch.status).where(Batch.dataset_id == dataset.id)
        )
    }
    removed: list[Path] = []
    for path, hidden, batch_id in _staging_files(settings):
        status = statuses.get(batch_id)
        if status is None:
            continue  # another dataset's batch (or one the catalog does not know)
        if hidden or status in _FINISHED:
            removed.append(_unlink(path))
    table = _table_name(dataset)
    for name in (table, table + QUARANTINE_SUFFIX):
        folder = serving_path(settings, name, 0).parent
        if folder.is_dir():
            removed.extend(_unlink(p) for p in folder.glob(".*.duckdb.*.tmp"))
    if con is not None:
        removed.extend(_lake_orphans(con, settings, (table, table + QUARANTINE_SUFFIX)))
    return removed


def sweep_orphans(session: Session, settings: Settings) -> list[Path]:
    """Staging files of batches the catalog does not know, and dead raw-zone copies."""
    known = set(session.scalars(select(Batch.id)))
    removed = [_unlink(p) for p, _, batch_id in _staging_files(settings) if batch_id not in known]
    return removed + sweep_raw(settings)


def sweep_raw(settings: Settings) -> list[Path]:
    """Raw-zone copies whose landing died: lock free, and the process that made it gone (the
    lock alone is free for an instant between a copy's creation and its lock)."""
    folder = settings.raw_dir
    if not folder.is_dir():
        return []
    removed = []
    for path in folder.glob(f"{LANDING_PREFIX}*.tmp"):
        owner = _LANDING.match(path.name)
        if owner is not None and _alive(int(owner.group(1))):
            continue
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a live landing is writing it
        finally:
            os.close(fd)
        removed.append(_unlink(path))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _table_name(dataset: Dataset) -> str:
    return dataset.code  # lake tables are named by the dataset code (DatasetContract.table_name)


def _lake_orphans(
    con: duckdb.DuckDBPyConnection, settings: Settings, tables: tuple[str, ...]
) -> list[Path]:
    data_path = settings.resolved_lake_data_path
    if "://" in data_path:
        return []
    folders = {(Path(data_path) / "main" / name).resolve() for name in tables}
    rows = con.execute(
        "SELECT * FROM ducklake_delete_orphaned_files(?, dry_run => true, cleanup_all => true)",
        [LAKE],
    ).fetchall()
    removed = []
    for (name,) in rows:
        path = Path(str(name))
        if path.resolve().parent in folders:
            removed.append(_unlink(path))
    return removed


def _unlink(path: Path) -> Path:
    path.unlink(missing_ok=True)
    return path
