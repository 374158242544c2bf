"""Fault points for the crash test: where an ingest may be made to die, in test settings only.

``ZHONGTAI_INGEST_FAULT_POINTS`` (refused by the settings unless ``ZHONGTAI_ENVIRONMENT=test``)
names points of :data:`POINTS`; reaching one kills the process with SIGKILL — no clean-up, no
``finally``, exactly like the kernel's OOM killer or a pulled plug. ``sleep:SECONDS`` instead
pauses at every point, so a test that kills the process from outside at a random moment hits
each step's window with a known chance. With the setting empty (always, outside tests),
:func:`fault` is one string comparison.

The points are the pipeline's step boundaries, so :func:`fault` also tells the progress reporter
(:func:`lakehouse.progress.boundary`: one context-variable look-up when no one is watching) that
a step has finished and the next begins.
"""

from __future__ import annotations

import os
import signal
import time

from catalog.settings import Settings
from lakehouse.progress import boundary

__all__ = ["POINTS", "fault"]

POINTS = (
    "landed",  # the batch row is committed, nothing else done
    "standardized",  # the staging Parquet is written and committed
    "validated",  # the report and verdict are committed
    "intent",  # the publish intent is committed, the lake not yet touched
    "lake_committed",  # the DuckLake snapshot exists, the catalog does not know it yet
    "catalog_committed",  # the catalog, report binding and audit event are committed
)


def fault(settings: Settings, point: str) -> None:
    """Die (or pause) here if the test settings ask for it."""
    boundary(point)
    wanted = settings.ingest_fault_points
    if not wanted or settings.environment != "test":
        return
    for item in wanted.split(","):
        item = item.strip()
        if item.startswith("sleep:"):
            time.sleep(float(item.removeprefix("sleep:")))
        elif item == point:
            os.kill(os.getpid(), signal.SIGKILL)
