"""The audit event of scorecards (考核) leaving the platform as a file.

Kept beside ``catalog.events`` (same base, written only through ``catalog.audit.record``).
Looking at a scorecard on screen or as JSON is not recorded (it is a summary of the catalog's own
records, shown only to those ``scorecard.view`` allows; every refusal *is* recorded). A download
is: a copy of how departments were assessed now exists outside the platform, so it is recorded
with its period, scope and the SHA-256 of the file handed over.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from catalog.events import AuditedEvent

__all__ = ["ScorecardExported"]


@dataclass(frozen=True, kw_only=True)
class ScorecardExported(AuditedEvent):
    """Scorecards were downloaded as CSV or XLSX: which period, which departments, which part
    (CSV holds one), how many lines, and the SHA-256 of exactly the file sent."""

    action: ClassVar[str] = "scorecard.exported"
    period: str
    format: str
    part: str
    """``all`` (XLSX: a sheet per part) or the one part a CSV holds."""
    departments: list[str]
    """The codes of the departments whose scorecards the file holds."""
    row_count: int
    bytes_sent: int
    content_sha256: str
