"""The inbox watch fires once for each new settled file, not for a copy still being written nor
again for a file that waits while its run goes on, and serialises for the triggerer."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.airflow


def test_the_watch_fires_once_per_new_settled_file(airflow_home: Path, tmp_path: Path) -> None:
    from dags.inbox_watch import InboxTrigger, waiting_files

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    old = inbox / "社保_2026-10.csv"
    old.write_text("a", encoding="utf-8")
    os.utime(old, (time.time() - 60, time.time() - 60))
    (inbox / "writing.csv").write_text("b", encoding="utf-8")  # changed just now
    (inbox / ".landing.tmp").write_text("c", encoding="utf-8")
    (inbox / "done").mkdir()
    assert [n.split(":")[0] for n in waiting_files(inbox, 10, time.time())] == [old.name]

    trigger = InboxTrigger(directory=str(inbox), poke_interval=0.05, settle_seconds=10)
    assert trigger.serialize() == (
        "dags.inbox_watch.InboxTrigger",
        {"directory": str(inbox), "poke_interval": 0.05, "settle_seconds": 10},
    )

    async def events(trigger: InboxTrigger, polls: float) -> list[object]:
        seen: list[object] = []

        async def collect() -> None:
            async for event in trigger.run():
                seen.append(event.payload)

        try:
            await asyncio.wait_for(collect(), timeout=polls)
        except TimeoutError:
            pass
        return seen

    assert asyncio.run(events(trigger, 0.3)) == [{"directory": str(inbox), "waiting": 1}]
    (tmp_path / "empty").mkdir()
    empty = InboxTrigger(directory=str(tmp_path / "empty"), poke_interval=0.05)
    assert asyncio.run(events(empty, 0.2)) == []
