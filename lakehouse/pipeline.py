r"""One batch end to end: land → standardise → validate → publish (or reject).

Each step is a function of (settings, dataset code, ids or paths) that opens what it needs, does
one thing, commits, and returns a small JSON-able dict, so an Airflow task can call it in a few
lines and pass only ids and paths to the next task. ``run_batch`` runs all four in this process;
the CLI and the tests use it, the DAGs call the steps one by one.

Every step holds the dataset's ingest lock (``lakehouse.locks``; ``run_batch`` holds it for the
whole run), so ingests of one dataset are serialised and different datasets run side by side.
The land step first :func:`recover`\s the dataset: reconciles lake and catalog
(``lakehouse.reconcile``) and sweeps leftovers (``lakehouse.sweep``). A batch a killed run left
``landed``, ``standardized`` or ``validated`` resumes from its last finished step when its bytes
are delivered again (the land step answers ``resumed``) or through :func:`resume_batch`; each
step passes a batch that is already past it on to the next.

The data is read once: the standardise step also checks every row rule in the same statement
and writes the rule flags beside the data (:mod:`quality.one_pass`); the validate step has Great
Expectations judge those flags (:func:`quality.validate_pass.validate_pass`), handing it the
catalog facts its batch-level checks need (a :class:`quality.dataset_rules.BatchContext`: the rows
in of the dataset's latest *published* batch, and when this batch was landed); the publish step
splits published from quarantined rows on the flags, binds the batch's quality report to the
snapshot it became, or rejects the batch with one reason per failing check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from catalog import actions as act
from catalog.datasets import get_dataset
from catalog.element_seed import catalog_standards
from catalog.guard import ensure, keeping_refusals
from catalog.models import Batch, BatchStatus, Dataset, QualityDecision, utcnow
from catalog.principals import SYSTEM, Principal
from catalog.resources import DatasetTerms
from catalog.settings import Settings
from lakehouse import lineage_ingest
from lakehouse.batch_facts import (
    batch_context,
    next_source,
    previous_published_rows,
    rejection_reasons_of,
    validated_result,
)
from lakehouse.batch_facts import (
    verdict_path as verdict_file,
)
from lakehouse.batch_summary import EXIT_CODES, BatchSummary, outcome_of
from lakehouse.connection import connect, quote_ident
from lakehouse.errors import LakehouseError, MalformedSource, PublishError
from lakehouse.faults import fault
from lakehouse.land import land, raw_file
from lakehouse.locks import dataset_lock
from lakehouse.pipeline_catalog import contract_of, sessions
from lakehouse.publish import publish, reject
from lakehouse.reconcile import Reconciled, reconcile_dataset
from lakehouse.standardize import standardize
from lakehouse.sweep import sweep_dataset

__all__ = [
    "EXIT_CODES",
    "BatchSummary",
    "advance",
    "batch_context",
    "contract_of",
    "land_step",
    "next_source",
    "previous_published_rows",
    "publish_step",
    "recover",
    "resume_batch",
    "run_batch",
    "sessions",
    "standardize_step",
    "validate_step",
]

StepResult = dict[str, Any]


def _batch(session: Session, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise LakehouseError(f"batch {batch_id} does not exist")
    return batch


def recover(settings: Settings, dataset_code: str) -> Reconciled:
    """Reconcile the dataset's lake and catalog and sweep its leftovers, under its lock."""
    contract = contract_of(settings, dataset_code)
    with (
        dataset_lock(settings, dataset_code),
        sessions(settings)() as session,
        connect(settings) as con,
    ):
        dataset = get_dataset(session, dataset_code)
        outcome = reconcile_dataset(session, con, dataset, contract)
        swept = sweep_dataset(session, settings, dataset, con)
    return replace(outcome, swept=tuple(str(p) for p in swept))


def land_step(
    settings: Settings,
    dataset_code: str,
    source: Path,
    *,
    now: dt.datetime | None = None,
    actor: Principal = SYSTEM,
) -> StepResult:
    """Land ``source`` as a batch of the dataset, if ``actor`` may ingest it (``batch.ingest``:
    the platform itself — DAGs, the operator's ``zhongtai ingest`` — or the owner's publisher).
    ``duplicate``: the bytes were published before; ``resumed``: an unfinished batch of the same
    bytes carries on (its ``status`` says from where)."""
    with dataset_lock(settings, dataset_code):
        with sessions(settings)() as session, keeping_refusals(session):
            dataset = get_dataset(session, dataset_code)
            ensure(session, actor, act.BATCH_INGEST, DatasetTerms.of(dataset), now=now)
        recover(settings, dataset_code)
        with sessions(settings)() as session:
            dataset = get_dataset(session, dataset_code)
            department = None if actor.is_system else actor.department_id
            landing = land(session, settings, dataset, source, now=now, department_id=department)
            session.commit()
        fault(settings, "landed")
        if not (landing.duplicate or landing.resumed):
            lineage_ingest.started(settings, sessions(settings), dataset_code, landing.batch_id)
    return {
        "dataset": dataset_code,
        "source": str(source),
        **asdict(landing),
        "raw_path": str(landing.raw_path),
    }


_PAST_STANDARDIZE = {BatchStatus.STANDARDIZED, BatchStatus.VALIDATED}


def standardize_step(settings: Settings, dataset_code: str, batch_id: int) -> StepResult:
    contract = contract_of(settings, dataset_code)
    with dataset_lock(settings, dataset_code), sessions(settings)() as session:
        batch = _batch(session, batch_id)
        if batch.status in _PAST_STANDARDIZE:  # a resumed batch: carry on with the next step
            return {"batch_id": batch_id, "status": batch.status.value, "resumed": True}
        if batch.status is not BatchStatus.LANDED:
            return {"batch_id": batch_id, "status": batch.status.value, "skipped": True}
        elements, code_lists = catalog_standards(session)  # an admin's apply at once
        try:
            staged = standardize(
                settings,
                contract,
                batch_id,
                raw_file(settings, batch),
                source_name=batch.source_name,
                elements=elements,
                code_lists=code_lists,
            )
        except MalformedSource as exc:
            reject(session, batch_id, f"{exc.code}: {exc}")
            session.commit()
            lineage_ingest.failed(settings, sessions(settings), dataset_code, batch_id, str(exc))
            return {
                "batch_id": batch_id,
                "status": BatchStatus.REJECTED.value,
                "reason": str(exc),
                "malformed": True,
            }
        batch.staging_path = str(staged.staging_path)
        batch.rows_in = staged.rows_in
        batch.source_kind = staged.source_kind  # what was detected, not what was declared
        batch.encoding = staged.encoding
        batch.status = BatchStatus.STANDARDIZED
        session.commit()
        fault(settings, "standardized")
    return {
        "batch_id": batch_id,
        "status": "standardized",
        "rows_in": staged.rows_in,
        "source_kind": staged.source_kind,
        "encoding": staged.encoding,
        "sheet": staged.sheet,
    }


def validate_step(settings: Settings, dataset_code: str, batch_id: int) -> StepResult:
    """Judge the rule flags the standardising pass wrote (:func:`quality.validate_pass.
    validate_pass`); a staging file from before that pass is validated the long way and gets a
    verdict file. Stores the quality report."""
    # Imported here: these load Great Expectations (seconds), which landing, reconciling and a
    # run killed before validation never need.
    from quality.one_pass import has_flags
    from quality.reports import save_report
    from quality.validate import validate, write_verdict
    from quality.validate_pass import validate_pass

    contract = contract_of(settings, dataset_code)
    with dataset_lock(settings, dataset_code), sessions(settings)() as session:
        batch = _batch(session, batch_id)
        if batch.status is BatchStatus.VALIDATED:  # resumed: the stored report stands
            return validated_result(session, batch)
        if batch.status is not BatchStatus.STANDARDIZED:
            return {"batch_id": batch_id, "status": batch.status.value, "skipped": True}
        staging = Path(batch.staging_path)
        verdict: Path | None = None
        with connect(settings, lake=False) as con:
            literal = str(staging).replace("'", "''")
            # A view, not a table: every check scans only its own columns of the Parquet file,
            # so memory stays bounded by the widest check, not by the batch.
            con.execute(
                f"CREATE VIEW {quote_ident('staged')} AS SELECT * FROM read_parquet('{literal}')"
            )
            context = batch_context(session, batch)
            elements, lists = catalog_standards(session)
            judge = validate_pass if has_flags(con, "staged") else validate
            outcome = judge(
                con,
                "staged",
                contract,
                batch_id=batch_id,
                context=context,
                elements=elements,
                code_lists=lists,
            )
            if judge is validate:
                verdict = write_verdict(con, outcome, verdict_file(batch))
        save_report(session, batch, outcome)
        batch.status = BatchStatus.VALIDATED
        session.commit()
        fault(settings, "validated")
    return {
        "batch_id": batch_id,
        "status": "validated",
        "decision": outcome.decision.value,
        "rows_in": outcome.rows_in,
        "rows_quarantined": outcome.rows_quarantined,
        "score": outcome.score,
        "findings": outcome.findings,
        "verdict_path": None if verdict is None else str(verdict),
    }


def publish_step(
    settings: Settings,
    dataset_code: str,
    batch_id: int,
    decision: str | None = None,
    verdict_path: str | None = None,
) -> StepResult:
    """Publish or reject a validated batch; ``decision`` and ``verdict_path`` default to its
    stored report's decision and its verdict file (a resumed batch). A lake failure marks the
    batch FAILED, commits that, and raises :class:`PublishError`."""
    contract = contract_of(settings, dataset_code)
    with dataset_lock(settings, dataset_code), sessions(settings)() as session:
        batch = _batch(session, batch_id)
        if batch.status is not BatchStatus.VALIDATED:
            return {"batch_id": batch_id, "status": batch.status.value, "skipped": True}
        if decision is None:
            stored = validated_result(session, batch)
            decision, verdict_path = stored["decision"], stored["verdict_path"]
        if QualityDecision(decision) is QualityDecision.REJECT:
            reasons = rejection_reasons_of(session, contract, batch)
            reject(session, batch_id, "; ".join(reasons))
            session.commit()
            _discard_staging(batch)
            lineage_ingest.failed(
                settings, sessions(settings), dataset_code, batch_id, "; ".join(reasons)
            )
            return {
                "batch_id": batch_id,
                "status": BatchStatus.REJECTED.value,
                "reasons": reasons,
            }
        try:
            published = publish(
                session,
                settings,
                contract,
                batch_id,
                Path(batch.staging_path),
                Path(verdict_path) if verdict_path else None,
            )
        except PublishError as exc:
            lineage_ingest.failed(settings, sessions(settings), dataset_code, batch_id, exc.message)
            raise
        _discard_staging(batch)
        lineage_ingest.completed(settings, sessions(settings), dataset_code, batch_id)
    return {"batch_id": batch_id, "status": "published", **asdict(published)}


def _discard_staging(batch: Batch) -> None:
    """A finished batch's staging and verdict files: its rows are in the lake, or refused."""
    if batch.staging_path:
        for path in (Path(batch.staging_path), verdict_file(batch)):
            path.unlink(missing_ok=True)


def run_batch(
    settings: Settings,
    dataset_code: str,
    source: Path,
    *,
    now: dt.datetime | None = None,
    actor: Principal = SYSTEM,
) -> BatchSummary:
    """Carry one source file through every step in this process; ``now`` is the landing time
    (default: the current time), which the freshness check measures against. Bytes published
    before answer ``duplicate``; an unfinished batch of the same bytes resumes."""
    with dataset_lock(settings, dataset_code):
        landed = land_step(settings, dataset_code, source, now=now or utcnow(), actor=actor)
        batch_id = int(landed["batch_id"])
        if landed["duplicate"]:
            return BatchSummary(
                dataset_code,
                batch_id,
                True,
                "duplicate",
                outcome="duplicate",
                reason=f"{source.name} was published before as batch {batch_id}",
            )
        return advance(
            settings,
            dataset_code,
            batch_id,
            resumed=bool(landed["resumed"]),
            retry_of=landed["retry_of"],
        )


def resume_batch(
    settings: Settings,
    batch_id: int,
    *,
    dataset_code: str | None = None,
    actor: Principal = SYSTEM,
) -> BatchSummary:
    """Carry an unfinished batch on from its last finished step (``zhongtai ingest --resume``);
    a finished batch is summarised as it stands. ``dataset_code``, when given, must be the
    batch's dataset."""
    with sessions(settings)() as session, keeping_refusals(session):
        batch = _batch(session, batch_id)
        dataset = session.get(Dataset, batch.dataset_id)
        assert dataset is not None  # a foreign key
        ensure(session, actor, act.BATCH_INGEST, DatasetTerms.of(dataset))
        code = dataset.code
    if dataset_code is not None and dataset_code != code:
        raise PublishError(
            f"batch {batch_id} belongs to {code}, not {dataset_code}",
            code="batch.contract_mismatch",
            batch_id=batch_id,
        )
    with dataset_lock(settings, code):
        recover(settings, code)
        return advance(settings, code, batch_id, resumed=True)


def advance(
    settings: Settings,
    dataset_code: str,
    batch_id: int,
    *,
    resumed: bool = False,
    retry_of: int | None = None,
) -> BatchSummary:
    """Run the steps a batch has not finished yet, and summarise where it ended."""
    with dataset_lock(settings, dataset_code):
        staged = standardize_step(settings, dataset_code, batch_id)
        if staged["status"] not in ("standardized", "validated"):
            return _final(settings, dataset_code, batch_id, resumed, retry_of, staged)
        checked = validate_step(settings, dataset_code, batch_id)
        try:
            done = publish_step(
                settings, dataset_code, batch_id, checked["decision"], checked["verdict_path"]
            )
        except PublishError as exc:
            done = {"batch_id": batch_id, "status": "failed", "reasons": [exc.message]}
    return BatchSummary(
        dataset=dataset_code,
        batch_id=batch_id,
        duplicate=False,
        status=done["status"],
        rows_in=checked["rows_in"],
        rows_published=done.get("rows_published"),
        rows_quarantined=done.get("rows_quarantined", checked["rows_quarantined"]),
        rows_superseded=done.get("rows_superseded"),
        snapshot_id=done.get("snapshot_id"),
        decision=checked["decision"],
        reason="; ".join(done.get("reasons", [])),
        findings=checked.get("findings", {}),
        outcome=outcome_of(done["status"]),
        resumed=resumed,
        retry_of=retry_of,
    )


def _final(
    settings: Settings,
    dataset_code: str,
    batch_id: int,
    resumed: bool,
    retry_of: int | None,
    step: StepResult,
) -> BatchSummary:
    """The summary of a batch that ended before validation (malformed), or that was already
    finished when asked to resume."""
    with sessions(settings)() as session:
        batch = _batch(session, batch_id)
        status = batch.status.value
        reason = step.get("reason") or batch.error
        malformed = bool(step.get("malformed")) or batch.error.startswith(MalformedSource.code)
        return BatchSummary(
            dataset_code,
            batch_id,
            False,
            status,
            rows_in=batch.rows_in,
            rows_published=batch.rows_published,
            rows_quarantined=batch.rows_quarantined,
            snapshot_id=batch.snapshot_id,
            reason=reason,
            outcome=outcome_of(status, malformed=malformed),
            resumed=resumed,
            retry_of=retry_of,
        )
