"""A scheduled ingest's inbox and lineage, through the steps the DAG calls: each landed file
leaves the inbox by its batch's outcome (``done/``, or ``rejected/`` with its reason), so the
next run takes the next file; every run leaves START and COMPLETE or FAIL in the lineage store,
valid against the OpenLineage specification; a lineage store that fails never fails the ingest."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from catalog.db import init_catalog
from catalog.models import Batch, BatchStatus, LineageEvent
from catalog.settings import Settings
from exchange_api.demo import DATASET, seed
from lakehouse import lineage_ingest, pipeline
from lakehouse.inbox import settle
from lakehouse.ingest_record import finish
from lakehouse.samples import write_social_insurance_extract
from tests.lineage_spec import problems

pytestmark = pytest.mark.slow


def _scheduled_run(settings: Settings) -> dict[str, Any]:
    """What the DAG's tasks do, in order, for the file waiting next."""
    source = pipeline.next_source(settings, DATASET)
    assert source is not None
    landed = pipeline.land_step(settings, DATASET, source)
    if not landed["duplicate"]:
        pipeline.advance(settings, DATASET, int(landed["batch_id"]))
    return finish(settings, pipeline.sessions(settings), DATASET, landed)


@pytest.fixture
def inbox(settings: Settings) -> Path:
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        seed(session)
        session.commit()
    sessions.kw["bind"].dispose()
    folder = settings.inbox_dir / DATASET
    folder.mkdir(parents=True)
    return folder


def test_each_run_takes_the_next_file_and_moves_it_out(settings: Settings, inbox: Path) -> None:
    good = inbox / "社保_2026-09.csv"
    write_social_insurance_extract(good, rows=30, defects=False, month="2026-09")
    empty = inbox / "社保_空.csv"
    empty.write_bytes(b"")
    again = inbox / "社保_2026-09_重发.csv"
    again.write_bytes(good.read_bytes())  # the same bytes, delivered again
    for n, path in enumerate((good, empty, again)):
        os.utime(path, (1_700_000_000 + n, 1_700_000_000 + n))

    outcomes = [_scheduled_run(settings)["status"] for _ in range(3)]

    assert outcomes == ["published", "rejected", "duplicate"]
    assert pipeline.next_source(settings, DATASET) is None
    assert sorted(p.name for p in (inbox / "done").iterdir()) == sorted([again.name, good.name])
    rejected = inbox / "rejected"
    assert sorted(p.name for p in rejected.iterdir()) == [empty.name, f"{empty.name}.reason.txt"]
    assert "source." in (rejected / f"{empty.name}.reason.txt").read_text(encoding="utf-8")
    with pipeline.sessions(settings)() as session:
        batches = session.scalars(select(Batch).order_by(Batch.id)).all()
        for batch in batches:  # the raw zone kept every byte that left the inbox
            assert Path(batch.raw_path).is_file()
        events = session.scalars(select(LineageEvent).order_by(LineageEvent.id)).all()
    assert [b.status for b in batches] == [BatchStatus.PUBLISHED, BatchStatus.REJECTED]
    assert [(e.event_type, e.payload["run"]["runId"]) for e in events] == [
        ("START", events[0].run_id),
        ("COMPLETE", events[0].run_id),
        ("START", events[2].run_id),
        ("FAIL", events[2].run_id),
    ]
    assert events[0].run_id != events[2].run_id
    complete = events[1].payload["outputs"][0]
    assert complete["outputFacets"]["outputStatistics"]["rowCount"] == 30
    assert complete["facets"]["version"]["datasetVersion"] == str(batches[0].snapshot_id)
    assert events[1].payload["inputs"][0]["facets"]["version"]["datasetVersion"] == (
        batches[0].source_sha256
    )
    assert "errorMessage" in events[3].payload["run"]["facets"]
    for event in events:
        assert problems(event.payload) == []


def test_a_file_outside_the_inbox_or_unfinished_stays(settings: Settings, inbox: Path) -> None:
    outside = settings.var_dir / "elsewhere.csv"
    outside.write_text("x", encoding="utf-8")
    raw = settings.var_dir / "raw.csv"
    raw.write_text("x", encoding="utf-8")
    kept = settle(settings, DATASET, outside, status="published", batch_id=1, raw_path=raw)
    assert kept is None and outside.is_file()
    waiting = inbox / "a.csv"
    waiting.write_text("x", encoding="utf-8")
    for status in ("landed", "validated"):
        assert settle(settings, DATASET, waiting, status=status, batch_id=1, raw_path=raw) is None
    gone = settings.var_dir / "gone.csv"  # no raw copy: the inbox keeps the only one
    assert settle(settings, DATASET, waiting, status="published", batch_id=1, raw_path=gone) is None
    assert waiting.is_file()
    # The same name delivered again after an earlier one was rejected: both kept, apart.
    first = settle(settings, DATASET, waiting, status="failed", batch_id=1, raw_path=raw)
    waiting.write_text("y", encoding="utf-8")
    second = settle(settings, DATASET, waiting, status="rejected", batch_id=2, raw_path=raw)
    assert first is not None and second is not None and first != second
    assert first.read_text(encoding="utf-8") == "x" and second.read_text(encoding="utf-8") == "y"
    assert second.with_name(f"{second.name}.reason.txt").is_file()


def test_a_lineage_store_that_fails_never_fails_the_ingest(
    settings: Settings,
    inbox: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("lineage store is down")

    monkeypatch.setattr(lineage_ingest, "lineage_client", broken)
    extract = inbox / "社保_2026-10.csv"
    write_social_insurance_extract(extract, rows=20, defects=False)
    with caplog.at_level(logging.ERROR, logger="lakehouse.lineage_ingest"):
        summary = pipeline.run_batch(settings, DATASET, extract)
    assert summary.outcome == "published"
    assert [r.message for r in caplog.records] == [
        f"lineage: START event of {DATASET} batch {summary.batch_id} not recorded",
        f"lineage: COMPLETE event of {DATASET} batch {summary.batch_id} not recorded",
    ]
