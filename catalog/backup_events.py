"""The audit events of a backup made and of a restore done (``zhongtai backup …``).

Kept beside ``catalog.events`` (same base, written only through ``catalog.audit.record``). A
backup is recorded in the live log once it is complete, with the SHA-256 of its signed manifest
(the manifest names every file's SHA-256, so this one digest pins the whole backup); it is not in
the backup itself, which ends at the head it names. A restore is recorded in the restored log,
after its checks passed, as the platform's act: it is the first event after the restored head.
Verifying a backup reads files only and records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from catalog.events import AuditedEvent

__all__ = ["BackupCreated", "BackupRestored"]


@dataclass(frozen=True, kw_only=True)
class BackupCreated(AuditedEvent):
    """A backup of the catalog, the lake and the audit evidence was written to ``folder`` on the
    host: how much it holds, up to which lake snapshot and audit event, and its manifest's
    SHA-256."""

    action: ClassVar[str] = "backup.created"
    rows_field: ClassVar[str] = ""
    digest_field: ClassVar[str] = ""
    folder: str
    manifest_sha256: str
    catalog_revision: str
    catalog_rows: int
    lake_snapshot_id: int
    lake_files: int
    audit_last_event_id: int
    audit_head_hash: str


@dataclass(frozen=True, kw_only=True)
class BackupRestored(AuditedEvent):
    """A backup was restored into the stores the settings name and its checks passed (catalog
    rows, lake snapshots and rows, grants, the audit chain up to its head); ``forced`` when the
    targets held data that was replaced."""

    action: ClassVar[str] = "backup.restored"
    rows_field: ClassVar[str] = ""
    digest_field: ClassVar[str] = ""
    manifest_sha256: str
    backup_created_at: str
    lake_snapshot_id: int
    audit_last_event_id: int
    audit_head_hash: str
    forced: bool
