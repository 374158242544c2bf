"""The tables of the ``subscribe`` access mode: subscriptions and their deliveries.

Kept apart from ``catalog.models``, which imports this module at its end and re-exports the
tables, so they are on ``Base.metadata`` wherever the models are. ``catalog.subscriptions`` is
the service over them; ``lakehouse.subscriptions`` delivers.

A delivery row is the claim on one snapshot for one subscription: ``UNIQUE(subscription_id,
snapshot_id)`` lets exactly one deliverer insert it, so a snapshot is delivered at most once.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Base, Grant, _enum, utcnow

__all__ = ["Delivery", "DeliveryStatus", "Subscription", "SubscriptionFormat", "TargetKind"]


class TargetKind(StrEnum):
    FOLDER = "folder"  # a sub-folder of the department's drop folder
    WEBHOOK = "webhook"  # an URL told of each delivery with a signed manifest


class SubscriptionFormat(StrEnum):
    PARQUET = "parquet"
    CSV = "csv"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # claimed; being written, or waiting for its next attempt
    DELIVERED = "delivered"
    FAILED = "failed"  # refused by the decision, or out of attempts: never sent again


class Subscription(Base):
    """A department's standing order: each new snapshot its grant allows, delivered once."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    kind: Mapped[TargetKind] = mapped_column(_enum(TargetKind, 16))
    target: Mapped[str] = mapped_column(String(2000))
    """A folder name under the department's drop folder, or a webhook URL."""
    format: Mapped[SubscriptionFormat] = mapped_column(_enum(SubscriptionFormat, 16))
    created_by_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    """The account deliveries are made for: each delivery is decided as this account, now."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    cancel_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    grant: Mapped[Grant] = relationship()
    deliveries: Mapped[list[Delivery]] = relationship(
        back_populates="subscription", order_by="Delivery.id"
    )


class Delivery(Base):
    """One snapshot delivered (or being delivered, or refused) to one subscription."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "snapshot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    snapshot_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[DeliveryStatus] = mapped_column(
        _enum(DeliveryStatus, 16), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column()
    """While pending: when the delivery may next be tried. A deliverer that claims it moves this
    past its own attempt (a lease), so no second deliverer takes it meanwhile."""
    manifest: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    manifest_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    delivered_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    subscription: Mapped[Subscription] = relationship(back_populates="deliveries")
