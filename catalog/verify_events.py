"""Audit events of the answers that send no rows: verify (核验) and aggregate.

Like ``catalog.events``, one small frozen dataclass per act, written only through
``catalog.audit.record``. Neither ever carries a submitted or stored value: a verification
records a SHA-256 of the request (its records are personal data) and of the response, and the
counts of each outcome; an aggregate records what it grouped and summed, how many groups were
sent and how many were suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from catalog.events import AuditedEvent

__all__ = ["DataAggregated", "DataVerified"]


@dataclass(frozen=True, kw_only=True)
class DataVerified(AuditedEvent):
    """Records were verified against a dataset: per record only match / not found / differs."""

    action: ClassVar[str] = "data.verified"
    rows_field: ClassVar[str] = ""  # no stored row is sent: the envelope's rows_sent stays empty
    purpose: str
    match_on: tuple[str, ...]
    compare: tuple[str, ...]
    masked_fields: tuple[str, ...]
    """Fields used that the caller sees masked (its grant's match keys)."""
    record_count: int
    matched: int
    not_found: int
    differs: int
    request_sha256: str
    """SHA-256 of the canonical request (fields and records): the values are never stored."""
    bytes_sent: int
    content_sha256: str
    snapshot_id: int | None


@dataclass(frozen=True, kw_only=True)
class DataAggregated(AuditedEvent):
    """Counts and sums by group left the platform; groups under the minimum size did not."""

    action: ClassVar[str] = "data.aggregated"
    rows_field: ClassVar[str] = "group_count"  # the envelope's "rows sent": groups sent
    purpose: str
    group_by: tuple[str, ...]
    masked_group_by: tuple[str, ...]
    measures: tuple[str, ...]
    filters: tuple[Any, ...]
    min_group_size: int
    group_count: int
    suppressed_groups: int
    bytes_sent: int
    content_sha256: str
    snapshot_id: int | None
    plan: dict[str, Any] | None = None
    """The rest of the access plan as executed (``catalog.replay_terms``): what a replay of this
    read needs (``lakehouse.reproduce``). Empty on reads recorded before replays were kept."""
