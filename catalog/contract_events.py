"""Audit events of the catalog's contract life cycle and of its departments.

Kept beside ``catalog.events`` (same base, written only through ``catalog.audit.record``). A
registration or revision also writes :class:`catalog.events.DatasetRegistered` (the contract's
SHA-256), as every load of a contract always has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from catalog.events import AuditedEvent

__all__ = ["DatasetRevised", "DepartmentSaved", "GrantAdjusted"]


@dataclass(frozen=True, kw_only=True)
class DatasetRevised(AuditedEvent):
    """A dataset's contract got a new version: the fields it removed or retyped, its share type
    before and after, and how many live grants it adjusted or revoked."""

    action: ClassVar[str] = "dataset.revised"
    code: str
    version: int
    contract_sha256: str
    removed_fields: tuple[str, ...] = ()
    retyped_fields: tuple[str, ...] = ()
    share_type_before: str = ""
    share_type_after: str = ""
    grants_narrowed: int = 0
    grants_revoked: int = 0


@dataclass(frozen=True, kw_only=True)
class GrantAdjusted(AuditedEvent):
    """A revision of the dataset changed a live grant at once: ``effect`` is ``narrowed`` (fields
    or match fields dropped) or ``revoked`` (with ``reason``)."""

    action: ClassVar[str] = "grant.adjusted_by_revision"
    effect: str
    version: int
    fields_dropped: tuple[str, ...] = ()
    match_fields_dropped: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class DepartmentSaved(AuditedEvent):
    """A department was added (``created``) or its name or region changed."""

    action: ClassVar[str] = "department.saved"
    code: str
    name: str
    region_code: str
    created: bool
