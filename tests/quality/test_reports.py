"""save_report stores a batch's outcome in the catalog, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.datasets import register_contract
from catalog.departments import upsert_department
from catalog.models import Batch, QualityDecision, QualityReport
from quality import QualityOutcome, save_report
from schemas import load_contract


def _batch(session: Session) -> Batch:
    contract = load_contract("rsj_social_insurance")
    upsert_department(session, contract.owner_department, "杭州市人力资源和社会保障局", "330100")
    dataset = register_contract(session, contract)
    batch = Batch(
        dataset_id=dataset.id,
        source_name="2024-05.csv",
        source_sha256="ab" * 32,
        raw_path="/raw/ab.csv",
        size_bytes=10,
    )
    session.add(batch)
    session.flush()
    return batch


def _outcome(batch_id: int, quarantined: int) -> QualityOutcome:
    return QualityOutcome(
        batch_id=batch_id,
        rows_in=100,
        rows_passed=100 - quarantined,
        rows_quarantined=quarantined,
        rule_counts={"month.format": quarantined, "amount.range": 0},
        score=float(100 - quarantined),
        decision=QualityDecision.PUBLISH_WITH_QUARANTINE,
        ge_success=False,
        ge_result={"success": False, "results": [{"result": {"observed_value": quarantined}}]},
        verdict_relation=f"_quality_verdict_{batch_id}",
    )


def test_save_report_round_trips_and_replaces(catalog_session: Session) -> None:
    batch = _batch(catalog_session)
    save_report(catalog_session, batch, _outcome(batch.id, 3))
    catalog_session.commit()
    catalog_session.expire_all()

    report = catalog_session.scalars(select(QualityReport)).one()
    assert (report.batch_id, report.dataset_id) == (batch.id, batch.dataset_id)
    assert (report.rows_in, report.rows_passed, report.rows_quarantined) == (100, 97, 3)
    assert (report.score, report.decision) == (97.0, QualityDecision.PUBLISH_WITH_QUARANTINE)
    assert report.rule_counts == {"month.format": 3, "amount.range": 0}
    assert report.ge_result["results"][0]["result"]["observed_value"] == 3

    # validating the batch again replaces its one report (idempotent task retries)
    save_report(catalog_session, batch, _outcome(batch.id, 4))
    catalog_session.commit()
    catalog_session.expire_all()
    report = catalog_session.scalars(select(QualityReport)).one()
    assert report.rows_quarantined == 4


# --- batch findings, summary, trend, sign-off (catalog only, SQLite and PostgreSQL) ---


def _with_findings(outcome: QualityOutcome) -> QualityOutcome:
    """The outcome as the validate step will give it once ``QualityOutcome.findings`` lands."""

    class WithFindings:
        def __getattr__(self, name: str) -> object:
            return getattr(outcome, name)

        findings = {"row_count.change": {"passed": False, "observed": 0.42, "bound": 0.3}}

    return WithFindings()  # type: ignore[return-value]


def _published(session: Session, batch: Batch, snapshot_id: int = 7) -> QualityReport:
    from catalog.models import BatchStatus
    from quality.reports import bind_snapshot

    batch.status = BatchStatus.PUBLISHED
    batch.snapshot_id = snapshot_id
    report = bind_snapshot(session, batch)
    assert report is not None
    return report


def _principal(session: Session, department: str, *roles: object) -> object:
    from catalog.models import Department, Role
    from catalog.principals import Principal
    from catalog.tokens import issue_account

    dept = session.scalars(select(Department).where(Department.code == department)).one_or_none()
    if dept is None:
        dept = upsert_department(session, department, department, "330100")
    account, _ = issue_account(
        session, dept, f"acct-{department}-{len(roles)}", [Role(r) for r in roles]
    )
    return Principal.of(account)


def test_findings_summary_and_schema(catalog_session: Session) -> None:
    import json

    import jsonschema

    from quality.reports import REPORT_SCHEMA_PATH, report_summary

    batch = _batch(catalog_session)
    report = save_report(catalog_session, batch, _with_findings(_outcome(batch.id, 3)))
    catalog_session.commit()
    catalog_session.expire_all()
    assert report.batch_findings["row_count.change"]["observed"] == 0.42
    summary = report_summary(catalog_session, report)
    schema = json.loads(REPORT_SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(summary)
    assert summary["batch_findings"] == {
        "row_count.change": {"passed": False, "observed": 0.42, "bound": 0.3}
    }
    rules = {r["code"]: r for r in summary["rules"]}
    assert rules["month.format"]["failed"] == 3 and rules["month.format"]["field"] == "period"
    assert rules["primary_key.unique"]["failed"] == 0
    assert summary["snapshot_id"] is None and summary["sign_off"] is None


def test_trend_is_oldest_first_and_limited(catalog_session: Session) -> None:
    from quality.reports import trend

    batch = _batch(catalog_session)
    save_report(catalog_session, batch, _outcome(batch.id, 1))
    for i in range(2, 5):
        more = Batch(
            dataset_id=batch.dataset_id,
            source_name=f"{i}.csv",
            source_sha256=f"{i:02d}" * 32,
            raw_path=f"/raw/{i}",
            size_bytes=1,
        )
        catalog_session.add(more)
        catalog_session.flush()
        save_report(catalog_session, more, _outcome(more.id, i))
    points = trend(catalog_session, batch.dataset, last=3)
    assert [p["rows_quarantined"] for p in points] == [2, 3, 4]
    assert trend(catalog_session, batch.dataset, last=0) == []


def test_sign_off_rules(catalog_session: Session) -> None:
    from catalog.audit import verify_chain
    from catalog.errors import AccessRefused, Conflict
    from catalog.models import AuditEvent
    from quality.reports import report_sha256, report_summary, sign_off

    batch = _batch(catalog_session)
    report = save_report(catalog_session, batch, _outcome(batch.id, 3))
    owner = batch.dataset.owner.code
    steward = _principal(catalog_session, owner, "steward")
    publisher = _principal(catalog_session, owner, "publisher")
    outsider = _principal(catalog_session, "330100XXX", "steward")

    with pytest.raises(Conflict) as caught:
        sign_off(catalog_session, steward, report.id, "x")  # type: ignore[arg-type]
    assert caught.value.code == "report.no_snapshot"

    _published(catalog_session, batch, snapshot_id=7)
    for who in (publisher, outsider):
        with pytest.raises(AccessRefused) as refused:
            sign_off(catalog_session, who, report.id, "x")  # type: ignore[arg-type]
        assert refused.value.code == "report.not_steward"

    expected = report_sha256(report_summary(catalog_session, report))
    signed = sign_off(catalog_session, steward, report.id, "  ok  ")  # type: ignore[arg-type]
    catalog_session.commit()
    assert signed.sign_off_note == "ok" and signed.signed_off_at is not None
    event = catalog_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "quality.report_signed_off")
    ).one()
    assert event.detail["snapshot_id"] == 7
    assert event.detail["report_sha256"] == expected
    assert verify_chain(catalog_session).ok

    with pytest.raises(Conflict) as twice:
        sign_off(catalog_session, steward, report.id, "again")  # type: ignore[arg-type]
    assert twice.value.code == "report.already_signed_off"


def test_who_may_read_reports(catalog_session: Session) -> None:
    from quality.reports import may_read_reports

    batch = _batch(catalog_session)
    dataset = batch.dataset
    owner = dataset.owner.code
    assert may_read_reports(_principal(catalog_session, owner, "publisher"), dataset)  # type: ignore[arg-type]
    assert may_read_reports(_principal(catalog_session, owner, "requester"), dataset)  # type: ignore[arg-type]
    for role in ("auditor", "admin"):
        assert may_read_reports(_principal(catalog_session, "330100OTH", role), dataset)  # type: ignore[arg-type]
    # Issue 8, defect 3: a steward of another department used to read the report with its
    # quarantined rows (employer, amount and region in clear).
    assert not may_read_reports(_principal(catalog_session, "330100OTH", "steward"), dataset)  # type: ignore[arg-type]
    assert not may_read_reports(_principal(catalog_session, "330100OTH", "requester"), dataset)  # type: ignore[arg-type]
    assert not may_read_reports(_principal(catalog_session, "330100OTH", "publisher"), dataset)  # type: ignore[arg-type]
