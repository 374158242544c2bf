"""A dataset's inbox (``inbox_dir/<dataset code>/``): drop-in extracts waiting to be ingested,
and where each one goes once its batch has an outcome.

A scheduled run takes the oldest file waiting (``lakehouse.batch_facts.next_source``), and
when the run is over the file leaves the inbox (:func:`settle`), atomically (``os.replace``
within the dataset's folder): to ``done/`` when its batch was published (or its bytes had been
published before), to ``rejected/`` with ``<name>.reason.txt`` beside it when the batch was
rejected, malformed or failed. So the next run sees the next file, never the same one again.

A file is moved only once the raw zone holds its bytes (its batch's ``raw_path`` exists): the raw
zone is the record of what was delivered, and the inbox copy is then only a convenience. A file
whose batch is still on its way (a killed run left it ``landed`` … ``validated``) stays, so the
next run resumes that batch. A file named from outside the inbox (``zhongtai ingest``, a run's
``source`` parameter) is never moved.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from catalog.settings import Settings

__all__ = ["DONE", "REJECTED", "inbox_of", "settle"]

log = logging.getLogger(__name__)

DONE = "done"
REJECTED = "rejected"
_FINAL = {"published": DONE, "duplicate": DONE, "rejected": REJECTED, "failed": REJECTED}


def inbox_of(settings: Settings, dataset_code: str) -> Path:
    return settings.inbox_dir / dataset_code


def settle(
    settings: Settings,
    dataset_code: str,
    source: Path,
    *,
    status: str,
    batch_id: int,
    raw_path: Path,
    reason: str = "",
) -> Path | None:
    """Move ``source`` out of the inbox by its batch's final ``status`` (``published``,
    ``duplicate``, ``rejected``, ``failed``); where it went, or ``None`` when it stays (not in
    the inbox, already gone, batch unfinished, or its bytes not in the raw zone)."""
    folder = _FINAL.get(status)
    inbox = inbox_of(settings, dataset_code).resolve()
    source = source.resolve() if source.exists() else source
    if folder is None or source.parent != inbox or not source.is_file():
        return None
    if not raw_path.is_file():
        log.warning("%s stays in the inbox: batch %s has no raw copy", source.name, batch_id)
        return None
    target_dir = inbox / folder
    target_dir.mkdir(exist_ok=True)
    target = target_dir / source.name
    if target.exists() or (target_dir / f"{source.name}.reason.txt").exists():
        target = target_dir / f"batch-{batch_id}-{source.name}"  # the same name delivered again
    if folder == REJECTED:
        _write_atomically(
            target.with_name(f"{target.name}.reason.txt"),
            f"batch {batch_id}: {status}\n{reason}\n",
        )
    os.replace(source, target)
    return target


def _write_atomically(path: Path, text: str) -> None:
    handle, name = tempfile.mkstemp(prefix=".reason-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
