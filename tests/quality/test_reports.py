"""save_report stores a batch's outcome in the catalog, on SQLite and PostgreSQL."""

from __future__ import annotations

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
