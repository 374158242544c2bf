"""The aggregate half of the access decision: counts and sums become an :class:`AggregatePlan`
or a refusal.

``catalog.policy.authorize`` calls :func:`plan_aggregate` for ``data.aggregate``; nothing else
does. Pure, like ``catalog.read_plan.plan_read``.

Rules, in the order they are checked:

1. Shape: 0 to :data:`MAX_GROUP_FIELDS` distinct ``group_by`` fields; 1 to
   :data:`MAX_MEASURES` distinct measures, each ``count`` (no field), ``sum`` of one field,
   ``count_present`` of one field (rows where it is not null) or ``count_not_after`` of a field
   ``than`` another (rows where both are present and the first is at or before the second — a
   case replied by its deadline) (``aggregate.invalid``).
2. A publisher or steward of the owner department aggregates every field unmasked, and its
   groups are never suppressed.
3. Everyone else needs the requester role and a live grant allowing the ``aggregate`` mode
   (``catalog.read_plan.check_grant``).
4. Fields: every field named known (``field.unknown``) and granted (``field.not_granted``).
   A masked field is grouped by its **masked** value — what the grantee could already read, a
   birth year say — never the stored one. A sum is only over a numeric field the grantee sees
   unmasked (``field.masked``, ``aggregate.invalid`` for a text field). ``count_present`` and
   ``count_not_after`` only over fields the grantee sees unmasked (``field.masked``: comparing a
   masked column with another would count what the mask hides), the two compared fields of one
   kind, number with number or date/time with date/time, never text (``aggregate.invalid``).
   Filters only on granted, unmasked fields: a masked field is refused even when it is a match
   key (a range or a list of candidates in an aggregate would count what the mask hides).
5. The plan: the grant's row filter always comes first; groups with fewer than the minimum
   group size rows (``AggregateResource.min_group_size``, the setting
   ``ZHONGTAI_MIN_GROUP_SIZE``) are suppressed entirely — their keys and sums are never sent,
   only how many there were; at most :data:`MAX_GROUPS` groups are returned. No group is
   suppressed when the aggregate names no field the grantee sees masked and its grant also
   delivers rows (``query``, ``bulk`` or ``subscribe``): it could count those very rows itself
   from what it may read, so suppression would hide nothing but an exact answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from catalog.conditions import Condition, condition_problem, type_family
from catalog.models import AccessMode, Role
from catalog.negative_check import fields_barred
from catalog.principals import Principal
from catalog.read_plan import (
    UNMASKED,
    PlannedColumn,
    Refusal,
    check_grant,
    grantee_mask,
    is_owner_reader,
)
from catalog.resources import DatasetTerms, GrantTerms, ReadRequest

__all__ = [
    "MAX_GROUPS",
    "MAX_GROUP_FIELDS",
    "MAX_MEASURES",
    "AggregatePlan",
    "AggregateRequest",
    "AggregateResource",
    "Measure",
    "MeasureFn",
    "plan_aggregate",
]

MAX_GROUPS = 10_000
"""The most groups one aggregate call may return (``aggregate.too_many_groups`` beyond)."""

MAX_GROUP_FIELDS = 10
MAX_MEASURES = 20
MAX_FILTERS = 20


class MeasureFn(StrEnum):
    COUNT = "count"
    SUM = "sum"
    COUNT_PRESENT = "count_present"
    COUNT_NOT_AFTER = "count_not_after"


ROW_MODES = frozenset({AccessMode.QUERY, AccessMode.BULK, AccessMode.SUBSCRIBE})
"""Modes that deliver rows: a grant with one of them could count its unmasked rows itself."""


@dataclass(frozen=True, slots=True)
class Measure:
    """``count`` (rows in the group), ``sum`` of one numeric field, ``count_present`` of one
    field (rows where it is not null), or ``count_not_after`` (rows where ``field`` and
    ``than`` are both present and ``field <= than``)."""

    fn: MeasureFn
    field: str | None = None
    than: str | None = None

    @property
    def label(self) -> str:
        """The output column name: ``count``, ``sum_<field>``, ``count_present_<field>`` or
        ``count_<field>_not_after_<than>``."""
        if self.fn is MeasureFn.COUNT_NOT_AFTER:
            return f"count_{self.field}_not_after_{self.than}"
        return self.fn.value if self.field is None else f"{self.fn.value}_{self.field}"

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields the measure reads."""
        return tuple(f for f in (self.field, self.than) if f is not None)


@dataclass(frozen=True, slots=True)
class AggregateRequest:
    group_by: tuple[str, ...]
    measures: tuple[Measure, ...]
    filters: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class AggregateResource:
    """An aggregation: the dataset, the grant it goes through (if any), what is asked, and the
    platform's minimum group size (``Settings.min_group_size``)."""

    dataset: DatasetTerms
    grant: GrantTerms | None
    request: AggregateRequest
    min_group_size: int = 10


@dataclass(frozen=True, slots=True)
class AggregatePlan:
    """An allowed aggregation. ``group_by`` columns carry the mask they are grouped through;
    groups of fewer than ``min_group_size`` rows are suppressed (1 for the owner: none are)."""

    dataset_code: str
    table: str
    group_by: tuple[PlannedColumn, ...]
    measures: tuple[Measure, ...]
    conditions: tuple[Condition, ...]
    min_group_size: int
    max_groups: int
    grant_id: int | None
    purpose: str
    hash_key: bytes | None = None
    """The grant's key for a ``hash``-masked group field, attached at the edge (never decided)."""

    @property
    def masked_group_fields(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.group_by if c.mask.masked)


def plan_aggregate(
    principal: Principal, resource: AggregateResource, *, now: dt.datetime
) -> AggregatePlan | Refusal:
    """Decide whether ``principal`` may aggregate ``resource.request``, and how."""
    if now.tzinfo is None:
        raise ValueError("plan_aggregate() needs a timezone-aware 'now'")
    dataset, request = resource.dataset, resource.request
    shape = _check_shape(request)
    if shape is not None:
        return shape
    if is_owner_reader(principal, dataset):
        visible = dataset.field_names
        refusal = _check_fields(dataset, visible, frozenset(), request)
        if refusal is not None:
            return refusal
        return AggregatePlan(
            dataset_code=dataset.code,
            table=dataset.table_name,
            group_by=tuple(
                PlannedColumn(n, dataset.field(n).duckdb_type, UNMASKED) for n in request.group_by
            ),
            measures=request.measures,
            conditions=request.filters,
            min_group_size=1,
            max_groups=MAX_GROUPS,
            grant_id=None,
            purpose="owner",
        )
    if not principal.has(Role.REQUESTER) or principal.is_system:
        return Refusal(
            "role.requester_required",
            "aggregating another department's data through a grant needs the requester role",
        )
    checked = check_grant(
        principal,
        dataset,
        resource.grant,
        ReadRequest(mode=AccessMode.AGGREGATE, filters=request.filters),
        now,
    )
    if isinstance(checked, Refusal):
        return checked
    granted = set(checked.fields)
    visible = tuple(n for n in dataset.field_names if n in granted)
    masks = {n: grantee_mask(dataset.field(n)) for n in visible}
    masked = frozenset(n for n, m in masks.items() if m.masked)
    refusal = _check_fields(dataset, visible, masked, request)
    if refusal is not None:
        return refusal
    named = request.group_by + tuple(f for m in request.measures for f in m.fields)
    named += tuple(c.field for c in request.filters)
    barred = fields_barred(dataset, named, use="aggregated")
    if barred is not None:  # 负面清单: catalog.negative_check
        return Refusal(barred.code, barred.reason)
    countable = not (set(named) & masked) and bool(checked.access_modes & ROW_MODES)
    return AggregatePlan(
        dataset_code=dataset.code,
        table=dataset.table_name,
        group_by=tuple(
            PlannedColumn(n, dataset.field(n).duckdb_type, masks[n]) for n in request.group_by
        ),
        measures=request.measures,
        conditions=checked.row_filter + request.filters,
        min_group_size=1 if countable else max(resource.min_group_size, 1),
        max_groups=MAX_GROUPS,
        grant_id=checked.grant_id,
        purpose=checked.purpose,
    )


def _check_shape(request: AggregateRequest) -> Refusal | None:
    if len(request.group_by) > MAX_GROUP_FIELDS:
        return Refusal("aggregate.invalid", f"group by at most {MAX_GROUP_FIELDS} fields")
    if len(set(request.group_by)) != len(request.group_by):
        return Refusal("aggregate.invalid", "a field may appear in group_by once")
    if not 1 <= len(request.measures) <= MAX_MEASURES:
        return Refusal("aggregate.invalid", f"ask for 1 to {MAX_MEASURES} measures")
    if len(set(request.measures)) != len(request.measures):
        return Refusal("aggregate.invalid", "a measure may be asked for once")
    if len(request.filters) > MAX_FILTERS:
        return Refusal("aggregate.invalid", f"at most {MAX_FILTERS} filters")
    for measure in request.measures:
        if (measure.fn is MeasureFn.COUNT) != (measure.field is None) or (
            (measure.fn is MeasureFn.COUNT_NOT_AFTER) != (measure.than is not None)
        ):
            return Refusal(
                "aggregate.invalid",
                "'count' takes no field; 'sum' and 'count_present' exactly one field; "
                "'count_not_after' a field and a 'than' field",
            )
        if measure.than is not None and measure.than == measure.field:
            return Refusal("aggregate.invalid", "'count_not_after' compares two different fields")
    return None


def _check_fields(
    dataset: DatasetTerms,
    visible: tuple[str, ...],
    masked: frozenset[str],
    request: AggregateRequest,
) -> Refusal | None:
    summed = [m.field for m in request.measures if m.fn is MeasureFn.SUM and m.field]
    measured = [f for m in request.measures for f in m.fields]
    named = list(request.group_by) + measured + [c.field for c in request.filters]
    unknown = [n for n in named if n not in dataset.field_names]
    if unknown:
        return Refusal("field.unknown", f"dataset {dataset.code} has no field(s) {unknown}")
    hidden = [n for n in named if n not in visible]
    if hidden:
        return Refusal("field.not_granted", f"field(s) {hidden} are not in the grant")
    for name in summed:
        if name in masked:
            return Refusal("field.masked", f"field {name!r} is masked for this grant: no sum")
        if type_family(dataset.field(name).duckdb_type) != "number":
            return Refusal("aggregate.invalid", f"field {name!r} is not numeric: no sum")
    refusal = _check_counted(dataset, masked, request.measures)
    if refusal is not None:
        return refusal
    for condition in request.filters:
        if condition.field in masked:
            return Refusal(
                "field.masked",
                f"field {condition.field!r} is masked for this grant; an aggregate cannot be "
                "filtered on it",
            )
        problem = condition_problem(dataset, visible, condition)
        if problem is not None:
            return Refusal("filter.invalid", problem)
    return None


def _check_counted(
    dataset: DatasetTerms, masked: frozenset[str], measures: tuple[Measure, ...]
) -> Refusal | None:
    """``count_present`` and ``count_not_after`` only over unmasked fields; the compared two of
    one kind (numbers, or dates and times), never text."""
    for measure in measures:
        if measure.fn not in (MeasureFn.COUNT_PRESENT, MeasureFn.COUNT_NOT_AFTER):
            continue
        for name in measure.fields:
            if name in masked:
                return Refusal(
                    "field.masked",
                    f"field {name!r} is masked for this grant: it cannot be counted or compared",
                )
        if measure.than is None or measure.field is None:
            continue
        kinds = {type_family(dataset.field(n).duckdb_type) for n in measure.fields}
        if len(kinds) != 1 or "text" in kinds:
            return Refusal(
                "aggregate.invalid",
                f"'count_not_after' compares two numbers or two dates/times, not "
                f"{measure.field!r} with {measure.than!r}",
            )
    return None
