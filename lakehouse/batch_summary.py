"""What one ingest run of a batch came to: the summary ``zhongtai ingest`` prints and exits by."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["EXIT_CODES", "BatchSummary", "outcome_of"]


EXIT_CODES: dict[str, int] = {
    "published": 0,
    "duplicate": 3,
    "rejected": 4,
    "malformed": 5,
    "failed": 6,
}
"""``zhongtai ingest``'s exit code per outcome (README, "Ingesting an extract"); 2 is a usage or
other domain error, as for every command."""


@dataclass(frozen=True, slots=True)
class BatchSummary:
    dataset: str
    batch_id: int
    duplicate: bool
    status: str
    rows_in: int | None = None
    rows_published: int | None = None
    rows_quarantined: int | None = None
    rows_superseded: int | None = None
    snapshot_id: int | None = None
    decision: str | None = None
    reason: str = ""
    findings: dict[str, dict[str, Any]] = field(default_factory=dict)
    outcome: str = "published"
    """published, duplicate, rejected (by its quality), malformed (unreadable), failed."""
    resumed: bool = False
    retry_of: int | None = None

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]


def outcome_of(status: str, *, malformed: bool = False) -> str:
    """The outcome of a batch that ended in ``status`` (``malformed``: it could not be read)."""
    if status == "rejected":
        return "malformed" if malformed else "rejected"
    return "published" if status == "published" else "failed"
