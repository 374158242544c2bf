"""The inbox watch: an event trigger (Airflow 3 ``AssetWatcher``) that fires when a dataset's
inbox has a settled file waiting, so a drop-in extract starts a run without waiting for the
dataset's cycle.

It runs in the triggerer, asynchronously (no worker slot is held, no busy loop): every
``poke_interval`` seconds it lists one folder, off the event loop. A file counts once it has not
changed for ``settle_seconds`` (a copy still being written is left alone), and an event fires
only when the set of waiting files changed since the last one, so a file that waits while its
run goes on does not start runs over and over. Airflow collapses the events that arrive while a
run is active into one next run; a run that finds nothing waiting skips.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

__all__ = ["InboxTrigger", "waiting_files"]


def waiting_files(directory: Path, settle_seconds: float, now: float) -> frozenset[str]:
    """Names of the files waiting in ``directory`` unchanged for ``settle_seconds``."""
    if not directory.is_dir():
        return frozenset()
    found = set()
    for path in directory.iterdir():
        if path.name.startswith(".") or not path.is_file():
            continue
        info = path.stat()
        if now - info.st_mtime >= settle_seconds:
            found.add(f"{path.name}:{info.st_size}:{info.st_mtime_ns}")
    return frozenset(found)


class InboxTrigger(BaseEventTrigger):
    def __init__(
        self, *, directory: str, poke_interval: float = 30.0, settle_seconds: float = 10.0
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.directory = directory
        self.poke_interval = poke_interval
        self.settle_seconds = settle_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "directory": self.directory,
                "poke_interval": self.poke_interval,
                "settle_seconds": self.settle_seconds,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        seen: frozenset[str] = frozenset()
        folder = Path(self.directory)
        while True:
            waiting = await asyncio.to_thread(
                waiting_files, folder, self.settle_seconds, time.time()
            )
            if waiting - seen:
                payload = {"directory": self.directory, "waiting": len(waiting)}
                yield TriggerEvent(payload)  # type: ignore[no-untyped-call]
            seen = waiting
            await asyncio.sleep(self.poke_interval)
