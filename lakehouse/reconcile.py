"""Bring the lake and the catalog back into agreement after a run died between their commits.

The truth of what reached the lake is DuckLake's ``snapshots()``: every publish tags its snapshot
with ``commit_extra_info = {"batch_id": …, "dataset": …}`` (``lakehouse.publish``). For each
batch of the dataset so tagged, :func:`reconcile_dataset`

- does nothing when the catalog has it ``published`` as that snapshot;
- **finishes** the publication when the catalog holds its publish intent
  (``publish_started_at``) and has it ``validated``: the run died after the lake commit and
  before the catalog commit, so the batch, the dataset's current snapshot, the report's binding
  and the ``batch.published`` event are written now, together, from what the lake holds;
- **rolls back** its rows otherwise (the catalog has the batch failed or rejected, or never knew
  it): one DuckLake transaction deletes them, tagged ``{"rolled_back_batch_id": …}``, audited as
  ``batch.rolled_back``. No reader saw them: reads are pinned to snapshots the catalog bound.

A publish intent with no tagged snapshot (the run died before the lake commit) is cleared: the
batch is ``validated`` and publishes when its run resumes. A batch the catalog calls
``published`` whose snapshot the lake does not have is a conflict: reported, never "fixed".

Call it under the dataset's ingest lock (``lakehouse.locks``), so no publish of the dataset is
half-way through while it looks.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import record
from catalog.events import BatchRolledBack
from catalog.models import Batch, BatchStatus, Dataset
from lakehouse.connection import LAKE
from lakehouse.publish import record_published
from lakehouse.publish_modes import SUPERSEDED_RULE
from lakehouse.tables import quarantine_table, table
from schemas.loader import DatasetContract

__all__ = ["Reconciled", "lake_batches", "reconcile_dataset"]


@dataclass(frozen=True, slots=True)
class Reconciled:
    """What reconciliation of one dataset found and did."""

    dataset: str
    finished: tuple[int, ...] = ()
    """Batches whose publication was finished from the lake."""
    rolled_back: tuple[int, ...] = ()
    """Batches whose rows were deleted from the lake."""
    cleared: tuple[int, ...] = ()
    """Batches whose publish intent was cleared (the lake was never changed)."""
    conflicts: tuple[str, ...] = field(default=())
    """What could not be brought into agreement, for a person to look at."""
    swept: tuple[str, ...] = ()
    """Leftover files removed (``lakehouse.sweep``), by path."""

    @property
    def agreed(self) -> bool:
        return not self.conflicts

    @property
    def changed(self) -> bool:
        return bool(self.finished or self.rolled_back or self.cleared)


def lake_batches(con: duckdb.DuckDBPyConnection, dataset_code: str) -> dict[int, int]:
    """Batch id → the snapshot that published it, for every publish of the dataset in the lake."""
    found: dict[int, int] = {}
    for snapshot_id, extra in con.execute(
        f"SELECT snapshot_id, commit_extra_info FROM {LAKE}.snapshots() "
        "WHERE commit_extra_info IS NOT NULL ORDER BY snapshot_id"
    ).fetchall():
        try:
            info = json.loads(extra)
        except ValueError:
            continue
        if isinstance(info, dict) and info.get("dataset") == dataset_code and "batch_id" in info:
            found[int(info["batch_id"])] = int(snapshot_id)
    return found


def _table_exists(con: duckdb.DuckDBPyConnection, contract: DatasetContract) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
        [LAKE, contract.table_name],
    ).fetchone()
    return bool(row and row[0])


_SUPERSEDED = f"failed_rules = ['{SUPERSEDED_RULE}']"


def _rows(
    con: duckdb.DuckDBPyConnection,
    name: str,
    batch_id: int,
    snapshot_id: int | None = None,
    where: str = "true",
) -> int:
    at = "" if snapshot_id is None else f" AT (VERSION => {int(snapshot_id)})"
    sql = f"SELECT count(*) FROM {name}{at} WHERE _batch_id = ? AND {where}"
    row = con.execute(sql, [batch_id]).fetchone()
    return int(row[0]) if row else 0


def reconcile_dataset(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    contract: DatasetContract,
) -> Reconciled:
    """Reconcile one dataset (see the module docstring); commits what it changes."""
    tagged = lake_batches(con, contract.code)
    batches = {
        b.id: b for b in session.scalars(select(Batch).where(Batch.dataset_id == dataset.id))
    }
    finished: list[int] = []
    rolled_back: list[int] = []
    cleared: list[int] = []
    conflicts: list[str] = []
    for batch_id, snapshot_id in sorted(tagged.items()):
        batch = batches.get(batch_id)
        if batch is not None and batch.status is BatchStatus.PUBLISHED:
            if batch.snapshot_id != snapshot_id:
                conflicts.append(
                    f"batch {batch_id}: the catalog says snapshot {batch.snapshot_id}, "
                    f"the lake's publish is snapshot {snapshot_id}"
                )
            continue
        if (
            batch is not None
            and batch.status is BatchStatus.VALIDATED
            and batch.publish_started_at is not None
        ):
            published = _rows(con, table(contract), batch_id, snapshot_id)
            quarantined = _rows(con, quarantine_table(contract), batch_id, snapshot_id)
            superseded = _rows(con, quarantine_table(contract), batch_id, snapshot_id, _SUPERSEDED)
            record_published(
                session,
                batch,
                snapshot_id,
                published,
                quarantined - superseded,
                superseded=superseded,
                mode=contract.publish.mode,
            )
            session.commit()
            finished.append(batch_id)
            continue
        if _roll_back(session, con, dataset, contract, batch_id):
            rolled_back.append(batch_id)
    for batch in batches.values():
        if batch.publish_started_at is None or batch.status is BatchStatus.PUBLISHED:
            continue
        if batch.id not in tagged:
            batch.publish_started_at = None
            session.commit()
            cleared.append(batch.id)
    published_ids = {s for b in batches.values() if (s := b.snapshot_id) is not None}
    snapshots = set(tagged.values())
    for batch in batches.values():
        if batch.status is BatchStatus.PUBLISHED and batch.snapshot_id not in snapshots:
            conflicts.append(
                f"batch {batch.id}: published as snapshot {batch.snapshot_id}, "
                "which the lake has no publish of"
            )
    current = dataset.current_snapshot_id
    if current is not None and current not in published_ids:
        conflicts.append(f"current snapshot {current} is no published batch's snapshot")
    return Reconciled(
        contract.code, tuple(finished), tuple(rolled_back), tuple(cleared), tuple(conflicts)
    )


def _roll_back(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    contract: DatasetContract,
    batch_id: int,
) -> bool:
    """Delete the batch's rows from both lake tables in one snapshot; False if none are left."""
    if not _table_exists(con, contract):
        return False
    names = (table(contract), quarantine_table(contract))
    if not any(_rows(con, name, batch_id) for name in names):
        return False  # rolled back before
    con.execute("BEGIN TRANSACTION")
    try:
        removed = 0
        for name in names:
            row = con.execute(f"DELETE FROM {name} WHERE _batch_id = ?", [batch_id]).fetchone()
            removed += int(row[0]) if row else 0
        info = json.dumps({"rolled_back_batch_id": batch_id, "dataset": contract.code})
        con.execute(
            f"CALL {LAKE}.set_commit_message('zhongtai', ?, extra_info => ?)",
            [f"roll back batch {batch_id} of {contract.code}", info],
        )
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    row = con.execute("SELECT * FROM ducklake_last_committed_snapshot(?)", [LAKE]).fetchone()
    snapshot_id = int(row[0]) if row and row[0] is not None else -1
    record(
        session,
        BatchRolledBack(
            dataset_id=dataset.id,
            batch_id=batch_id,
            snapshot_id=snapshot_id,
            rows_removed=removed,
        ),
    )
    session.commit()
    return True
