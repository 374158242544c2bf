"""What a scheduled ingestion run records when it ends: where its inbox file goes
(``lakehouse.inbox.settle``, by the batch's final status in the catalog) and, when the run
failed, an alert on the dataset for its steward (the audit event ``batch.ingest_failed``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from catalog.audit import record
from catalog.datasets import get_dataset
from catalog.events import IngestFailed
from catalog.models import Batch, BatchStatus
from catalog.settings import Settings
from lakehouse.inbox import settle

__all__ = ["alert", "finish"]

_FINAL = {BatchStatus.PUBLISHED, BatchStatus.REJECTED, BatchStatus.FAILED}


def finish(
    settings: Settings,
    sessions: sessionmaker[Session],
    code: str,
    landed: dict[str, Any] | None,
) -> dict[str, Any]:
    """Settle the run's inbox file by its batch's status (``landed``: the land step's answer;
    ``None`` when nothing was landed). A batch still on its way leaves its file for the next
    run to resume."""
    if not landed:
        return {"status": "nothing landed", "moved_to": None}
    batch_id = int(landed["batch_id"])
    with sessions() as session:
        batch = session.get(Batch, batch_id)
        if batch is None or batch.status not in _FINAL:
            return {"status": batch.status.value if batch else "missing", "moved_to": None}
        status = "duplicate" if landed.get("duplicate") else batch.status.value
        reason = batch.error
    moved = settle(
        settings,
        code,
        Path(str(landed["source"])),
        status=status,
        batch_id=batch_id,
        raw_path=Path(str(landed["raw_path"])),
        reason=reason,
    )
    return {"status": status, "moved_to": str(moved) if moved else None}


def alert(
    sessions: sessionmaker[Session],
    code: str,
    *,
    task: str,
    run: str,
    error: str,
    batch_id: int | None = None,
) -> None:
    """Record that a run of the dataset's ingestion failed at ``task`` (its last attempt)."""
    with sessions() as session:
        dataset = get_dataset(session, code)
        record(
            session,
            IngestFailed(
                dataset_id=dataset.id, batch_id=batch_id, task=task, run=run, error=error[:2000]
            ),
        )
        session.commit()
