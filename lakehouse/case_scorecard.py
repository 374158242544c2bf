"""The on-time scorecard (案件按时办结率, 民呼我为): per handling department, how its cases were
answered against their deadlines, counted from the case datasets the reader may read.

Each dataset is counted through the aggregate read (``lakehouse.verify_exchange.aggregate_shared``)
— the one access decision (``data.aggregate``: the owner, or a grantee through its live grant
with the ``aggregate`` mode, its row filter first), audited as ``data.aggregated`` per call, a
refusal audited as ``access.refused`` and raised (the caller commits). It names only unmasked
fields: the dataset's ``handler_field`` (``handling_department``), ``deadline`` and
``replied_at``; a client filter on a masked field is refused by the decision (``field.masked``).
Two calls per dataset, grouped by the handling department:

1. ``count``, ``count_present(replied_at)``, ``count_not_after(replied_at, deadline)``;
2. the same first two with ``deadline < as_of`` added to the filters.

The words, precisely (``as_of`` is a moment, compared in China Standard Time with the stored
timestamps, which are local times without a zone):

* **cases** — the department's rows (``handling_department`` = its code);
* **on time** — ``replied_at`` present and ``replied_at <= deadline``;
* **late** — ``replied_at`` present and after ``deadline``;
* **open past deadline** — no ``replied_at`` and ``deadline < as_of``;
* **open within deadline** — no ``replied_at`` and ``deadline >= as_of``;
* **on-time rate** — on time / cases (an unanswered case is not on time; no rate without cases).

``status`` is not used: a case a department returned to the dispatch centre (已退回) carries no
reply time and counts as open for the centre, which handles it now. Groups the decision
suppresses (a grantee whose grant delivers no rows, groups under the minimum size) are not
counted; ``suppressed_groups`` says how many, and the card is then partial.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from catalog.aggregate_plan import AggregateRequest, Measure, MeasureFn
from catalog.conditions import Condition, Op
from catalog.datasets import get_dataset
from catalog.errors import InvalidInput
from catalog.principals import Principal
from catalog.workdays import CHINA
from lakehouse.serving import LakeOpener
from lakehouse.verify_exchange import aggregate_shared

__all__ = ["MAX_DATASETS", "CaseScorecard", "DatasetCounted", "DepartmentCases", "case_scorecard"]

DEADLINE = "deadline"
REPLIED = "replied_at"
MAX_DATASETS = 20
_STAMP = "%Y-%m-%d %H:%M:%S"
_COUNT = Measure(MeasureFn.COUNT)
_REPLIED = Measure(MeasureFn.COUNT_PRESENT, REPLIED)
_ON_TIME = Measure(MeasureFn.COUNT_NOT_AFTER, REPLIED, DEADLINE)


@dataclass(frozen=True, slots=True)
class DepartmentCases:
    """One handling department's line (the words as the module docstring defines them)."""

    department: str
    cases: int
    on_time: int
    late: int
    open_overdue: int
    open_in_time: int

    @property
    def rate(self) -> float | None:
        """On time / cases; ``None`` without cases."""
        return self.on_time / self.cases if self.cases else None


@dataclass(frozen=True, slots=True)
class DatasetCounted:
    """One dataset's part: the snapshot and grant counted and the audit events of its calls."""

    dataset: str
    snapshot_id: int
    grant_id: int | None
    audit_events: tuple[int, ...]
    suppressed_groups: int


@dataclass(frozen=True, slots=True)
class CaseScorecard:
    as_of: dt.datetime
    departments: tuple[DepartmentCases, ...]
    datasets: tuple[DatasetCounted, ...]
    filters: tuple[Condition, ...] = field(default=())

    @property
    def suppressed_groups(self) -> int:
        return sum(d.suppressed_groups for d in self.datasets)

    @property
    def partial(self) -> bool:
        return self.suppressed_groups > 0


def case_scorecard(
    session: Session,
    lake: LakeOpener,
    principal: Principal,
    datasets: Sequence[str],
    *,
    as_of: dt.datetime,
    min_group_size: int,
    filters: tuple[Condition, ...] = (),
    grant_ids: dict[str, int] | None = None,
    mask_master: Callable[[], bytes] | None = None,
    now: dt.datetime | None = None,
) -> CaseScorecard:
    """Count ``datasets`` (codes, each read once) as ``principal``; the caller commits.

    ``grant_ids`` names the grant per dataset (otherwise the department's only live one);
    ``filters`` narrow every dataset's rows (the decision judges them like an aggregate's).
    Unknown datasets are ``dataset.not_found``; a dataset with no handling department field is
    ``scorecard.invalid``; a refused dataset stops the card (nothing is sent, the refusal and
    the counts already made stay audited).
    """
    codes = tuple(dict.fromkeys(datasets))
    if not 1 <= len(codes) <= MAX_DATASETS:
        raise InvalidInput(f"name 1 to {MAX_DATASETS} case datasets", code="scorecard.invalid")
    if as_of.tzinfo is None:
        raise ValueError("case_scorecard() needs a timezone-aware 'as_of'")
    local = as_of.astimezone(CHINA).replace(tzinfo=None)
    tally: dict[str, list[int]] = {}
    parts: list[DatasetCounted] = []
    overdue = Condition(DEADLINE, Op.LT, local.strftime(_STAMP))
    for code in codes:
        dataset = get_dataset(session, code)
        handler = dataset.handler_field
        if handler is None:
            raise InvalidInput(
                f"dataset {code} names no handling department field: not a case dataset",
                code="scorecard.invalid",
            )
        events: list[int] = []
        suppressed = 0
        snapshot, grant = 0, None
        for step, measures, extra in (
            (0, (_COUNT, _REPLIED, _ON_TIME), ()),
            (1, (_COUNT, _REPLIED), (overdue,)),
        ):
            answer = aggregate_shared(
                session,
                lake,
                principal,
                dataset,
                AggregateRequest((handler,), measures, filters + extra),
                min_group_size=min_group_size,
                grant_id=(grant_ids or {}).get(code),
                mask_master=mask_master,
                now=now,
            )
            events.append(answer.event.id)
            document = answer.document
            snapshot, grant = int(document["snapshot_id"]), document["grant_id"]
            suppressed += int(document["suppressed_groups"])
            for group in document["groups"]:
                _add(tally, str(group[handler]), step, group)
        parts.append(DatasetCounted(code, snapshot, grant, tuple(events), suppressed))
    lines = tuple(_line(code, counts) for code, counts in sorted(tally.items()))
    return CaseScorecard(as_of=as_of, departments=lines, datasets=tuple(parts), filters=filters)


def _add(tally: dict[str, list[int]], department: str, step: int, group: dict[str, Any]) -> None:
    counts = tally.setdefault(department, [0, 0, 0, 0, 0])
    if step == 0:  # cases, replied, on time
        counts[0] += int(group[_COUNT.label])
        counts[1] += int(group[_REPLIED.label])
        counts[2] += int(group[_ON_TIME.label])
    else:  # deadline passed: cases, replied
        counts[3] += int(group[_COUNT.label])
        counts[4] += int(group[_REPLIED.label])


def _line(department: str, counts: list[int]) -> DepartmentCases:
    cases, replied, on_time, due, due_replied = counts
    open_overdue = due - due_replied
    return DepartmentCases(
        department=department,
        cases=cases,
        on_time=on_time,
        late=replied - on_time,
        open_overdue=open_overdue,
        open_in_time=cases - replied - open_overdue,
    )
