"""A batch's quality report: stored in the catalog, summarised as JSON, trended, signed off.

``save_report`` stores a :class:`~quality.validate.QualityOutcome` as the batch's
``QualityReport``. ``report_summary`` builds Zhongtai's report JSON, the shape published as
``schemas/reports/quality_report.schema.json`` and served by the API, the portal and the CLI.
``trend`` lists the last batches of a dataset for the trend chart.

Who may read a report, see its quarantined samples or sign it off is decided by
``catalog.policy`` (``report.view``: the owner department and auditors and admins;
``quarantine.view``: the owner's publishers and stewards, since samples are masked but still
personal; ``report.sign_off``: the owner's stewards). A report is signed off once, and only when
its batch was published as a lake snapshot. The sign-off is audited as
:class:`catalog.events.ReportSignedOff` carrying the snapshot id and :func:`report_sha256` of the
report JSON as it stood when signed (with ``sign_off`` null), so an auditor can later take the
report JSON, null its ``sign_off``, hash it canonically and compare.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.contracts import current_contract
from catalog.elements import catalog_elements
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.events import ReportSignedOff
from catalog.guard import ensure
from catalog.models import (
    Account,
    Batch,
    BatchStatus,
    Dataset,
    QualityReport,
    utcnow,
)
from catalog.policy import Allowed, authorize
from catalog.principals import Principal
from catalog.resources import DatasetTerms, ReportTerms
from quality.dataset_rules import contract_rules
from quality.errors import UnsupportedContract
from quality.outcome import QualityOutcome
from schemas.loader import ContractError

__all__ = [
    "REPORT_SCHEMA_PATH",
    "REPORT_SCHEMA_VERSION",
    "SIGN_OFF_NOTE_MAX",
    "bind_snapshot",
    "latest_report",
    "may_read_reports",
    "may_see_quarantine",
    "readable_dataset",
    "readable_report",
    "report_sha256",
    "report_summary",
    "save_report",
    "sign_off",
    "trend",
]

REPORT_SCHEMA_PATH = (
    Path(__file__).resolve().parent.parent / "schemas" / "reports" / "quality_report.schema.json"
)
REPORT_SCHEMA_VERSION = "zhongtai.quality_report/1"
SIGN_OFF_NOTE_MAX = 2000
_GE_STATISTICS = (
    "evaluated_expectations",
    "successful_expectations",
    "unsuccessful_expectations",
    "success_percent",
)


def save_report(session: Session, batch: Batch, outcome: QualityOutcome) -> QualityReport:
    """Add (or, when the batch is validated again, replace) the batch's report; flushes, no commit.

    The GE result holds expectation configurations and counts; its rule queries select only
    ``_row``, so no personal data from the batch is stored in the catalog. Batch-level findings
    (row-count change, freshness) are stored as given.
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
    findings: dict[str, Any] = getattr(outcome, "findings", None) or {}
    report.batch_findings = {str(code): dict(finding) for code, finding in findings.items()}
    session.flush()
    return report


def bind_snapshot(session: Session, batch: Batch) -> QualityReport | None:
    """Bind a published batch's report to the snapshot the batch became; flushes, no commit.

    The publish step calls this after the lake commit; it is idempotent, and does nothing for a
    batch that is not published or has no report.
    """
    if batch.status is not BatchStatus.PUBLISHED or batch.snapshot_id is None:
        return None
    report = session.scalars(
        select(QualityReport).where(QualityReport.batch_id == batch.id)
    ).one_or_none()
    if report is not None and report.snapshot_id != batch.snapshot_id:
        report.snapshot_id = batch.snapshot_id
        session.flush()
    return report


# --- who may read (decided by catalog.policy; these only name the act) ---------------------


def may_read_reports(
    principal: Principal, dataset: Dataset, *, now: dt.datetime | None = None
) -> bool:
    """Whether ``principal`` may read ``dataset``'s quality reports (``report.view``)."""
    terms = ReportTerms(report_id=None, dataset=DatasetTerms.of(dataset))
    decision = authorize(principal, act.REPORT_VIEW, terms, now=now or utcnow())
    return isinstance(decision, Allowed)


def may_see_quarantine(
    principal: Principal, report: QualityReport, dataset: Dataset, *, now: dt.datetime | None = None
) -> bool:
    """Whether ``principal`` may see masked samples of the report's quarantined rows."""
    decision = authorize(
        principal, act.QUARANTINE_VIEW, ReportTerms.of(report, dataset), now=now or utcnow()
    )
    return isinstance(decision, Allowed)


def _report(session: Session, report_id: int) -> QualityReport:
    report = session.get(QualityReport, report_id)
    if report is None:
        raise NotFound(f"no quality report {report_id}", code="report.not_found")
    return report


def readable_report(session: Session, principal: Principal, report_id: int) -> QualityReport:
    """The report, if ``principal`` may read it; ``NotFound`` or ``AccessRefused`` (audited)."""
    report = _report(session, report_id)
    ensure(session, principal, act.REPORT_VIEW, ReportTerms.of(report, _dataset(session, report)))
    return report


def readable_dataset(session: Session, principal: Principal, dataset: Dataset) -> Dataset:
    """``dataset`` if ``principal`` may read its quality reports; ``AccessRefused`` (audited)."""
    terms = ReportTerms(report_id=None, dataset=DatasetTerms.of(dataset))
    ensure(session, principal, act.REPORT_VIEW, terms)
    return dataset


def _dataset(session: Session, report: QualityReport) -> Dataset:
    dataset = session.get(Dataset, report.dataset_id)
    if dataset is None:  # the foreign key makes this unreachable on a consistent catalog
        raise NotFound(f"dataset of report {report.id} is gone", code="dataset.not_found")
    return dataset


# --- the report JSON --------------------------------------------------------------------------


def _timestamp(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


def _rule_rows(session: Session, dataset: Dataset, counts: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per compiled rule of the contract, in rule order; then any counted code the
    contract no longer names (the contract changed after the batch), with no description."""
    try:
        rules = contract_rules(current_contract(session, dataset.code), catalog_elements(session))
    except (ContractError, UnsupportedContract, NotFound, KeyError):
        rules = ()
    rows = [
        {
            "code": rule.code,
            "field": rule.field,
            "description": rule.description,
            "failed": int(counts.get(rule.code, 0)),
        }
        for rule in rules
    ]
    known = {rule.code for rule in rules}
    rows.extend(
        {"code": code, "field": None, "description": "", "failed": int(counts[code])}
        for code in sorted(counts)
        if code not in known
    )
    return rows


def _sign_off(session: Session, report: QualityReport) -> dict[str, Any] | None:
    if report.signed_off_at is None or report.signed_off_by_account_id is None:
        return None
    account = session.get(Account, report.signed_off_by_account_id)
    return {
        "by": {
            "account_id": report.signed_off_by_account_id,
            "name": account.name if account else "",
            "department": account.department.code if account else "",
        },
        "at": _timestamp(report.signed_off_at),
        "note": report.sign_off_note,
    }


def report_summary(session: Session, report: QualityReport) -> dict[str, Any]:
    """Zhongtai's report JSON (plain JSON values only), valid against ``REPORT_SCHEMA_PATH``."""
    dataset = _dataset(session, report)
    batch = report.batch
    ge = report.ge_result or {}
    statistics = ge.get("statistics") or {}
    return {
        "schema": REPORT_SCHEMA_VERSION,
        "report_id": report.id,
        "dataset": {
            "code": dataset.code,
            "title_zh": dataset.title_zh,
            "title_en": dataset.title_en,
            "owner_department": dataset.owner.code,
        },
        "batch_id": report.batch_id,
        "batch_status": batch.status.value,
        "snapshot_id": report.snapshot_id,
        "source_name": batch.source_name,
        "source_sha256": batch.source_sha256,
        "rows_in": report.rows_in,
        "rows_passed": report.rows_passed,
        "rows_quarantined": report.rows_quarantined,
        "score": float(report.score),
        "decision": report.decision.value,
        "rules": _rule_rows(session, dataset, report.rule_counts or {}),
        "batch_findings": dict(report.batch_findings or {}),
        "great_expectations": {
            "success": bool(ge.get("success", False)),
            "statistics": {k: statistics[k] for k in _GE_STATISTICS if k in statistics},
        },
        "sign_off": _sign_off(session, report),
        "created_at": _timestamp(report.created_at),
    }


def report_sha256(summary: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``summary`` with ``sign_off`` null: what a steward signs.

    Extra keys a view adds (the API's ``samples``) are not part of the signed content.
    """
    signed = {k: v for k, v in summary.items() if k != "samples"}
    signed["sign_off"] = None
    return hashlib.sha256(audit.canonical_json(signed)).hexdigest()


def latest_report(session: Session, dataset: Dataset) -> QualityReport | None:
    """The report of the dataset's most recently landed batch, if any."""
    return session.scalars(
        select(QualityReport)
        .where(QualityReport.dataset_id == dataset.id)
        .order_by(QualityReport.batch_id.desc())
        .limit(1)
    ).one_or_none()


def trend(session: Session, dataset: Dataset, last: int = 12) -> list[dict[str, Any]]:
    """The last ``last`` batches with a report, oldest first, one small dict each."""
    rows = session.execute(
        select(QualityReport, Batch)
        .join(Batch, Batch.id == QualityReport.batch_id)
        .where(QualityReport.dataset_id == dataset.id)
        .order_by(Batch.id.desc())
        .limit(max(int(last), 0))
    ).all()
    return [
        {
            "report_id": report.id,
            "batch_id": batch.id,
            "landed_at": _timestamp(batch.landed_at),
            "published_at": _timestamp(batch.published_at),
            "rows_in": report.rows_in,
            "rows_quarantined": report.rows_quarantined,
            "score": float(report.score),
            "decision": report.decision.value,
        }
        for report, batch in reversed(rows)
    ]


# --- sign-off ---------------------------------------------------------------------------------


def sign_off(
    session: Session,
    principal: Principal,
    report_id: int,
    note: str,
    *,
    now: dt.datetime | None = None,
) -> QualityReport:
    """A steward of the owner department signs the report off, bound to its snapshot; audited.

    Flushes, no commit. Raises ``AccessRefused`` (``report.not_steward``), ``Conflict``
    (``report.already_signed_off``, ``report.no_snapshot``), ``InvalidInput``
    (``report.note_too_long``) or ``NotFound`` (``report.not_found``).
    """
    report = _report(session, report_id)
    dataset = _dataset(session, report)
    ensure(session, principal, act.REPORT_SIGN_OFF, ReportTerms.of(report, dataset), now=now)
    if report.signed_off_at is not None:
        raise Conflict(
            f"Report {report_id} was already signed off.", code="report.already_signed_off"
        )
    batch = report.batch
    if batch.status is not BatchStatus.PUBLISHED or report.snapshot_id is None:
        raise Conflict(
            f"Report {report_id} is not bound to a published snapshot "
            f"(batch {batch.id} is {batch.status.value}); there is nothing to sign off.",
            code="report.no_snapshot",
        )
    note = note.strip()
    if len(note) > SIGN_OFF_NOTE_MAX:
        raise InvalidInput(
            f"A sign-off note has at most {SIGN_OFF_NOTE_MAX} characters.",
            code="report.note_too_long",
        )
    digest = report_sha256(report_summary(session, report))
    at = (now or utcnow()).astimezone(dt.UTC)
    # One conditional UPDATE: of two stewards racing, exactly one changes the row.
    claimed = session.execute(
        update(QualityReport)
        .where(QualityReport.id == report_id, QualityReport.signed_off_at.is_(None))
        .values(
            signed_off_at=at,
            signed_off_by_account_id=principal.account_id,
            sign_off_note=note,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise Conflict(
            f"Report {report_id} was already signed off.", code="report.already_signed_off"
        )
    audit.record(
        session,
        ReportSignedOff(
            dataset_id=dataset.id,
            report_id=report.id,
            batch_id=batch.id,
            snapshot_id=report.snapshot_id,
            report_sha256=digest,
            note=note,
        ),
        actor=principal,
        now=at,
    )
    session.refresh(report)
    return report
