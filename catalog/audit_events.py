"""The audit log's own events: its signing keys made and rotated, evidence exported.

Kept beside ``catalog.events`` (same base, written only through ``catalog.audit.record``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from catalog.events import AuditedEvent

__all__ = ["EvidenceExported", "KeyCreated", "KeyRotated"]


@dataclass(frozen=True, kw_only=True)
class KeyCreated(AuditedEvent):
    """The first audit signing key was made. ``automatic`` is true when development or test made
    it on first use; elsewhere only ``zhongtai audit key create`` does."""

    action: ClassVar[str] = "audit.key_created"
    fingerprint: str
    public_key_pem: str
    key_store: str
    automatic: bool


@dataclass(frozen=True, kw_only=True)
class KeyRotated(AuditedEvent):
    """The signing key was replaced. The old key signed a checkpoint just before this event and
    ``endorsement`` (its signature over the new key's fingerprint), so trust in the old key
    carries to the new one; the new key signs the checkpoint just after."""

    action: ClassVar[str] = "audit.key_rotated"
    old_fingerprint: str
    new_fingerprint: str
    public_key_pem: str
    endorsement: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class EvidenceExported(AuditedEvent):
    """An evidence bundle was written: which events, from when to when, and the SHA-256 of its
    signed manifest (the bundle's own proof of what it held); downloaded as one ZIP file (API or
    portal), also that file's SHA-256."""

    action: ClassVar[str] = "audit.evidence_exported"
    first_event_id: int
    last_event_id: int
    event_count: int
    date_from: str
    date_to: str
    manifest_sha256: str
    archive_sha256: str = ""
