"""The audit event of the catalog leaving the platform as a file.

Kept beside ``catalog.events`` (same base, written only through ``catalog.audit.record``).
Browsing the catalog is not recorded (``dataset.view`` is open to every account); a downloaded
copy of the whole catalog — not-shared entries' metadata included — is, with the SHA-256 of
exactly the file handed over. The public DCAT-AP catalog, read without an account, is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from catalog.events import AuditedEvent

__all__ = ["CatalogExported"]


@dataclass(frozen=True, kw_only=True)
class CatalogExported(AuditedEvent):
    """The full catalog (信息资源目录) was exported as XLSX or CSV: in which format, how many
    entries and fields it held, and the SHA-256 of exactly the file sent."""

    action: ClassVar[str] = "catalog.exported"
    format: str
    row_count: int
    """Datasets (one row each) in the file."""
    field_count: int
    bytes_sent: int
    content_sha256: str
