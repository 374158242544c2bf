"""What the pipeline reads about a batch from the catalog and the inbox: the facts its quality
checks need, a resumed batch's stored verdict, and why a batch was rejected."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Batch, BatchStatus, QualityReport
from catalog.settings import Settings
from lakehouse.errors import LakehouseError
from schemas import DatasetContract

if TYPE_CHECKING:
    from quality.dataset_rules import BatchContext

__all__ = [
    "batch_context",
    "next_source",
    "previous_published_rows",
    "rejection_reasons_of",
    "report_of",
    "validated_result",
    "verdict_path",
]

StepResult = dict[str, Any]


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
    from quality.dataset_rules import BatchContext

    return BatchContext(
        previous_rows=previous_published_rows(session, batch), landed_at=batch.landed_at
    )


def next_source(settings: Settings, dataset_code: str) -> Path | None:
    """The oldest file waiting in the dataset's inbox folder, if any (its ``done/`` and
    ``rejected/`` folders and hidden files are not waiting: ``lakehouse.inbox``)."""
    inbox = settings.inbox_dir / dataset_code
    if not inbox.is_dir():
        return None
    files = sorted(
        (p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")),
        key=lambda p: (p.stat().st_mtime, p.name),
    )
    return files[0] if files else None


def verdict_path(batch: Batch) -> Path:
    return Path(batch.staging_path).with_suffix(".verdict.parquet")


def report_of(session: Session, batch: Batch) -> QualityReport | None:
    return session.scalars(
        select(QualityReport).where(QualityReport.batch_id == batch.id)
    ).one_or_none()


def validated_result(session: Session, batch: Batch) -> StepResult:
    """The validate step's answer for a batch validated by an earlier (killed) run."""
    report = report_of(session, batch)
    if report is None:
        raise LakehouseError(f"batch {batch.id} is validated but has no quality report")
    return {
        "batch_id": batch.id,
        "status": "validated",
        "decision": report.decision.value,
        "rows_in": report.rows_in,
        "rows_quarantined": report.rows_quarantined,
        "score": report.score,
        "findings": report.batch_findings,
        # only a staging file from before the checking pass has a verdict file
        "verdict_path": str(verdict) if (verdict := verdict_path(batch)).is_file() else None,
        "resumed": True,
    }


def rejection_reasons_of(session: Session, contract: DatasetContract, batch: Batch) -> list[str]:
    """Why the validated ``batch`` is rejected, from its stored quality report."""
    report = report_of(session, batch)
    if report is None:
        return ["quality: the batch was rejected but has no quality report"]
    from quality.outcome import rejection_reasons

    reasons = rejection_reasons(
        report.rows_in,
        report.rows_quarantined,
        contract.max_failure_ratio,
        {str(k): int(v) for k, v in (report.rule_counts or {}).items()},
        report.batch_findings,
    )
    return reasons or ["quality: rejected by the validate step"]
