"""The audited event of a ``changes`` read (kept beside ``catalog.events``, written the same way,
only through ``catalog.audit.record``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from catalog.events import AuditedEvent

__all__ = ["ChangesRead"]


@dataclass(frozen=True, kw_only=True)
class ChangesRead(AuditedEvent):
    """Changes between two snapshots left the platform: through which grant, for which purpose,
    what columns (which masked), how many of each kind, and the SHA-256 of the bytes sent."""

    action: ClassVar[str] = "data.changes_read"
    mode: str = "changes"
    purpose: str
    columns: tuple[str, ...]
    masked_columns: tuple[str, ...]
    filters: tuple[Any, ...]
    from_snapshot: int
    to_snapshot: int
    row_count: int
    added: int
    changed: int
    removed: int
    bytes_sent: int
    content_sha256: str
    plan: dict[str, Any] | None = None
    """The rest of the access plan as executed (``catalog.replay_terms``): what a replay of this
    read needs (``lakehouse.reproduce``). Empty on reads recorded before replays were kept."""
