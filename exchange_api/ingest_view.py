"""What ``zhongtai ingest`` shows: a progress bar per stage on a terminal, and the summary.

:class:`TerminalProgress` is a :class:`lakehouse.progress.Reporter` drawing one rich bar per
stage (percentage, rows and MB/s where known) on standard error; :func:`summary_table` and
:func:`summary_record` are the final summary for people and for scripts (``--json``).
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from lakehouse.progress import STAGES, StageClock

if TYPE_CHECKING:
    from lakehouse.pipeline import BatchSummary

__all__ = ["TerminalProgress", "summary_record", "summary_table"]

_MB = 1_000_000


class TerminalProgress(StageClock):
    """One bar per stage on ``console``; ``source_bytes`` sizes the land stage's MB/s and stands
    in for a statement's input size when the caller does not give one."""

    def __init__(self, console: Console, source_bytes: int | None = None) -> None:
        super().__init__()
        self.source_bytes = source_bytes
        self.bars = Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<12}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self._tasks: dict[str, TaskID] = {}
        self._started: dict[str, float] = {}

    def __enter__(self) -> TerminalProgress:
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()
        self.bars.stop()

    def stage(self, name: str, *, total_bytes: int | None = None) -> None:
        previous = self._running
        super().stage(name, total_bytes=total_bytes)
        if previous is not None and previous in self._tasks:
            self.bars.update(self._tasks[previous], completed=100)
        if name not in self._tasks:
            self._tasks[name] = self.bars.add_task(name, total=100, rate="")
            self._started[name] = time.perf_counter()

    def advance(
        self,
        name: str,
        percent: float,
        *,
        done_bytes: int | None = None,
        done_rows: int | None = None,
    ) -> None:
        task = self._tasks.get(name)
        if task is None:
            return
        if done_bytes is None and self.source_bytes is not None:
            done_bytes = int(self.source_bytes * percent / 100)
        elapsed = max(time.perf_counter() - self._started[name], 1e-6)
        parts = [] if done_rows is None else [f"{done_rows:,} rows"]
        if done_bytes is not None:
            parts.append(f"{done_bytes / _MB / elapsed:.1f} MB/s")
        self.bars.update(task, completed=percent, rate=" · ".join(parts))

    def finish(self) -> None:
        if self._running is not None and self._running in self._tasks:
            self.bars.update(self._tasks[self._running], completed=100)
        super().finish()


def summary_record(
    summary: BatchSummary, seconds: dict[str, float], source_name: str
) -> dict[str, Any]:
    """The summary for scripts: the batch summary's fields (as before ``--json`` existed), plus
    the user's file name and seconds per stage."""
    return {
        **asdict(summary),
        "source": source_name,
        "stages_s": {k: round(v, 3) for k, v in seconds.items()},
    }


def summary_table(summary: BatchSummary, seconds: dict[str, float], source_name: str) -> Table:
    colour = {"published": "green", "duplicate": "yellow"}.get(summary.outcome, "red")
    table = Table(title=escape(f"{summary.dataset} · {source_name}"), show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    rows: list[tuple[str, str]] = [
        ("batch", f"#{summary.batch_id}"),
        ("outcome", f"[{colour}]{summary.outcome}[/{colour}] (exit {summary.exit_code})"),
        ("rows in", _count(summary.rows_in)),
        ("published", _count(summary.rows_published)),
        ("quarantined", _count(summary.rows_quarantined)),
        ("snapshot", "—" if summary.snapshot_id is None else str(summary.snapshot_id)),
    ]
    if summary.resumed or summary.retry_of is not None:
        rows.append(("resumed", "yes" if summary.resumed else f"retry of #{summary.retry_of}"))
    for stage in (*STAGES, *(s for s in seconds if s not in STAGES)):
        if stage in seconds:
            rows.append((f"{stage} s", f"{seconds[stage]:.2f}"))
    if summary.reason:
        rows.append(("reason", summary.reason))
    for label, value in rows:
        table.add_row(label, value)
    return table


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"
