"""What a replay of an audited read needs, recorded with the read itself.

A read's audit event (``data.read``, ``data.bulk_delivered``, ``data.changes_read``,
``data.aggregated``) names its purpose, grant, snapshot, columns and filters — the grant's row
filter as it was at the time, then the client's. This module adds the rest of the access plan as
it was executed, as the event's ``plan`` detail: the table; each column's type and mask; the order
(the key, or the hidden keyed order); whether the plan carried its grant's key; the page's limit
(already clipped to the quota left) and offset; and for keyset pages, the position the page started
after. ``lakehouse.reproduce`` rebuilds the plan from the record alone — never from today's
contract or grant, which may since have been re-masked, narrowed or revoked.

Nothing secret is recorded: a replay derives the grant's key again from the mask master key
(``catalog.keys.mask_key``); ``keyed`` only says the plan had one. A keyset position is a DuckLake
row id: the audit log's readers (auditors and admins) may see it, a grantee never does.

A record that does not parse — an edited row, say — is ``audit.record_invalid`` (409): it cannot
be replayed, and the chain check (``catalog.audit.verify_chain``) says where it was edited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from catalog.aggregate_plan import AggregatePlan, Measure, MeasureFn
from catalog.conditions import Condition
from catalog.errors import Conflict, InvalidInput
from catalog.read_plan import AccessPlan, PlannedColumn
from schemas.masks import MaskSpec

__all__ = ["TERMS_VERSION", "AggregateTerms", "ReadTerms", "conditions_of", "record_invalid"]

TERMS_VERSION = 1
_MAX_INT = 2**63 - 1


def record_invalid(reason: str) -> Conflict:
    return Conflict(f"the audit record cannot be replayed: {reason}", code="audit.record_invalid")


def _int(data: Mapping[str, Any], key: str, *, low: int = 0, none: bool = False) -> int | None:
    value = data.get(key)
    if value is None and none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= _MAX_INT:
        raise record_invalid(f"plan '{key}' is not an integer from {low}")
    return value


def _flag(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise record_invalid(f"plan '{key}' is not true or false")
    return value


def _names(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise record_invalid(f"{what} is not a list of names")
    return tuple(value)


def _columns(value: object) -> tuple[PlannedColumn, ...]:
    if not isinstance(value, list) or not value:
        raise record_invalid("plan 'columns' is not a list of columns")
    columns = []
    for item in value:
        if not isinstance(item, Mapping) or not (
            {"name", "type", "mask"} <= set(item) <= {"name", "type", "mask", "clear_for"}
        ):
            raise record_invalid("a planned column is not {name, type, mask[, clear_for]}")
        name, duckdb_type, mask = item["name"], item["type"], item["mask"]
        if not (isinstance(name, str) and name and isinstance(duckdb_type, str)):
            raise record_invalid("a planned column has no name or type")
        try:
            spec = MaskSpec.parse(mask)
        except ValueError:
            raise record_invalid(f"column {name!r} has an unknown mask") from None
        clear_for = conditions_of([item["clear_for"]])[0] if "clear_for" in item else None
        columns.append(PlannedColumn(name, duckdb_type, spec, clear_for))
    return tuple(columns)


def _column_json(column: PlannedColumn) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "name": column.name,
        "type": column.duckdb_type,
        "mask": str(column.mask),
    }
    if column.clear_for is not None:  # the reader's own rows, shown unmasked (民呼我为)
        shown["clear_for"] = column.clear_for.to_json()
    return shown


def _mapping(data: object) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise record_invalid("the read was recorded without its plan")
    if data.get("v") != TERMS_VERSION:
        raise record_invalid(f"plan version {data.get('v')!r} is not {TERMS_VERSION}")
    table = data.get("table")
    if not isinstance(table, str) or not table:
        raise record_invalid("plan 'table' is missing")
    return data


def conditions_of(filters: object) -> tuple[Condition, ...]:
    """The recorded filters (``Condition.to_json`` each) as conditions, in their order."""
    if not isinstance(filters, list):
        raise record_invalid("'filters' is not a list")
    try:
        return tuple(Condition.from_json(f) for f in filters)
    except InvalidInput as exc:
        raise record_invalid(f"a recorded filter does not parse ({exc.message})") from None


@dataclass(frozen=True, slots=True)
class ReadTerms:
    """A row read's plan as executed, but for what the event already records (purpose, grant,
    filters) and the grant's key, which is never recorded."""

    table: str
    columns: tuple[PlannedColumn, ...]
    order_by: tuple[str, ...]
    order_hidden: bool
    keyed: bool
    limit: int | None
    offset: int
    keyset: bool = False
    """The page was read by keyset (its body carries a ``next`` cursor), not by offset."""
    after: tuple[int, ...] | None = None
    """Keyset: the position the page started after (a row id; changes: snapshot and row id)."""

    @classmethod
    def of(
        cls, plan: AccessPlan, *, keyset: bool = False, after: tuple[int, ...] | None = None
    ) -> ReadTerms:
        return cls(
            table=plan.table,
            columns=plan.columns,
            order_by=plan.order_by,
            order_hidden=plan.order_hidden,
            keyed=plan.hash_key is not None,
            limit=plan.limit,
            offset=plan.offset,
            keyset=keyset,
            after=after,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "v": TERMS_VERSION,
            "table": self.table,
            "columns": [_column_json(c) for c in self.columns],
            "order_by": list(self.order_by),
            "order_hidden": self.order_hidden,
            "keyed": self.keyed,
            "limit": self.limit,
            "offset": self.offset,
            "keyset": self.keyset,
            "after": list(self.after) if self.after is not None else None,
        }

    @classmethod
    def from_json(cls, data: object) -> ReadTerms:
        """The terms recorded as ``data``; ``audit.record_invalid`` if they do not parse."""
        terms = _mapping(data)
        after = terms.get("after")
        if after is not None and (
            not isinstance(after, list)
            or not 1 <= len(after) <= 2
            or not all(isinstance(a, int) and not isinstance(a, bool) for a in after)
        ):
            raise record_invalid("plan 'after' is not a keyset position")
        return cls(
            table=terms["table"],
            columns=_columns(terms.get("columns")),
            order_by=_names(terms.get("order_by"), "plan 'order_by'"),
            order_hidden=_flag(terms, "order_hidden"),
            keyed=_flag(terms, "keyed"),
            limit=_int(terms, "limit", low=1, none=True),
            offset=_int(terms, "offset") or 0,
            keyset=_flag(terms, "keyset"),
            after=tuple(after) if after is not None else None,
        )

    def plan(
        self,
        *,
        dataset_code: str,
        conditions: tuple[Condition, ...],
        grant_id: int | None,
        purpose: str,
        hash_key: bytes | None,
    ) -> AccessPlan:
        """The access plan as it was executed (``hash_key``: the grant's key, when ``keyed``)."""
        return AccessPlan(
            dataset_code=dataset_code,
            table=self.table,
            columns=self.columns,
            conditions=conditions,
            limit=self.limit,
            offset=self.offset,
            grant_id=grant_id,
            purpose=purpose,
            order_by=self.order_by,
            order_hidden=self.order_hidden,
            hash_key=hash_key if self.keyed else None,
        )


_MEASURE_KEYS = ({"fn", "field"}, {"fn", "field", "than"})


def _measure_json(measure: Measure) -> dict[str, Any]:
    """A measure as recorded; ``than`` only when it compares (older records never carry it)."""
    data: dict[str, Any] = {"fn": measure.fn.value, "field": measure.field}
    if measure.than is not None:
        data["than"] = measure.than
    return data


@dataclass(frozen=True, slots=True)
class AggregateTerms:
    """An aggregate's plan as executed, but for its filters, purpose and grant (in the event)."""

    table: str
    group_by: tuple[PlannedColumn, ...]
    measures: tuple[Measure, ...]
    max_groups: int
    keyed: bool

    @classmethod
    def of(cls, plan: AggregatePlan) -> AggregateTerms:
        return cls(
            table=plan.table,
            group_by=plan.group_by,
            measures=plan.measures,
            max_groups=plan.max_groups,
            keyed=plan.hash_key is not None,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "v": TERMS_VERSION,
            "table": self.table,
            "group_by": [_column_json(c) for c in self.group_by],
            "measures": [_measure_json(m) for m in self.measures],
            "max_groups": self.max_groups,
            "keyed": self.keyed,
        }

    @classmethod
    def from_json(cls, data: object) -> AggregateTerms:
        terms = _mapping(data)
        group_by = terms.get("group_by")
        columns = _columns(group_by) if group_by else ()
        measures = terms.get("measures")
        if not isinstance(measures, list) or not measures:
            raise record_invalid("plan 'measures' is not a list of measures")
        parsed = []
        for item in measures:
            if not isinstance(item, Mapping) or set(item) not in _MEASURE_KEYS:
                raise record_invalid("a measure is not {fn, field[, than]}")
            field, than = item["field"], item.get("than")
            try:
                fn = MeasureFn(item["fn"])
            except ValueError:
                raise record_invalid("a measure's function is unknown") from None
            if (
                (fn is MeasureFn.COUNT) != (field is None)
                or (fn is MeasureFn.COUNT_NOT_AFTER) != (than is not None)
                or not (field is None or isinstance(field, str))
                or not (than is None or isinstance(than, str))
            ):
                raise record_invalid("a measure's field does not fit its function")
            parsed.append(Measure(fn, field, than))
        return cls(
            table=terms["table"],
            group_by=columns,
            measures=tuple(parsed),
            max_groups=_int(terms, "max_groups", low=1) or 1,
            keyed=_flag(terms, "keyed"),
        )

    def plan(
        self,
        *,
        dataset_code: str,
        conditions: tuple[Condition, ...],
        min_group_size: int,
        grant_id: int | None,
        purpose: str,
        hash_key: bytes | None,
    ) -> AggregatePlan:
        return AggregatePlan(
            dataset_code=dataset_code,
            table=self.table,
            group_by=self.group_by,
            measures=self.measures,
            conditions=conditions,
            min_group_size=min_group_size,
            max_groups=self.max_groups,
            grant_id=grant_id,
            purpose=purpose,
            hash_key=hash_key if self.keyed else None,
        )
