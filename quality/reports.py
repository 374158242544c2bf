"""Store a batch's quality outcome in the catalog as its ``QualityReport``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Batch, QualityReport
from quality.validate import QualityOutcome


def save_report(session: Session, batch: Batch, outcome: QualityOutcome) -> QualityReport:
    """Add (or, when the batch is validated again, replace) the batch's report; flushes, no commit.

    The GE result holds expectation configurations and counts; its rule queries select only
    ``_row``, so no personal data from the batch is stored in the catalog.
    """
    report = session.scalars(
        select(QualityReport).where(QualityReport.batch_id == batch.id)
    ).one_or_none()
    if report is None:
        report = QualityReport(batch_id=batch.id, dataset_id=batch.dataset_id)
        session.add(report)
    report.rows_in = outcome.rows_in
    report.rows_passed = outcome.rows_passed
    report.rows_quarantined = outcome.rows_quarantined
    report.score = outcome.score
    report.decision = outcome.decision
    report.rule_counts = dict(outcome.rule_counts)
    report.ge_result = outcome.ge_result
    session.flush()
    return report
