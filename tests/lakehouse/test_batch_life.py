"""The batch life cycle, on the SQLite and the PostgreSQL catalog: a failed publish is recorded, a
refused batch can be delivered again, a published one cannot, ``zhongtai ingest`` exits with the
outcome's code, and a batch a run left half-way resumes from its last finished step."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalog.models import BatchStatus
from catalog.settings import Settings
from exchange_api.cli import app
from lakehouse import pipeline
from lakehouse.errors import PublishError
from lakehouse.samples import write_social_insurance_extract
from tests.lakehouse.batch_life_world import SOCIAL, World, files_under
from tests.lakehouse.batch_life_world import world as world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow


def _extract(tmp_path: Path, name: str = "社保_2026-10.csv", **kw: object) -> Path:
    path = tmp_path / name
    write_social_insurance_extract(path, rows=int(kw.pop("rows", 60)), **kw)  # type: ignore[arg-type]
    return path


def _unwritable(settings: Settings, tmp_path: Path) -> Settings:
    """The same settings with the lake's data path on a regular file: every write fails."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    return settings.model_copy(update={"lake_data_path": str(blocker / "data")})


def test_a_failed_publish_is_recorded_failed_and_its_bytes_run_again(
    world: World, tmp_path: Path
) -> None:
    source = _extract(tmp_path, defects=False)
    landed = pipeline.land_step(world.settings, SOCIAL, source)
    batch_id = int(landed["batch_id"])
    pipeline.standardize_step(world.settings, SOCIAL, batch_id)
    checked = pipeline.validate_step(world.settings, SOCIAL, batch_id)

    with pytest.raises(PublishError):
        pipeline.publish_step(
            _unwritable(world.settings, tmp_path),
            SOCIAL,
            batch_id,
            checked["decision"],
            checked["verdict_path"],
        )
    failed = world.batch(batch_id)  # read back through a new session: committed
    assert failed.status is BatchStatus.FAILED
    assert "NotADirectoryError" in failed.error or "not published" in failed.error
    assert failed.publish_started_at is None

    again = pipeline.run_batch(world.settings, SOCIAL, source)
    assert (again.outcome, again.retry_of, again.exit_code) == ("published", batch_id, 0)
    assert again.batch_id != batch_id
    assert world.batch(batch_id).status is BatchStatus.FAILED  # kept on record
    assert world.lake_rows() == [(again.batch_id, 60)]
    assert (world.batch(again.batch_id).encoding, world.batch(again.batch_id).source_kind) == (
        "gbk",
        "csv",
    )


def test_a_rejected_batch_runs_again_and_a_published_one_is_a_no_op(
    world: World, tmp_path: Path
) -> None:
    bad = _extract(tmp_path, "bad.csv", rows=40)  # its defects are over the 5 % threshold
    first = pipeline.run_batch(world.settings, SOCIAL, bad)
    assert (first.outcome, first.exit_code) == ("rejected", 4)

    retried = pipeline.run_batch(world.settings, SOCIAL, bad)
    assert retried.batch_id != first.batch_id and retried.retry_of == first.batch_id
    assert retried.outcome == "rejected"  # the contract did not change: rejected again
    assert world.batch(first.batch_id).status is BatchStatus.REJECTED

    good = _extract(tmp_path, "good.csv", defects=False)
    published = pipeline.run_batch(world.settings, SOCIAL, good)
    assert published.outcome == "published"
    events = len(world.events("batch.published"))
    again = pipeline.run_batch(world.settings, SOCIAL, good)
    assert (again.outcome, again.duplicate, again.batch_id, again.exit_code) == (
        "duplicate",
        True,
        published.batch_id,
        3,
    )
    assert "published before" in again.reason
    assert len(world.events("batch.published")) == events
    assert world.lake_rows() == [(published.batch_id, 60)]


@pytest.mark.parametrize("stop_after", ["landed", "standardized", "validated"])
def test_a_batch_left_half_way_resumes_when_delivered_again(
    world: World, tmp_path: Path, stop_after: str
) -> None:
    source = _extract(tmp_path, defects=False)
    batch_id = int(pipeline.land_step(world.settings, SOCIAL, source)["batch_id"])
    if stop_after != "landed":
        pipeline.standardize_step(world.settings, SOCIAL, batch_id)
    if stop_after == "validated":
        pipeline.validate_step(world.settings, SOCIAL, batch_id)
    assert world.batch(batch_id).status.value == stop_after

    summary = pipeline.run_batch(world.settings, SOCIAL, source)
    assert (summary.outcome, summary.batch_id, summary.resumed) == ("published", batch_id, True)
    assert world.lake_rows() == [(batch_id, 60)]
    assert len(world.events("batch.published")) == 1
    assert world.report_snapshot(batch_id) == summary.snapshot_id == world.current_snapshot()
    assert files_under(world.settings.staging_dir) == [] or all(
        p.name.startswith(f"{batch_id}.") for p in files_under(world.settings.staging_dir)
    )


def test_resume_by_batch_id(world: World, tmp_path: Path) -> None:
    source = _extract(tmp_path, defects=False)
    batch_id = int(pipeline.land_step(world.settings, SOCIAL, source)["batch_id"])
    pipeline.standardize_step(world.settings, SOCIAL, batch_id)

    with pytest.raises(PublishError) as refused:
        pipeline.resume_batch(world.settings, batch_id, dataset_code="gaj_other")
    assert refused.value.code == "batch.contract_mismatch"
    summary = pipeline.resume_batch(world.settings, batch_id, dataset_code=SOCIAL)
    assert (summary.outcome, summary.batch_id, summary.resumed) == ("published", batch_id, True)
    finished = pipeline.resume_batch(world.settings, batch_id)  # nothing left to do
    assert (finished.outcome, finished.snapshot_id) == ("published", summary.snapshot_id)
    assert len(world.events("batch.published")) == 1


def test_ingest_exits_with_the_outcomes_code(world: World, tmp_path: Path) -> None:
    runner = CliRunner()
    good = _extract(tmp_path, "good.csv", defects=False)
    bad = _extract(tmp_path, "bad.csv", rows=40)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")

    assert runner.invoke(app, ["ingest", SOCIAL, str(good)]).exit_code == 0
    duplicate = runner.invoke(app, ["ingest", SOCIAL, str(good)])
    assert duplicate.exit_code == 3, duplicate.output
    assert runner.invoke(app, ["ingest", SOCIAL, str(bad)]).exit_code == 4
    malformed = runner.invoke(app, ["ingest", SOCIAL, str(empty)])
    assert malformed.exit_code == 5, malformed.output
    assert runner.invoke(app, ["ingest", SOCIAL, str(tmp_path / "missing.csv")]).exit_code == 2
    assert runner.invoke(app, ["ingest", SOCIAL]).exit_code == 2

    stuck = _extract(tmp_path, "stuck.csv", defects=False, month="2026-11")
    batch_id = int(pipeline.land_step(world.settings, SOCIAL, stuck)["batch_id"])
    resumed = runner.invoke(app, ["ingest", SOCIAL, "--resume", str(batch_id)])
    assert resumed.exit_code == 0, resumed.output
    assert world.batch(batch_id).status is BatchStatus.PUBLISHED
