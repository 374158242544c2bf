"""Every delivery of shared data to a department leaves an OpenLineage event, written beside the
delivery's audit event in the same transaction (``catalog.lineage.record_lineage``): a read page,
a bulk extract, a changes page, an aggregate, a subscription file.

:func:`record_delivery` reads what the audit event recorded — dataset, reading department,
grant, snapshot, columns sent and which were masked, rows and bytes — so the lineage says exactly
what the audit log says, and nothing more (never a value).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from catalog.lineage import record_lineage
from catalog.models import AuditEvent, AuditOutcome, Dataset, Department, LineageEvent
from lakehouse.lineage_runs import Delivery, delivery_event

__all__ = ["DELIVERY_MODES", "record_delivery"]

DELIVERY_MODES: dict[str, str] = {
    "data.read": "query",
    "data.bulk_delivered": "bulk",
    "data.changes_read": "changes",
    "data.aggregated": "aggregate",
    "subscription.delivered": "subscription",
}
"""The audit actions that hand data to a department, and the access mode each stands for."""


def _names(detail: dict[str, Any], *keys: str) -> tuple[str, ...]:
    found: list[str] = []
    for key in keys:
        value = detail.get(key) or ()
        found.extend(str(v) for v in value if isinstance(v, str))
    return tuple(found)


def _summed(detail: dict[str, Any]) -> tuple[str, ...]:
    """The fields an aggregate summed (its measures are ``count`` or ``sum_<field>``)."""
    return tuple(m[4:] for m in _names(detail, "measures") if m.startswith("sum_"))


def _snapshot(detail: dict[str, Any]) -> int | None:
    value = detail.get("snapshot_id", detail.get("to_snapshot"))
    return value if isinstance(value, int) else None


def record_delivery(session: Session, event: AuditEvent) -> LineageEvent | None:
    """The lineage event of the delivery ``event`` records, in the caller's transaction; ``None``
    for an event that delivered nothing (a refusal, another kind of act)."""
    mode = DELIVERY_MODES.get(event.action)
    if mode is None or event.outcome is not AuditOutcome.OK or event.dataset_id is None:
        return None
    dataset = session.get(Dataset, event.dataset_id)
    department = (
        session.get(Department, event.actor_department_id)
        if event.actor_department_id is not None
        else None
    )
    if dataset is None or department is None:
        return None
    detail = dict(event.detail or {})
    delivery = Delivery(
        audit_event_id=event.id,
        mode=mode,
        dataset_code=dataset.code,
        table_name=dataset.code,
        department_code=department.code,
        grant_id=event.grant_id,
        snapshot_id=_snapshot(detail),
        columns=_names(detail, "columns", "group_by") + _summed(detail),
        masked_columns=_names(detail, "masked_columns", "masked_group_by"),
        rows=event.rows_sent,
        size=event.bytes_sent,
    )
    return record_lineage(session, delivery_event(delivery, now=event.occurred_at))
