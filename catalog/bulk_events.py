"""The audit event of a bulk extract (``bulk`` access mode): the manifest of what was sent.

Kept beside ``catalog.events`` (same base, same ``catalog.audit.record``) so each access mode owns
its event. The event is written — and the rows charged to the grant's quota — before the first
byte of the extract leaves the server: an extract that is cut off in transit is still on record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from catalog.events import AuditedEvent

__all__ = ["BulkDelivered"]


@dataclass(frozen=True, kw_only=True)
class BulkDelivered(AuditedEvent):
    """A whole extract of a dataset's granted, masked rows, written to one file and sent.

    ``row_count``, ``bytes_sent`` and ``content_sha256`` describe exactly the file's bytes (the
    manifest a receiver checks its copy against). ``complete`` is false when the grant's quota
    clipped the extract: the file then holds the first ``row_count`` rows of a larger extract.
    """

    action: ClassVar[str] = "data.bulk_delivered"
    purpose: str
    columns: tuple[str, ...]
    masked_columns: tuple[str, ...]
    filters: tuple[Any, ...]
    format: str
    encoding: str
    row_count: int
    bytes_sent: int
    content_sha256: str
    snapshot_id: int | None
    complete: bool
    plan: dict[str, Any] | None = None
    """The rest of the access plan as executed (``catalog.replay_terms``): what a replay of this
    read needs (``lakehouse.reproduce``). Empty on reads recorded before replays were kept."""
    ordered: bool | None = None
    """Whether the file's row order follows from the plan and the snapshot alone (a clipped
    extract is ordered, an Arrow stream keeps the scan order); an unclipped CSV or Parquet extract
    is written in the order DuckDB's threads produce its rows, which a replay may not repeat."""
