"""Quality reports over HTTP: a dataset's latest report and trend, one report, a steward's sign-off.

Who may read a report is decided by ``catalog.policy`` (``report.view``), asked once through the
``ReadableReport`` / ``ReadableDataset`` dependencies. A report view carries, for those the policy
lets see them (``quarantine.view``), up to ``SAMPLE_LIMIT`` quarantined rows, masked in SQL by
``lakehouse.quarantine.quarantine_sample``; showing them is audited as
:class:`catalog.events.QuarantineSampleRead`.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy.orm import Session

from catalog import audit
from catalog.contracts import current_contract
from catalog.datasets import get_dataset
from catalog.events import QuarantineSampleRead
from catalog.models import BatchStatus, Dataset, QualityReport
from catalog.principals import Principal
from exchange_api.deps import CurrentPrincipal, DatasetCode, LakeDep, SessionDep
from exchange_api.payloads import (
    DatasetQualityPublic,
    PathId,
    SignOffIn,
    TrendPointPublic,
)
from lakehouse.quarantine import quarantine_sample
from quality.reports import (
    REPORT_SCHEMA_PATH,
    latest_report,
    may_see_quarantine,
    readable_dataset,
    readable_report,
    report_summary,
    sign_off,
    trend,
)

__all__ = ["SAMPLE_LIMIT", "ReadableReport", "report_view", "router"]

SAMPLE_LIMIT = 20
TREND_LENGTH = 12

router = APIRouter(tags=["quality"])


def _readable_report(
    report_id: PathId, session: SessionDep, principal: CurrentPrincipal
) -> QualityReport:
    return readable_report(session, principal, report_id)


def _readable_dataset(
    code: DatasetCode, session: SessionDep, principal: CurrentPrincipal
) -> Dataset:
    return readable_dataset(session, principal, get_dataset(session, code))


ReadableReport = Annotated[QualityReport, Depends(_readable_report)]
ReadableDataset = Annotated[Dataset, Depends(_readable_dataset)]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)  # amounts stay exact
    return str(value)


def masked_samples(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    report: QualityReport,
    limit: int = SAMPLE_LIMIT,
) -> list[dict[str, Any]]:
    """Masked quarantined rows of the report's batch; none unless it reached the lake."""
    batch = report.batch
    if batch.status is not BatchStatus.PUBLISHED or not report.rows_quarantined:
        return []
    contract = current_contract(session, batch.dataset.code)
    rows = quarantine_sample(con, contract, batch.id, limit=limit)
    return [{str(k): _plain(v) for k, v in row.items()} for row in rows]


def report_view(
    session: SessionDep, lake: LakeDep, principal: Principal, report: QualityReport
) -> dict[str, Any]:
    """The report JSON with its masked samples; audits the sample read and commits."""
    view = report_summary(session, report)
    allowed = may_see_quarantine(principal, report, report.batch.dataset)
    samples = masked_samples(session, lake, report) if allowed else []
    view["samples"] = samples
    if samples:
        digest = hashlib.sha256(audit.canonical_json(samples)).hexdigest()
        audit.record(
            session,
            QuarantineSampleRead(
                dataset_id=report.dataset_id,
                report_id=report.id,
                batch_id=report.batch_id,
                row_count=len(samples),
                content_sha256=digest,
            ),
            actor=principal,
        )
        session.commit()
    return view


@router.get(
    "/api/v1/datasets/{code}/quality",
    response_model=DatasetQualityPublic,
    summary="A dataset's latest quality report and its trend over the last batches",
)
def dataset_quality(dataset: ReadableDataset, session: SessionDep) -> DatasetQualityPublic:
    report = latest_report(session, dataset)
    return DatasetQualityPublic(
        dataset=dataset.code,
        latest=None if report is None else report_summary(session, report),
        trend=[TrendPointPublic(**p) for p in trend(session, dataset, TREND_LENGTH)],
    )


@router.get(
    "/api/v1/quality/reports/{report_id}",
    summary="One quality report (JSON, see /api/v1/quality/report.schema.json), masked samples",
)
def get_report(
    report: ReadableReport, session: SessionDep, lake: LakeDep, principal: CurrentPrincipal
) -> JSONResponse:
    return JSONResponse(report_view(session, lake, principal, report))


@router.post(
    "/api/v1/quality/reports/{report_id}/sign-off",
    summary="A steward of the owner department signs the report off, bound to its snapshot",
)
def post_sign_off(
    report_id: PathId, body: SignOffIn, session: SessionDep, principal: CurrentPrincipal
) -> JSONResponse:
    report = sign_off(session, principal, report_id, body.note)
    session.commit()
    return JSONResponse(report_summary(session, report))


@router.get(
    "/api/v1/quality/report.schema.json",
    summary="The published JSON Schema (draft 2020-12) of a quality report",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The schema",
            "content": {"application/schema+json": {"schema": {"type": "object"}}},
        }
    },
)
def report_schema() -> FileResponse:
    return FileResponse(REPORT_SCHEMA_PATH, media_type="application/schema+json")
