"""The audit event of a replayed read (kept beside ``catalog.events``, written the same way, only
through ``catalog.audit.record``): an auditor re-ran an audited read's recorded plan against its
recorded snapshot (``lakehouse.reproduce``). The replay is itself on the record, whether it
matched, did not, or could not run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from catalog.events import AuditedEvent

__all__ = ["ReadReproduced"]


@dataclass(frozen=True, kw_only=True)
class ReadReproduced(AuditedEvent):
    """An auditor replayed audited read ``event_id``.

    ``verdict`` is ``match`` (the replayed bytes have the recorded SHA-256), ``mismatch`` (they do
    not), ``unordered`` (an extract written in thread order: the rows were replayed, the byte
    order cannot be) or ``unreplayable`` (``code`` says why: not a read, snapshot expired, dataset
    gone, record invalid). ``dataset_id`` and ``grant_id`` are the replayed read's; ``resource``
    names the replayed event (``event:N``), the object of the act.

    ``row_count``, ``bytes_sent`` and ``content_sha256`` say what of the replay was handed to the
    auditor: the replayed bytes (``…/reproduce/content``, ``--out``, the portal's page of rows),
    or nothing but the verdict (0, 0, empty).
    """

    action: ClassVar[str] = "audit.read_reproduced"
    event_id: int
    resource: str
    replayed_action: str
    verdict: str
    code: str
    recorded_sha256: str
    replayed_sha256: str
    recorded_rows: int | None
    replayed_rows: int | None
    snapshot_id: int | None
    event_intact: bool | None
    """Whether the replayed event still matches its own chain hash (``None``: no such event)."""
    row_count: int = 0
    bytes_sent: int = 0
    content_sha256: str = ""
