"""``zhongtai lake reconcile``: bring every dataset's lake and catalog into agreement, and sweep.

For each dataset the catalog knows (or those named), if the actor may ingest it
(``batch.ingest``, the one access decision), take its ingest lock without waiting — a dataset a
live run holds is reported ``busy`` and left alone — then :func:`lakehouse.pipeline.recover` it
(``lakehouse.reconcile`` + ``lakehouse.sweep``). Last, staging files of batches the catalog does
not know and raw-zone copies of dead landings are swept. Every run of a dataset does the same for
its own dataset first, so this command is for an operator after an incident, or a timer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from catalog import actions as act
from catalog.errors import NotFound
from catalog.guard import ensure, keeping_refusals
from catalog.models import Dataset
from catalog.principals import SYSTEM, Principal
from catalog.resources import DatasetTerms
from catalog.settings import Settings
from lakehouse.locks import DatasetBusy, dataset_lock
from lakehouse.pipeline import recover, sessions
from lakehouse.reconcile import Reconciled
from lakehouse.sweep import sweep_orphans

__all__ = ["LakeAgreement", "reconcile_lake"]


@dataclass(frozen=True, slots=True)
class LakeAgreement:
    results: tuple[Reconciled, ...]
    busy: tuple[str, ...]
    """Datasets a live run held: not looked at this time."""
    swept: tuple[str, ...]
    """Leftovers no dataset owns (unknown batches' staging files, dead raw-zone copies)."""

    @property
    def agreed(self) -> bool:
        return not self.busy and all(r.agreed for r in self.results)


def reconcile_lake(
    settings: Settings, datasets: Sequence[str] = (), *, actor: Principal = SYSTEM
) -> LakeAgreement:
    with sessions(settings)() as session, keeping_refusals(session):
        query = select(Dataset).order_by(Dataset.code)
        if datasets:
            query = query.where(Dataset.code.in_(list(datasets)))
        codes = []
        for dataset in session.scalars(query):
            ensure(session, actor, act.BATCH_INGEST, DatasetTerms.of(dataset))
            codes.append(dataset.code)
        unknown = sorted(set(datasets) - set(codes))
        if unknown:
            raise NotFound(f"no dataset {', '.join(unknown)}", code="dataset.not_found")
    results: list[Reconciled] = []
    busy: list[str] = []
    for code in codes:
        try:
            with dataset_lock(settings, code, wait=False):
                results.append(recover(settings, code))
        except DatasetBusy:
            busy.append(code)
    with sessions(settings)() as session:
        swept = sweep_orphans(session, settings)
    return LakeAgreement(tuple(results), tuple(busy), tuple(str(p) for p in swept))
