"""智能报表: which fields of a report template the reader's own grants can fill, and how.

Pure, like ``catalog.aggregate_plan``: the caller (``lakehouse.report_fill``) gathers each source
dataset's terms, the reader's live grant on it and its current snapshot; :func:`decide_field`
answers a :class:`SourcePlan` (run by ``lakehouse.report_sql``) or a :class:`ToCollect` naming
what is missing, so the office knows what to request.

Rules, for a ``platform`` field:

1. Every dataset the field reads — its source and, for a ``via`` field, the dataset it is joined
   to — passes the one access decision, ``data.aggregate`` (``catalog.policy.authorize``): the
   requester role, a live grant allowing ``aggregate`` (expiry, revocation, quota), the grant's
   row filter and region bound first, the negative list, and ``where`` fields granted and
   **unmasked** (a masked field is never filtered on, as in any aggregate). A ``sum`` is over a
   granted, unmasked, numeric field. Any refusal leaves the field ``to_collect`` with that code.
2. ``count_distinct`` of a field the reader sees masked (a citizen ID) is allowed: like the
   aggregate path's ``count``, it counts rows without revealing a value — the count is taken over
   a keyed hash inside DuckDB (``lakehouse.report_sql``), the field must be granted.
3. A ``via`` join key must be granted on both sides, and where the reader sees it masked it must
   be a *match key* of that grant (the owner agreed it may be matched, as for scenarios). The
   join is made inside one DuckDB statement on an HMAC of the key under a per-report key
   (``catalog.keys.report_key``); only the count or sum leaves.
4. Small counts are suppressed as the aggregate path suppresses groups: a value computed from
   fewer than ``min_group_size`` rows (``ZHONGTAI_MIN_GROUP_SIZE``) — or a distinct count below
   it — is never sent; the field is ``to_collect`` (``report.suppressed``). The owner reading its
   own dataset is never suppressed.

A field is **repeated collection** (重复采集) when the office still collects it by hand
(``collected_today``) although another department shares its source (registered, shared, not
negative-listed) — whatever the reader's grants: without a grant the flag says what to request.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from catalog import actions as act
from catalog.aggregate_plan import AggregatePlan, AggregateRequest, AggregateResource, MeasureFn
from catalog.aggregate_plan import Measure as AggregateMeasure
from catalog.conditions import Condition, Op, Scalar, type_family
from catalog.errors import InvalidInput, NotFound
from catalog.negative_check import dataset_barred, fields_barred
from catalog.policy import Refusal, authorize
from catalog.principals import Principal
from catalog.read_plan import grantee_mask, is_owner_reader
from catalog.resources import DatasetTerms, GrantTerms
from schemas.contract_text import ContractError
from schemas.loader import ShareType
from schemas.report_templates import (
    TEMPLATES_DIR,
    Measure,
    ReportField,
    ReportTemplate,
    Where,
    load_template,
)

__all__ = [
    "SourcePlan",
    "SourceTerms",
    "ToCollect",
    "decide_field",
    "find_template",
    "parse_month",
    "placeholders",
    "repeated_collection",
    "template_names",
]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_MONTH = re.compile(r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")


def template_names() -> tuple[str, ...]:
    """The shipped templates' names (``schemas/reports/templates/*.yaml``), sorted."""
    return tuple(sorted(p.stem for p in TEMPLATES_DIR.glob("*.yaml") if _NAME.match(p.stem)))


def find_template(name: str) -> ReportTemplate:
    """The template ``name``; ``report.not_found`` for a name that is not a shipped template
    (never read as a path)."""
    if not _NAME.match(name) or name not in template_names():
        raise NotFound(f"no report template {name!r}", code="report.not_found")
    try:
        return load_template(name)
    except ContractError as exc:  # a shipped template that does not parse is none to pre-fill
        raise NotFound(
            f"report template {name!r} is unreadable: {exc}", code="report.not_found"
        ) from exc


def parse_month(text: str) -> str:
    """``YYYY-MM``, or ``report.month_invalid``."""
    if not isinstance(text, str) or not _MONTH.match(text.strip()):
        raise InvalidInput(
            f"month must be YYYY-MM (2026-11), not {text!r}", code="report.month_invalid"
        )
    return text.strip()


def placeholders(template: ReportTemplate, month: str) -> dict[str, str]:
    """What ``{street}``, ``{region}``, ``{month}`` … in a template's ``where`` stand for."""
    return {**template.scope, "month": month}


@dataclass(frozen=True, slots=True)
class SourceTerms:
    """A source dataset as the catalog holds it now, the reader's live grant on it (if any, or
    the refusal finding one gave) and its current snapshot."""

    dataset: DatasetTerms
    grant: GrantTerms | None
    snapshot_id: int | None
    grant_problem: Refusal | None = None


@dataclass(frozen=True, slots=True)
class ToCollect:
    """Why the platform cannot fill a field: a stable code, a reason, and what to request."""

    code: str
    reason: str
    missing: tuple[str, ...] = ()
    dataset: str = ""


@dataclass(frozen=True, slots=True)
class SourcePlan:
    """How one platform field is computed: the source's aggregate plan (its conditions carry the
    grant's row filter first), the measure, and for a ``via`` field the joined dataset's plan."""

    field: str
    measure: Measure
    measured: str
    dataset: str
    plan: AggregatePlan
    snapshot_id: int
    via_dataset: str = ""
    via_plan: AggregatePlan | None = None
    via_snapshot_id: int | None = None
    via_key: str = ""

    @property
    def min_group_size(self) -> int:
        sizes = [self.plan.min_group_size]
        if self.via_plan is not None:
            sizes.append(self.via_plan.min_group_size)
        return max(sizes)

    @property
    def grant_ids(self) -> tuple[int, ...]:
        plans = (self.plan, self.via_plan)
        return tuple(p.grant_id for p in plans if p is not None and p.grant_id is not None)


def repeated_collection(
    principal: Principal, field: ReportField, sources: Mapping[str, SourceTerms | None]
) -> bool:
    """重复采集: collected by hand although another department shares the source."""
    if not field.repeated_collection or field.source is None:
        return False
    terms = sources.get(field.source.dataset)
    if terms is None:
        return False
    dataset = terms.dataset
    return (
        dataset.share_type is not ShareType.NOT_SHARED
        and dataset_barred(dataset) is None
        and dataset.owner_department_id != principal.department_id
    )


def _value(dataset: DatasetTerms, name: str, text: str) -> Scalar:
    if type_family(dataset.field(name).duckdb_type) != "number":
        return text
    try:
        return int(text)
    except ValueError:
        return float(text)


def _conditions(
    dataset: DatasetTerms, where: Where, values: Mapping[str, str]
) -> tuple[Condition, ...] | ToCollect:
    conditions = []
    for name, raw in where:
        if name not in dataset.field_names:
            return ToCollect(
                "field.unknown", f"{dataset.code} has no field {name}", (f"{dataset.code}.{name}",)
            )
        try:
            texts = tuple(v.format_map(values) for v in raw)
            typed = tuple(_value(dataset, name, t) for t in texts)
        except (KeyError, ValueError) as exc:
            return ToCollect("report.template_invalid", f"where {name}: {exc}", (), dataset.code)
        if len(typed) == 1:
            conditions.append(Condition(name, Op.EQ, typed[0]))
        else:
            conditions.append(Condition(name, Op.IN, typed))
    return tuple(conditions)


def _missing(
    terms: SourceTerms, refusal: Refusal, needed: tuple[str, ...], filtered: tuple[str, ...]
) -> tuple[str, ...]:
    """What the office would have to request: the dataset, or the fields a refusal is about
    (for ``field.masked``, the masked fields the template filters or sums on)."""
    dataset, grant = terms.dataset, terms.grant
    if refusal.code.startswith("field.") and grant is not None:
        if refusal.code == "field.masked":
            return tuple(
                f"{dataset.code}.{n}" for n in filtered if grantee_mask(dataset.field(n)).masked
            )
        known = [n for n in needed if n in dataset.field_names]
        return tuple(f"{dataset.code}.{n}" for n in known if n not in grant.fields)
    return (dataset.code,)


def _side(
    principal: Principal,
    terms: SourceTerms | None,
    code: str,
    measure: AggregateMeasure,
    where: Where,
    extra: tuple[str, ...],
    join_key: str,
    values: Mapping[str, str],
    min_group_size: int,
    now: dt.datetime,
) -> tuple[AggregatePlan, int] | ToCollect:
    """One dataset's decision: ``data.aggregate`` for ``measure`` filtered by ``where``, then the
    fields it counts or joins on (``extra``)."""
    if terms is None:
        return ToCollect("dataset.unknown", f"no dataset {code} in the catalog", (code,), code)
    dataset = terms.dataset
    conditions = _conditions(dataset, where, values)
    if isinstance(conditions, ToCollect):
        return conditions
    filtered = tuple(n for n, _ in where)
    if measure.field is not None:
        filtered = (*filtered, measure.field)
    needed = tuple(dict.fromkeys((*extra, *filtered)))
    if terms.grant_problem is not None:
        found = terms.grant_problem
        return ToCollect(found.code, found.reason, _missing(terms, found, needed, filtered), code)
    request = AggregateRequest(group_by=(), measures=(measure,), filters=conditions)
    resource = AggregateResource(dataset, terms.grant, request, min_group_size=min_group_size)
    decision = authorize(principal, act.DATA_AGGREGATE, resource, now=now)
    if isinstance(decision, Refusal):
        return ToCollect(
            decision.code, decision.reason, _missing(terms, decision, needed, filtered), code
        )
    plan = decision.aggregate_plan
    assert plan is not None
    if not is_owner_reader(principal, dataset):
        assert terms.grant is not None
        unknown = [n for n in extra if n not in dataset.field_names]
        if unknown:
            return ToCollect("field.unknown", f"{code} has no field(s) {unknown}", (), code)
        hidden = tuple(f"{code}.{n}" for n in extra if n not in terms.grant.fields)
        if hidden:
            return ToCollect(
                "field.not_granted", f"field(s) {list(hidden)} are not in the grant", hidden, code
            )
        barred = fields_barred(dataset, extra, use="aggregated")
        if barred is not None:
            return ToCollect(barred.code, barred.reason, (), code)
        masked_key = join_key and grantee_mask(dataset.field(join_key)).masked
        if masked_key and join_key not in terms.grant.match_fields:
            return ToCollect(
                "report.join_not_granted",
                f"{code}.{join_key} is masked for your grant and not a match key: it cannot be "
                "joined on",
                (f"{code}.{join_key}",),
                code,
            )
    if terms.snapshot_id is None:
        return ToCollect(
            "dataset.not_published", f"dataset {code} has no published snapshot yet", (), code
        )
    return plan, terms.snapshot_id


def decide_field(
    principal: Principal,
    field: ReportField,
    sources: Mapping[str, SourceTerms | None],
    values: Mapping[str, str],
    *,
    min_group_size: int,
    now: dt.datetime,
) -> SourcePlan | ToCollect:
    """How ``principal``'s grants fill the platform ``field`` (module docstring), or why not."""
    source = field.source
    if source is None:
        raise ValueError(f"{field.name} is not filled from the platform")
    via = source.via
    if source.measure is Measure.SUM:
        measure = AggregateMeasure(MeasureFn.SUM, source.field)
        extra: tuple[str, ...] = ()
    else:
        measure, extra = AggregateMeasure(MeasureFn.COUNT), (source.field,)
    if via is not None:
        extra = (*extra, via.key)
    main = _side(
        principal,
        sources.get(source.dataset),
        source.dataset,
        measure,
        source.where,
        extra,
        via.key if via is not None else "",
        values,
        min_group_size,
        now,
    )
    if isinstance(main, ToCollect):
        return main
    if via is None:
        return SourcePlan(field.name, source.measure, source.field, source.dataset, *main)
    joined = _side(
        principal,
        sources.get(via.dataset),
        via.dataset,
        AggregateMeasure(MeasureFn.COUNT),
        via.where,
        (via.key,),
        via.key,
        values,
        min_group_size,
        now,
    )
    if isinstance(joined, ToCollect):
        return joined
    return SourcePlan(
        field.name,
        source.measure,
        source.field,
        source.dataset,
        main[0],
        main[1],
        via_dataset=via.dataset,
        via_plan=joined[0],
        via_snapshot_id=joined[1],
        via_key=via.key,
    )
