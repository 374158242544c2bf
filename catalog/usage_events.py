"""The audit event of a usage report leaving the platform as a file.

Kept beside ``catalog.events`` (same base, written only through ``catalog.audit.record``).

Viewing the log or a usage report on screen, or as JSON, is not recorded: the viewer is a
read-only window onto the log itself, open only to auditors and admins (every refusal *is*
recorded), and an event per page would flood the chain with entries about reading it — paging
through the log would even move the page being read. A downloaded report is different: a copy of
who read what, with purposes and volumes, now exists outside the platform, so it is recorded with
its filters and the SHA-256 of the file handed over.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from catalog.events import AuditedEvent

__all__ = ["UsageExported"]


@dataclass(frozen=True, kw_only=True)
class UsageExported(AuditedEvent):
    """A usage or reconciliation report was downloaded as CSV or XLSX: which report, over which
    days and scope, how many lines, and the SHA-256 of exactly the file sent."""

    action: ClassVar[str] = "audit.usage_exported"
    report: str
    """``usage`` or ``reconciliation``."""
    format: str
    encoding: str
    date_from: str
    date_to: str
    period: str
    department: str
    dataset: str
    row_count: int
    bytes_sent: int
    content_sha256: str
