"""The OpenLineage events of an ingestion run, emitted as its steps go: ``START`` when a new
batch is landed, ``COMPLETE`` when it is published, ``FAIL`` when it is rejected (by its quality
or as malformed) or its publish failed (``lakehouse.lineage_runs.ingest_event`` builds them).

Each event goes through the lineage client (``catalog.lineage.lineage_client``: the catalog's
store, and the HTTP endpoint when one is set) in its own transaction, after the step's act has
committed: lineage never breaks an ingest — a store that cannot take the event is logged, and
the batch goes on. The run id comes from the batch, so an event emitted again (a resumed run)
names the same run.
"""

from __future__ import annotations

import logging

from openlineage.client.event_v2 import RunState
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.contracts import current_contract
from catalog.elements import catalog_elements
from catalog.lineage import lineage_client
from catalog.models import Batch, QualityReport, utcnow
from catalog.settings import Settings
from lakehouse.lineage_runs import IngestRun, ingest_event

__all__ = ["completed", "failed", "started"]

log = logging.getLogger(__name__)


def started(settings: Settings, sessions: sessionmaker[Session], code: str, batch_id: int) -> None:
    """``START`` of the run of a batch just landed."""
    _emit(settings, sessions, code, batch_id, RunState.START)


def completed(
    settings: Settings, sessions: sessionmaker[Session], code: str, batch_id: int
) -> None:
    """``COMPLETE`` of a published batch: its snapshot, rows published and quality counts."""
    _emit(settings, sessions, code, batch_id, RunState.COMPLETE)


def failed(
    settings: Settings, sessions: sessionmaker[Session], code: str, batch_id: int, error: str
) -> None:
    """``FAIL`` of a batch rejected, malformed, or whose publish failed; ``error`` says why."""
    _emit(settings, sessions, code, batch_id, RunState.FAIL, error=error or "failed")


def _run_of(session: Session, batch: Batch) -> IngestRun:
    report = session.scalars(
        select(QualityReport).where(QualityReport.batch_id == batch.id)
    ).one_or_none()
    counts = report.rule_counts if report is not None else None
    return IngestRun(
        batch_id=batch.id,
        raw_path=batch.raw_path,
        source_sha256=batch.source_sha256,
        source_name=batch.source_name,
        size_bytes=batch.size_bytes,
        snapshot_id=batch.snapshot_id,
        rows_published=batch.rows_published,
        rows_quarantined=batch.rows_quarantined,
        rule_counts={str(k): int(v) for k, v in counts.items()} if counts is not None else None,
    )


def _emit(
    settings: Settings,
    sessions: sessionmaker[Session],
    code: str,
    batch_id: int,
    state: RunState,
    *,
    error: str = "",
) -> None:
    try:
        with sessions() as session:
            batch = session.get(Batch, batch_id)
            if batch is None:
                return
            run = _run_of(session, batch)
            contract = current_contract(session, code)
            elements = catalog_elements(session)
        event = ingest_event(state, contract, run, now=utcnow(), error=error, elements=elements)
        lineage_client(settings, sessions).emit(event)
    except Exception:  # noqa: BLE001 - lineage is a record about the ingest, never its failure
        log.exception("lineage: %s event of %s batch %s not recorded", state.value, code, batch_id)
