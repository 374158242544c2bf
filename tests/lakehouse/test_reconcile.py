"""Publishing is one act: a run killed between the lake and the catalog commits leaves nothing a
reader or auditor can see, and ``zhongtai lake reconcile`` (or the next run) finishes it — or
rolls back rows the catalog refused — from DuckLake's ``snapshots()``. Leftovers are swept, never
a live run's files. Ingests of one dataset are serialised, of different datasets not."""

from __future__ import annotations

import fcntl
import os
import subprocess
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalog.models import Batch, BatchStatus
from exchange_api.cli import app
from lakehouse import faults, pipeline
from lakehouse.locks import DatasetBusy, dataset_lock
from lakehouse.samples import write_social_insurance_extract
from tests.lakehouse.batch_life_world import SOCIAL, World, files_under
from tests.lakehouse.batch_life_world import world as world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow


class Killed(BaseException):
    """Stands in for SIGKILL in-process: nothing catches it, no clean-up runs in the pipeline."""


def _die_at(monkeypatch: pytest.MonkeyPatch, point: str) -> None:
    def fault(_settings: object, reached: str) -> None:
        if reached == point:
            raise Killed(point)

    for module in ("lakehouse.publish", "lakehouse.pipeline"):
        monkeypatch.setattr(f"{module}.fault", fault)


def _extract(tmp_path: Path, name: str, month: str = "2026-10", rows: int = 50) -> Path:
    path = tmp_path / name
    write_social_insurance_extract(path, rows=rows, defects=False, month=month)
    return path


def _crash_after_lake_commit(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str = "a.csv"
) -> tuple[Path, int]:
    source = _extract(tmp_path, name)
    _die_at(monkeypatch, "lake_committed")
    with pytest.raises(Killed):
        pipeline.run_batch(world.settings, SOCIAL, source)
    monkeypatch.undo()
    (batch,) = [b for b in world.batches() if b.source_name == name]
    return source, batch.id


def test_killed_after_the_lake_commit_nothing_is_visible_until_reconcile_finishes_it(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, batch_id = _crash_after_lake_commit(world, tmp_path, monkeypatch)

    stuck = world.batch(batch_id)
    assert stuck.status is BatchStatus.VALIDATED and stuck.publish_started_at is not None
    snapshot = world.lake_publishes()[batch_id]  # the lake has it …
    assert world.current_snapshot() is None  # … no reader is served it …
    assert world.events("batch.published") == []  # … and the audit log never saw it
    assert world.report_snapshot(batch_id) is None

    result = CliRunner().invoke(app, ["lake", "reconcile"])
    assert result.exit_code == 0, result.output
    done = world.batch(batch_id)
    assert (done.status, done.snapshot_id, done.rows_published) == (
        BatchStatus.PUBLISHED,
        snapshot,
        50,
    )
    assert world.current_snapshot() == snapshot == world.report_snapshot(batch_id)
    (event,) = world.events("batch.published")
    assert event.detail["snapshot_id"] == snapshot
    again = pipeline.run_batch(world.settings, SOCIAL, source)
    assert again.outcome == "duplicate"
    assert world.lake_rows(world.current_snapshot()) == [(batch_id, 50)]


def test_the_next_run_finishes_an_interrupted_publish_before_publishing_its_own(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, first = _crash_after_lake_commit(world, tmp_path, monkeypatch)
    second = pipeline.run_batch(
        world.settings, SOCIAL, _extract(tmp_path, "b.csv", month="2026-11")
    )
    assert second.outcome == "published"
    assert world.batch(first).status is BatchStatus.PUBLISHED
    published = {e.detail["batch_id"] for e in world.events("batch.published")}
    assert published == {first, second.batch_id}
    # every row a reader is served belongs to a batch the catalog and the audit log published
    assert {b for b, _ in world.lake_rows(world.current_snapshot())} <= published


def test_rows_of_a_batch_the_catalog_refused_are_rolled_back(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, batch_id = _crash_after_lake_commit(world, tmp_path, monkeypatch)
    with world.sessions() as session:  # e.g. an operator gave up on it, or older code ran
        batch = session.get_one(Batch, batch_id)
        batch.status, batch.error = BatchStatus.FAILED, "given up"
        session.commit()

    outcome = pipeline.recover(world.settings, SOCIAL)
    assert outcome.rolled_back == (batch_id,) and outcome.agreed
    assert world.lake_rows() == []
    (event,) = world.events("batch.rolled_back")
    assert event.detail["rows_removed"] == 50
    assert world.current_snapshot() is None
    assert pipeline.recover(world.settings, SOCIAL).rolled_back == ()  # once only


def test_killed_after_the_intent_the_rerun_publishes_once(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _extract(tmp_path, "a.csv")
    _die_at(monkeypatch, "intent")
    with pytest.raises(Killed):
        pipeline.run_batch(world.settings, SOCIAL, source)
    monkeypatch.undo()
    assert world.lake_publishes() == {}

    summary = pipeline.run_batch(world.settings, SOCIAL, source)
    assert (summary.outcome, summary.resumed) == ("published", True)
    assert world.lake_rows() == [(summary.batch_id, 50)]
    assert len(world.events("batch.published")) == 1


@pytest.mark.embedded_only(
    reason="lakehouse.sweep skips orphaned lake files on an s3:// data path (it lists and "
    "unlinks local files only); on the object store they stay until swept another way"
)
def test_leftovers_are_swept_but_not_a_live_landing(world: World, tmp_path: Path) -> None:
    settings = world.settings
    published = pipeline.run_batch(settings, SOCIAL, _extract(tmp_path, "a.csv"))
    n = published.batch_id
    staging = settings.staging_dir
    leftovers = [
        staging / f".{n}.parquet.0123abcd.utf8.csv",
        staging / f".{n}.parquet.0123abcd.tmp",
        staging / f".{n}.verdict.parquet.0123abcd.tmp",
        staging / "999.parquet",  # a batch the catalog does not know
        Path(settings.resolved_lake_data_path) / "main" / SOCIAL / "ducklake-orphan.parquet",
    ]
    dead = settings.raw_dir / ".landing-dead.tmp"
    gone = settings.raw_dir / f".landing-{_dead_pid()}-abc.tmp"  # its process is gone
    live = settings.raw_dir / ".landing-live.tmp"
    mine = settings.raw_dir / f".landing-{os.getpid()}-abc.tmp"  # a live process, not locked yet
    for path in [*leftovers, dead, gone, live, mine]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PAR1")
    with live.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # a landing still writing it
        result = CliRunner().invoke(app, ["lake", "reconcile", "--json"])
        assert result.exit_code == 0, result.output

    assert [p for p in leftovers if p.exists()] == []
    assert not dead.exists() and not gone.exists()
    assert live.exists() and mine.exists()
    assert files_under(staging) == []  # the published batch's own files went too
    assert world.lake_rows() == [(n, 50)]  # nothing the lake references was touched


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_one_dataset_at_a_time_and_different_datasets_side_by_side(world: World) -> None:
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with dataset_lock(world.settings, SOCIAL):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        with pytest.raises(DatasetBusy):
            with dataset_lock(world.settings, SOCIAL, wait=False):
                pass
        with dataset_lock(world.settings, "gaj_household_registration", wait=False):
            pass  # another dataset is not held up
        busy = CliRunner().invoke(app, ["lake", "reconcile"])
        assert busy.exit_code == 1 and "busy" in busy.output
    finally:
        release.set()
        holder.join()
    with dataset_lock(world.settings, SOCIAL, wait=False):
        pass


def test_fault_points_only_in_test_settings() -> None:
    assert set(faults.POINTS) == {
        "landed",
        "standardized",
        "validated",
        "intent",
        "lake_committed",
        "catalog_committed",
    }
    from catalog.settings import Settings

    with pytest.raises(ValueError, match="test environment only"):
        Settings(environment="development", ingest_fault_points="intent")
