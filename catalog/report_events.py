"""The audited act of 智能报表 (``lakehouse.report_fill``): one :class:`ReportPrefilled` per
pre-fill, naming the template, the month and every source it read (dataset, snapshot, grant),
written after the per-source decisions and before anything is sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from catalog.events import AuditedEvent

__all__ = ["ReportPrefilled"]


@dataclass(frozen=True, kw_only=True)
class ReportPrefilled(AuditedEvent):
    """A report template was pre-filled from shared data: which fields were reused (computed
    through which grant, at which snapshot), which are left to collect and why, and which the
    office still collects by hand although another department shares them (重复采集). Only
    counts and sums left the platform; groups under the minimum size did not."""

    action: ClassVar[str] = "report.prefilled"
    rows_field: ClassVar[str] = ""  # aggregates only: no stored row is sent
    resource: str
    """``report_template:CODE``."""
    template: str
    month: str
    sources: tuple[str, ...]
    """Every source read, as ``dataset@snapshot#grant`` (``#owner`` when read as its owner)."""
    grant_ids: tuple[int, ...]
    reused: tuple[str, ...]
    to_collect: tuple[str, ...]
    """Each field left to collect, as ``field:code`` (``collect``, ``grant.missing`` …)."""
    repeated_collection: tuple[str, ...]
    min_group_size: int
    bytes_sent: int
    content_sha256: str
