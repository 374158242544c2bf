"""One batch end to end: land → standardise → validate → publish (or reject).

Each step is a function of (settings, dataset code, ids or paths) that opens what it needs, does
one thing, commits, and returns a small JSON-able dict, so an Airflow task can call it in a few
lines and pass only ids and paths to the next task. ``run_batch`` runs all four in this process;
the CLI and the tests use it, the DAGs call the steps one by one.

The validate step hands the quality engine the catalog facts its batch-level checks need (a
:class:`quality.dataset_rules.BatchContext`: the rows in of the dataset's latest *published*
batch, and when this batch was landed). The publish step binds the batch's quality report to the
snapshot it became, or rejects the batch with one reason per failing check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from catalog import actions as act
from catalog.datasets import get_dataset
from catalog.db import make_engine, make_sessionmaker
from catalog.guard import ensure, keeping_refusals
from catalog.models import Batch, BatchStatus, QualityDecision, QualityReport, utcnow
from catalog.principals import SYSTEM, Principal
from catalog.resources import DatasetTerms
from catalog.settings import Settings
from lakehouse.connection import connect, quote_ident
from lakehouse.errors import LakehouseError, MalformedSource
from lakehouse.land import land
from lakehouse.publish import publish, reject
from lakehouse.standardize import standardize
from quality import save_report, validate, write_verdict
from quality.dataset_rules import BatchContext
from quality.reports import bind_snapshot
from quality.validate import rejection_reasons
from schemas import DatasetContract, load_contract

StepResult = dict[str, Any]


@lru_cache(maxsize=4)
def _sessions(url: str) -> sessionmaker[Session]:
    # No pool: an engine this cache lets go holds no open connection for the garbage collector
    # to find (a batch opens a handful of sessions, not thousands).
    return make_sessionmaker(make_engine(url, poolclass=NullPool))


def sessions(settings: Settings) -> sessionmaker[Session]:
    return _sessions(settings.resolved_catalog_url)


def _batch(session: Session, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise LakehouseError(f"batch {batch_id} does not exist")
    return batch


def previous_published_rows(session: Session, batch: Batch) -> int | None:
    """Rows in of the dataset's most recently published batch other than ``batch`` (None when
    nothing was published before)."""
    return session.scalars(
        select(Batch.rows_in)
        .where(
            Batch.dataset_id == batch.dataset_id,
            Batch.status == BatchStatus.PUBLISHED,
            Batch.id != batch.id,
        )
        .order_by(Batch.published_at.desc(), Batch.id.desc())
        .limit(1)
    ).first()


def batch_context(session: Session, batch: Batch) -> BatchContext:
    """The catalog facts the batch-level quality checks of ``batch`` need."""
    return BatchContext(
        previous_rows=previous_published_rows(session, batch), landed_at=batch.landed_at
    )


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
    settings: Settings,
    dataset_code: str,
    source: Path,
    *,
    now: dt.datetime | None = None,
    actor: Principal = SYSTEM,
) -> StepResult:
    """Land ``source`` as a batch of the dataset, if ``actor`` may ingest it (``batch.ingest``:
    the platform itself — DAGs, the operator's ``zhongtai ingest`` — or the owner's publisher)."""
    with sessions(settings)() as session, keeping_refusals(session):
        dataset = get_dataset(session, dataset_code)
        ensure(session, actor, act.BATCH_INGEST, DatasetTerms.of(dataset), now=now)
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
            # A view, not a table: every check scans only its own columns of the Parquet file,
            # so memory stays bounded by the widest check, not by the batch.
            con.execute(
                f"CREATE VIEW {quote_ident('staged')} AS SELECT * FROM read_parquet('{literal}')"
            )
            outcome = validate(
                con, "staged", contract, batch_id=batch_id, context=batch_context(session, batch)
            )
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
        "findings": outcome.findings,
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
            reasons = _rejection_reasons(session, contract, batch)
            reject(session, batch_id, "; ".join(reasons))
            session.commit()
            return {
                "batch_id": batch_id,
                "status": BatchStatus.REJECTED.value,
                "reasons": reasons,
            }
        published = publish(
            session,
            settings,
            contract,
            batch_id,
            Path(batch.staging_path),
            Path(verdict_path) if verdict_path else None,
        )
        bind_snapshot(session, batch)
        session.commit()
    return {"batch_id": batch_id, "status": "published", **asdict(published)}


def _rejection_reasons(session: Session, contract: DatasetContract, batch: Batch) -> list[str]:
    """Why the validated ``batch`` is rejected, from its stored quality report."""
    report = session.scalars(
        select(QualityReport).where(QualityReport.batch_id == batch.id)
    ).one_or_none()
    if report is None:
        return ["quality: the batch was rejected but has no quality report"]
    reasons = rejection_reasons(
        report.rows_in,
        report.rows_quarantined,
        contract.max_failure_ratio,
        {str(k): int(v) for k, v in (report.rule_counts or {}).items()},
        report.batch_findings,
    )
    return reasons or ["quality: rejected by the validate step"]


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
    findings: dict[str, dict[str, Any]] = field(default_factory=dict)


def run_batch(
    settings: Settings,
    dataset_code: str,
    source: Path,
    *,
    now: dt.datetime | None = None,
    actor: Principal = SYSTEM,
) -> BatchSummary:
    """Carry one source file through every step in this process; ``now`` is the landing time
    (default: the current time), which the freshness check measures against."""
    landed = land_step(settings, dataset_code, source, now=now or utcnow(), actor=actor)
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
        reason="; ".join(done.get("reasons", [])),
        findings=checked.get("findings", {}),
    )
