"""One batch end to end: land → standardise → validate → publish (or reject).

Each step is a function of (settings, dataset code, ids or paths) that opens what it needs, does
one thing, commits, and returns a small JSON-able dict, so an Airflow task can call it in a few
lines and pass only ids and paths to the next task. ``run_batch`` runs all four in this process;
the CLI and the tests use it, the DAGs call the steps one by one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from catalog.datasets import get_dataset
from catalog.db import make_engine, make_sessionmaker
from catalog.models import Batch, BatchStatus, QualityDecision, utcnow
from catalog.settings import Settings
from lakehouse.connection import connect, quote_ident
from lakehouse.errors import LakehouseError, MalformedSource
from lakehouse.land import land
from lakehouse.publish import publish, reject
from lakehouse.standardize import standardize
from quality import save_report, validate, write_verdict
from schemas import load_contract

StepResult = dict[str, Any]


@lru_cache(maxsize=4)
def _sessions(url: str) -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(url))


def sessions(settings: Settings) -> sessionmaker[Session]:
    return _sessions(settings.resolved_catalog_url)


def _batch(session: Session, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise LakehouseError(f"batch {batch_id} does not exist")
    return batch


def next_source(settings: Settings, dataset_code: str) -> Path | None:
    """The oldest file waiting in the dataset's inbox folder, if any."""
    inbox = settings.inbox_dir / dataset_code
    if not inbox.is_dir():
        return None
    files = sorted(
        (p for p in inbox.iterdir() if p.is_file()), key=lambda p: (p.stat().st_mtime, p.name)
    )
    return files[0] if files else None


def land_step(
    settings: Settings, dataset_code: str, source: Path, *, now: dt.datetime | None = None
) -> StepResult:
    with sessions(settings)() as session:
        dataset = get_dataset(session, dataset_code)
        landing = land(session, settings, dataset, source, now=now)
        session.commit()
    return {
        "dataset": dataset_code,
        "source": str(source),
        **asdict(landing),
        "raw_path": str(landing.raw_path),
    }


def standardize_step(settings: Settings, dataset_code: str, batch_id: int) -> StepResult:
    contract = load_contract(dataset_code)
    with sessions(settings)() as session:
        batch = _batch(session, batch_id)
        if batch.status is not BatchStatus.LANDED:
            return {"batch_id": batch_id, "status": batch.status.value, "skipped": True}
        try:
            staged = standardize(settings, contract, batch_id, Path(batch.raw_path))
        except MalformedSource as exc:
            reject(session, batch_id, f"{exc.code}: {exc}")
            session.commit()
            return {"batch_id": batch_id, "status": BatchStatus.REJECTED.value, "reason": str(exc)}
        batch.staging_path = str(staged.staging_path)
        batch.rows_in = staged.rows_in
        batch.status = BatchStatus.STANDARDIZED
        session.commit()
    return {"batch_id": batch_id, "status": "standardized", "rows_in": staged.rows_in}


def validate_step(settings: Settings, dataset_code: str, batch_id: int) -> StepResult:
    contract = load_contract(dataset_code)
    with sessions(settings)() as session:
        batch = _batch(session, batch_id)
        if batch.status is not BatchStatus.STANDARDIZED:
            return {"batch_id": batch_id, "status": batch.status.value, "skipped": True}
        staging = Path(batch.staging_path)
        verdict_path = staging.with_suffix(".verdict.parquet")
        with connect(settings, lake=False) as con:
            literal = str(staging).replace("'", "''")
            con.execute(
                f"CREATE TABLE {quote_ident('staged')} AS SELECT * FROM read_parquet('{literal}')"
            )
            outcome = validate(con, "staged", contract, batch_id=batch_id)
            write_verdict(con, outcome, verdict_path)
        save_report(session, batch, outcome)
        batch.status = BatchStatus.VALIDATED
        session.commit()
    return {
        "batch_id": batch_id,
        "status": "validated",
        "decision": outcome.decision.value,
        "rows_in": outcome.rows_in,
        "rows_quarantined": outcome.rows_quarantined,
        "score": outcome.score,
        "verdict_path": str(verdict_path),
    }


def publish_step(
    settings: Settings, dataset_code: str, batch_id: int, decision: str, verdict_path: str | None
) -> StepResult:
    contract = load_contract(dataset_code)
    with sessions(settings)() as session:
        batch = _batch(session, batch_id)
        if batch.status is not BatchStatus.VALIDATED:
            return {"batch_id": batch_id, "status": batch.status.value, "skipped": True}
        if QualityDecision(decision) is QualityDecision.REJECT:
            reject(session, batch_id, "quality: failure ratio above the contract's threshold")
            session.commit()
            return {"batch_id": batch_id, "status": BatchStatus.REJECTED.value}
        published = publish(
            session,
            settings,
            contract,
            batch_id,
            Path(batch.staging_path),
            Path(verdict_path) if verdict_path else None,
        )
        session.commit()
    return {"batch_id": batch_id, "status": "published", **asdict(published)}


@dataclass(frozen=True, slots=True)
class BatchSummary:
    dataset: str
    batch_id: int
    duplicate: bool
    status: str
    rows_in: int | None = None
    rows_published: int | None = None
    rows_quarantined: int | None = None
    snapshot_id: int | None = None
    decision: str | None = None
    reason: str = ""


def run_batch(settings: Settings, dataset_code: str, source: Path) -> BatchSummary:
    """Carry one source file through every step in this process."""
    landed = land_step(settings, dataset_code, source, now=utcnow())
    batch_id = int(landed["batch_id"])
    if landed["duplicate"]:
        return BatchSummary(dataset_code, batch_id, True, "duplicate")
    staged = standardize_step(settings, dataset_code, batch_id)
    if staged["status"] != "standardized":
        return BatchSummary(
            dataset_code, batch_id, False, staged["status"], reason=staged.get("reason", "")
        )
    checked = validate_step(settings, dataset_code, batch_id)
    done = publish_step(
        settings, dataset_code, batch_id, checked["decision"], checked["verdict_path"]
    )
    return BatchSummary(
        dataset=dataset_code,
        batch_id=batch_id,
        duplicate=False,
        status=done["status"],
        rows_in=checked["rows_in"],
        rows_published=done.get("rows_published"),
        rows_quarantined=done.get("rows_quarantined", checked["rows_quarantined"]),
        snapshot_id=done.get("snapshot_id"),
        decision=checked["decision"],
    )
