"""Publish a standardised, validated batch as exactly one DuckLake snapshot; or reject it.

``publish`` reads the staging Parquet and the quality verdict (a Parquet file of
``_row BIGINT, failed_rules VARCHAR[]`` listing only failing rows) and, in ONE DuckLake transaction,
creates the lake tables if needed, writes passing rows into ``lake.<code>`` as the contract's
``publish.mode`` says (append, merge or replace; ``lakehouse.publish_modes``, which also applies
the key across the whole table and the contract's ``duplicate_keys`` policy) and appends failing
rows, with their rules, to ``lake.<code>__quarantine``. A row whose typed value failed its cast in
standardisation (``_cast_errors``) is quarantined too, with rule ``cast:<field>``, whatever the
verdict says, so no value is published as a silent NULL.

The snapshot is tagged with the batch (``set_commit_message``; ``commit_extra_info`` holds
``{"batch_id": …, "dataset": …}``) and its id is read with ``ducklake_last_committed_snapshot``,
which names the snapshot *this connection* committed, so a concurrent writer cannot be mistaken
for us. Before inserting, the transaction checks that no row of the batch is in either table,
which catches a batch whose lake commit succeeded but whose catalog update was lost.

Publishing is one act for any reader or auditor, in three commits:

1. the **intent**: ``Batch.publish_started_at`` is set and committed once the inputs are checked;
2. the **lake commit**: one DuckLake snapshot tagged with the batch;
3. the **catalog commit**: the batch published with its snapshot, the dataset's current snapshot,
   the quality report bound to it and the ``batch.published`` audit event, in one transaction
   (:func:`record_published`).

Readers are served only the dataset's current snapshot as the catalog records it, so a snapshot
between 2 and 3 is seen by nobody; a run killed there leaves the intent, and
``lakehouse.reconcile`` (run by ``zhongtai lake reconcile`` and at the start of every run of the
dataset, under its ingest lock) finishes the publication from ``snapshots()``. ``publish``
commits the session itself. When the lake commit fails, the DuckLake transaction is rolled back
(the lake is unchanged), the batch is marked FAILED with the error, that mark is committed, and
``PublishError`` is raised: the bytes may then be delivered again as a new batch.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlalchemy.orm import Session

from catalog.audit import record
from catalog.events import BatchPublished, BatchRejected
from catalog.models import Batch, BatchStatus, DatasetStatus, utcnow
from catalog.settings import Settings
from lakehouse.connection import LAKE, connect, quote_literal
from lakehouse.errors import LakehouseError, PublishError
from lakehouse.faults import fault
from lakehouse.progress import watching
from lakehouse.publish_modes import Applied, apply_batch
from lakehouse.serving import build_serving_index
from lakehouse.tables import ensure_tables, quarantine_table, table
from quality.one_pass import FAILED_RULES_COLUMN, PASSED_COLUMN
from schemas.loader import DatasetContract

log = logging.getLogger(__name__)

__all__ = ["CAST_RULE_PREFIX", "Published", "publish", "record_published", "reject"]

CAST_RULE_PREFIX = "cast:"
_PUBLISHABLE = {BatchStatus.LANDED, BatchStatus.STANDARDIZED, BatchStatus.VALIDATED}
_EMPTY_VERDICT = "(SELECT CAST(NULL AS BIGINT) AS _row, CAST(NULL AS VARCHAR[]) AS failed_rules "
_EMPTY_VERDICT += "WHERE false)"


@dataclass(frozen=True, slots=True)
class Published:
    snapshot_id: int
    rows_published: int
    rows_quarantined: int
    rows_superseded: int = 0
    """Duplicate-key copies the contract's ``keep_first``/``keep_last`` set aside (quarantine
    table, rule ``primary_key.superseded``); not counted in ``rows_quarantined``."""


def publish(
    session: Session,
    settings: Settings,
    contract: DatasetContract,
    batch_id: int,
    staging_path: Path,
    verdict_path: Path | None,
) -> Published:
    """Insert the batch into the lake as one snapshot and record it in the catalog; commits."""
    batch = _publishable_batch(session, contract, batch_id)
    with contextlib.ExitStack() as stack:
        try:
            con = stack.enter_context(connect(settings))
            _check_inputs(con, batch_id, staging_path, verdict_path)
            batch.publish_started_at = utcnow()
            session.commit()  # the intent, before the lake is touched
            fault(settings, "intent")
            with watching(con, "publish", staging_path.stat().st_size):
                snapshot_id, applied = _commit_retrying(
                    con, contract, batch_id, staging_path, verdict_path
                )
        except PublishError as exc:
            if exc.code != "publish.failed":
                raise  # refused before anything was attempted: the batch stays as it was
            _mark_failed(session, batch, str(exc))
            raise
        except (duckdb.Error, LakehouseError, OSError) as exc:
            _mark_failed(session, batch, f"{type(exc).__name__}: {exc}")
            raise PublishError(
                f"batch {batch_id} of {contract.code} was not published; the lake is unchanged: "
                f"{exc}",
                batch_id=batch_id,
            ) from exc
        fault(settings, "lake_committed")
        # From here the snapshot exists: a failure leaves the intent for reconcile to finish.
        record_published(
            session,
            batch,
            snapshot_id,
            applied.published,
            applied.quarantined,
            superseded=applied.superseded,
            mode=contract.publish.mode,
        )
        session.commit()
        fault(settings, "catalog_committed")
        _index_for_serving(con, settings, contract, snapshot_id)
    return Published(snapshot_id, applied.published, applied.quarantined, applied.superseded)


def record_published(
    session: Session,
    batch: Batch,
    snapshot_id: int,
    published: int,
    quarantined: int,
    *,
    superseded: int = 0,
    mode: str = "append",
) -> None:
    """The catalog half of a publication: the batch, the dataset's current snapshot, the report's
    binding and the audit event, for the caller to commit as one transaction."""
    now = utcnow()
    batch.status = BatchStatus.PUBLISHED
    batch.rows_published = published
    batch.rows_quarantined = quarantined
    batch.snapshot_id = snapshot_id
    batch.published_at = now
    batch.error = ""
    dataset = batch.dataset
    current = dataset.current_snapshot_id
    dataset.current_snapshot_id = snapshot_id if current is None else max(current, snapshot_id)
    dataset.status = DatasetStatus.PUBLISHED
    # Imported here: the quality package loads Great Expectations (seconds), which landing,
    # reconciling and a run killed before validation never need.
    from quality.reports import bind_snapshot

    session.flush()
    bind_snapshot(session, batch)
    record(
        session,
        BatchPublished(
            dataset_id=dataset.id,
            batch_id=batch.id,
            snapshot_id=snapshot_id,
            rows_published=published,
            rows_quarantined=quarantined,
            rows_superseded=superseded,
            mode=mode,
        ),
        now=now,
    )


def reject(session: Session, batch_id: int, reason: str) -> None:
    """Mark a batch REJECTED and audit why; nothing reaches the lake. Repeating it is a no-op."""
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise PublishError(f"batch {batch_id} does not exist", code="batch.not_found")
    if batch.status is BatchStatus.REJECTED:
        return
    if batch.status is BatchStatus.PUBLISHED:
        raise PublishError(
            f"batch {batch_id} is already published (snapshot {batch.snapshot_id}); "
            "it cannot be rejected",
            code="batch.already_published",
            batch_id=batch_id,
        )
    batch.status = BatchStatus.REJECTED
    batch.error = reason
    record(session, BatchRejected(dataset_id=batch.dataset_id, batch_id=batch_id, reason=reason))


def _publishable_batch(session: Session, contract: DatasetContract, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise PublishError(f"batch {batch_id} does not exist", code="batch.not_found")
    if batch.status is BatchStatus.PUBLISHED:
        raise PublishError(
            f"batch {batch_id} is already published as snapshot {batch.snapshot_id}",
            code="batch.already_published",
            batch_id=batch_id,
        )
    if batch.status not in _PUBLISHABLE:
        raise PublishError(
            f"batch {batch_id} is {batch.status.value} and cannot be published",
            code="batch.not_publishable",
            batch_id=batch_id,
        )
    if batch.dataset.code != contract.code:
        raise PublishError(
            f"batch {batch_id} belongs to {batch.dataset.code}, not {contract.code}",
            code="batch.contract_mismatch",
            batch_id=batch_id,
        )
    return batch


def _mark_failed(session: Session, batch: Batch, error: str) -> None:
    """Mark the batch FAILED with its error and commit that (the lake was not changed)."""
    session.rollback()  # nothing half-done of this session may ride along with the mark
    batch.status = BatchStatus.FAILED
    batch.error = error
    batch.publish_started_at = None
    session.commit()


def _parquet(path: Path) -> str:
    return f"read_parquet('{quote_literal(str(path))}')"


def _check_inputs(
    con: duckdb.DuckDBPyConnection, batch_id: int, staging: Path, verdict: Path | None
) -> None:
    """Refuse a missing staging file or a verdict that is malformed or names unknown rows."""
    if not staging.is_file():
        raise PublishError(
            f"batch {batch_id}: staging file {staging.name} does not exist",
            code="batch.not_publishable",
            batch_id=batch_id,
        )
    if verdict is None:
        return
    if _checked(con, staging):
        raise PublishError(
            f"batch {batch_id}: staging file {staging.name} carries its own verdict (it was "
            f"written by the checking pass); a separate verdict {verdict.name} is refused",
            code="verdict.malformed",
            batch_id=batch_id,
        )
    if not verdict.is_file():
        raise PublishError(
            f"batch {batch_id}: verdict file {verdict.name} does not exist",
            code="verdict.malformed",
            batch_id=batch_id,
        )
    described = con.execute(f"DESCRIBE SELECT * FROM {_parquet(verdict)}").fetchall()
    shape = {str(r[0]): str(r[1]) for r in described}
    if shape.get("_row") != "BIGINT" or shape.get("failed_rules") != "VARCHAR[]":
        raise PublishError(
            f"batch {batch_id}: verdict {verdict.name} must have _row BIGINT and "
            f"failed_rules VARCHAR[], has {shape}",
            code="verdict.malformed",
            batch_id=batch_id,
        )
    unknown = con.execute(
        f"SELECT count(*) FROM {_parquet(verdict)} v ANTI JOIN {_parquet(staging)} s USING (_row)"
    ).fetchone()
    if unknown and unknown[0]:
        raise PublishError(
            f"batch {batch_id}: verdict {verdict.name} names {unknown[0]} rows not in the batch",
            code="verdict.malformed",
            batch_id=batch_id,
        )


_LOCK_RETRIES = 8


def _commit_retrying(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    batch_id: int,
    staging: Path,
    verdict: Path | None,
) -> tuple[int, Applied]:
    """:func:`_commit_snapshot`, again when a SQLite metadata file refused it as locked.

    On the embedded default the lake's metadata is a SQLite file, and a reader that holds its
    lock at the moment of one of our statements (the COMMIT most often) makes the publish fail
    ("database is locked") although nothing is wrong with the batch. The failed transaction was
    rolled back (the lake is unchanged; data files it wrote are swept as unreferenced), so it is
    safe to run again: up to eight attempts over about thirteen seconds, then the error stands."""
    for attempt in range(_LOCK_RETRIES):
        try:
            return _commit_snapshot(con, contract, batch_id, staging, verdict)
        except duckdb.Error as exc:  # the lock may meet any statement of the transaction
            if "database is locked" not in str(exc) or attempt == _LOCK_RETRIES - 1:
                raise
            log.info("lake commit of batch %s found the metadata locked; retrying", batch_id)
            time.sleep(0.05 * 2**attempt + random.uniform(0, 0.05))
    raise AssertionError("unreachable")  # pragma: no cover


def _commit_snapshot(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    batch_id: int,
    staging: Path,
    verdict: Path | None,
) -> tuple[int, Applied]:
    passing, failing = _split(con, staging, verdict)
    con.execute("BEGIN TRANSACTION")
    try:
        ensure_tables(con, contract)
        _refuse_if_in_lake(con, contract, batch_id)
        applied = apply_batch(con, contract, batch_id, passing, failing)
        mode = contract.publish.mode
        info = json.dumps({"batch_id": batch_id, "dataset": contract.code, "mode": mode})
        con.execute(
            f"CALL {LAKE}.set_commit_message('zhongtai', ?, extra_info => ?)",
            [f"publish batch {batch_id} of {contract.code}", info],
        )
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # a failed COMMIT has already rolled back
            con.execute("ROLLBACK")
        raise
    row = con.execute("SELECT * FROM ducklake_last_committed_snapshot(?)", [LAKE]).fetchone()
    if row is None or row[0] is None:
        raise LakehouseError(f"DuckLake reported no snapshot for batch {batch_id}")
    return int(row[0]), applied


def _split(con: duckdb.DuckDBPyConnection, staging: Path, verdict: Path | None) -> tuple[str, str]:
    """SELECTs of the batch's passing rows and of its failing rows with ``failed_rules``.

    A staging file written by the checking pass carries its verdict (``_passed``,
    ``_failed_rules``): the split is a filter. An older one is joined with its verdict file.
    Either way a row with a cast error is never published."""
    staged = _parquet(staging)
    if _checked(con, staging):
        return (
            f"SELECT * FROM {staged} WHERE {PASSED_COLUMN} AND len(_cast_errors) = 0",
            f"SELECT *, list_sort(list_distinct(list_concat({FAILED_RULES_COLUMN}, "
            f"list_transform(_cast_errors, e -> '{CAST_RULE_PREFIX}' || e)))) AS failed_rules "
            f"FROM {staged} WHERE NOT ({PASSED_COLUMN} AND len(_cast_errors) = 0)",
        )
    rules = (
        _EMPTY_VERDICT
        if verdict is None
        else f"(SELECT _row, flatten(list(failed_rules)) AS failed_rules "
        f"FROM {_parquet(verdict)} GROUP BY _row)"
    )
    failing = (
        f"SELECT s.*, list_sort(list_distinct(list_concat(coalesce(v.failed_rules, []), "
        f"list_transform(s._cast_errors, e -> '{CAST_RULE_PREFIX}' || e)))) AS failed_rules "
        f"FROM {staged} s LEFT JOIN {rules} v USING (_row) "
        f"WHERE v._row IS NOT NULL OR len(s._cast_errors) > 0"
    )
    passing = (
        f"SELECT s.* FROM {staged} s ANTI JOIN {rules} v USING (_row) WHERE len(s._cast_errors) = 0"
    )
    return passing, failing


def _checked(con: duckdb.DuckDBPyConnection, staging: Path) -> bool:
    described = con.execute(f"DESCRIBE SELECT * FROM {_parquet(staging)}").fetchall()
    return PASSED_COLUMN in {str(row[0]) for row in described}


def _index_for_serving(
    con: duckdb.DuckDBPyConnection, settings: Settings, contract: DatasetContract, snapshot: int
) -> None:
    """Build the snapshot's serving index (``lakehouse.serving``). The snapshot is published
    already: an index that cannot be built leaves reads on the lake path, and is logged."""
    # Fields that pick out a person: the key's leading field and the personal fields (what
    # verify and match keys look up). The rest of the key repeats over many rows (an employer,
    # a month), and an ART lookup of thousands of rows is slower than the ordered scan.
    personal = tuple(f.name for f in contract.fields if f.personal)
    keys = contract.primary_key[:1] + personal
    try:
        build_serving_index(
            con,
            settings,
            table=contract.table_name,
            fields=tuple(f.name for f in contract.fields),
            primary_key=contract.primary_key,
            indexed=keys,
            snapshot_id=snapshot,
        )
    except (duckdb.Error, OSError) as exc:
        log.warning("serving index of %s@%s not built: %s", contract.code, snapshot, exc)


def _refuse_if_in_lake(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, batch_id: int
) -> None:
    for name in (table(contract), quarantine_table(contract)):
        found = con.execute(
            f"SELECT count(*) FROM {name} WHERE _batch_id = ?", [batch_id]
        ).fetchone()
        if found and found[0]:
            raise PublishError(
                f"batch {batch_id} already has rows in {name}; the catalog lost its publication "
                "(reconcile from lake.snapshots(), whose commit_extra_info names the batch)",
                code="batch.already_published",
                batch_id=batch_id,
            )
