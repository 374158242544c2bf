"""Progress of one batch through its stages, reported to whoever is watching (or to no one).

A :class:`Reporter` hears when a stage starts (``land``, ``standardise``, ``validate``,
``publish``) and, while a long DuckDB statement runs, how far it has got. The current reporter
lives in a context variable: ``zhongtai ingest`` sets one with :func:`reporting`; the DAGs and
the tests set none, and then every call here is a no-op costing one variable look-up.

Whoever starts a run reports its first stage (:func:`stage_started`: ``zhongtai ingest`` starts
``land``); each later one starts at a step boundary, where the pipeline passes the crash test's
fault points (``lakehouse.faults``: ``landed`` → standardise, ``standardized`` → validate,
``validated`` → publish), so the pipeline's code needs no line of its own for it. The code that
runs a big ``COPY`` or ``INSERT`` wraps it in :func:`watching`, which polls
``con.query_progress()`` from a background thread a few times a second (DuckDB releases the GIL
while it works) and passes the percentage on, with bytes done when the caller knows the
statement's input size.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol

import duckdb

__all__ = [
    "NEXT_STAGE",
    "STAGES",
    "Reporter",
    "StageClock",
    "boundary",
    "current",
    "reporting",
    "stage_started",
    "watching",
]

STAGES = ("land", "standardise", "validate", "publish")
NEXT_STAGE = {"landed": "standardise", "standardized": "validate", "validated": "publish"}
"""The stage that begins at each step boundary (``lakehouse.faults.POINTS``)."""


class Reporter(Protocol):
    """What a progress display implements."""

    def stage(self, name: str, *, total_bytes: int | None = None) -> None:
        """Stage ``name`` starts now (and the one before it, if any, has ended)."""

    def advance(
        self,
        name: str,
        percent: float,
        *,
        done_bytes: int | None = None,
        done_rows: int | None = None,
    ) -> None:
        """Stage ``name`` is ``percent`` (0–100) done; bytes and rows of its input, if known."""


_current: ContextVar[Reporter | None] = ContextVar("zhongtai_progress", default=None)


def current() -> Reporter | None:
    return _current.get()


@contextmanager
def reporting(reporter: Reporter) -> Iterator[Reporter]:
    """Make ``reporter`` the current one for the ``with`` block (this thread's context)."""
    token = _current.set(reporter)
    try:
        yield reporter
    finally:
        _current.reset(token)


def stage_started(name: str, *, total_bytes: int | None = None) -> None:
    reporter = _current.get()
    if reporter is not None:
        reporter.stage(name, total_bytes=total_bytes)


def boundary(point: str) -> None:
    """The pipeline passed step boundary ``point``: start the stage that follows it, if any."""
    reporter = _current.get()
    if reporter is not None and point in NEXT_STAGE:
        reporter.stage(NEXT_STAGE[point])


@dataclass
class StageClock:
    """A reporter that only keeps time: seconds per stage, in the order they ran. Progress
    displays build on it; :meth:`finish` closes the last stage."""

    seconds: dict[str, float] = field(default_factory=dict)
    _running: str | None = None
    _since: float = 0.0

    def stage(self, name: str, *, total_bytes: int | None = None) -> None:
        now = time.perf_counter()
        self._close(now)
        self._running, self._since = name, now

    def advance(
        self,
        name: str,
        percent: float,
        *,
        done_bytes: int | None = None,
        done_rows: int | None = None,
    ) -> None:
        return None

    def finish(self) -> None:
        self._close(time.perf_counter())
        self._running = None

    def _close(self, now: float) -> None:
        if self._running is not None:
            previous = self.seconds.get(self._running, 0.0)
            self.seconds[self._running] = previous + now - self._since


@contextmanager
def watching(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    total_bytes: int | None = None,
    *,
    total_rows: int | None = None,
    interval: float = 0.25,
) -> Iterator[None]:
    """While the ``with`` block runs statements on ``con``, report their progress to the current
    reporter every ``interval`` seconds; nothing at all when there is no reporter. Bytes and rows
    done are estimated from the percentage when ``total_bytes`` / ``total_rows`` are given."""
    reporter = _current.get()
    if reporter is None:
        yield
        return
    # query_progress() answers -1 unless progress is tracked; print nothing, track at once.
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    con.execute("SET progress_bar_time = 0")
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(interval):
            try:
                percent = con.query_progress()
            except duckdb.Error:  # the connection is between statements or closing
                continue
            if percent >= 0:
                share = min(percent, 100.0) / 100
                reporter.advance(
                    stage,
                    share * 100,
                    done_bytes=None if total_bytes is None else int(total_bytes * share),
                    done_rows=None if total_rows is None else int(total_rows * share),
                )

    watcher = threading.Thread(target=poll, name=f"progress-{stage}", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()
        try:
            con.execute("SET enable_progress_bar = false")
        except duckdb.Error:
            pass  # the block closed the connection; nothing to restore
