"""The audited acts of the ``subscribe`` mode, one small frozen dataclass each.

Written only through ``catalog.audit.record``, like every event in ``catalog.events``. No event
carries a webhook secret: it is derived when needed and shown once, never stored or logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from catalog.events import AuditedEvent
from catalog.models import AuditOutcome

__all__ = [
    "DeliveryFileFetched",
    "SubscriptionCancelled",
    "SubscriptionCreated",
    "SubscriptionDelivered",
    "SubscriptionDeliveryFailed",
]


@dataclass(frozen=True, kw_only=True)
class SubscriptionCreated(AuditedEvent):
    """A department subscribed to each new snapshot its grant allows."""

    action: ClassVar[str] = "subscription.created"
    subscription_id: int
    kind: str
    target: str
    format: str


@dataclass(frozen=True, kw_only=True)
class SubscriptionCancelled(AuditedEvent):
    """A subscription was cancelled: nothing more is delivered to it."""

    action: ClassVar[str] = "subscription.cancelled"
    subscription_id: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class SubscriptionDelivered(AuditedEvent):
    """Shared data left the platform for a subscription: one snapshot, its files and manifest."""

    action: ClassVar[str] = "subscription.delivered"
    digest_field: ClassVar[str] = "manifest_sha256"  # the signed manifest names each file's hash
    subscription_id: int
    delivery_id: int
    snapshot_id: int
    purpose: str
    columns: tuple[str, ...]
    masked_columns: tuple[str, ...]
    row_count: int
    bytes_sent: int
    manifest_sha256: str
    """SHA-256 of the manifest as written (``manifest.json``) and as POSTed to a webhook; the
    manifest lists every file with its own SHA-256."""


@dataclass(frozen=True, kw_only=True)
class SubscriptionDeliveryFailed(AuditedEvent):
    """A delivery was refused by the decision, or ran out of attempts: nothing more is sent."""

    action: ClassVar[str] = "subscription.delivery_failed"
    outcome: AuditOutcome = AuditOutcome.ERROR
    subscription_id: int
    delivery_id: int
    snapshot_id: int
    attempts: int
    error: str


@dataclass(frozen=True, kw_only=True)
class DeliveryFileFetched(AuditedEvent):
    """The grantee downloaded a delivered file through the API."""

    action: ClassVar[str] = "subscription.file_fetched"
    subscription_id: int
    delivery_id: int
    snapshot_id: int
    file: str
    bytes_sent: int
    content_sha256: str
