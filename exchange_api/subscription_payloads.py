"""HTTP bodies of the ``subscribe`` mode: what a subscription is created with, and how it and
its deliveries are shown. The webhook secret appears only in :class:`SubscriptionCreatedPublic`,
the answer to the request that created it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from catalog.models import Department
from catalog.subscription_tables import (
    Delivery,
    DeliveryStatus,
    Subscription,
    SubscriptionFormat,
    TargetKind,
)
from catalog.subscription_targets import MAX_TARGET
from exchange_api.payloads import BIGINT_MAX, TEXT_PATTERN, BodyIn

__all__ = [
    "CancelReason",
    "DeliveryPublic",
    "SubscriptionCreatedPublic",
    "SubscriptionIn",
    "SubscriptionPublic",
    "delivery_public",
    "public_of",
    "subscription_public",
]


class SubscriptionIn(BodyIn):
    grant_id: int = Field(ge=1, le=BIGINT_MAX, description="The grant (with mode subscribe)")
    kind: TargetKind = Field(description="folder: a drop folder; webhook: an https URL")
    target: str = Field(
        min_length=1,
        max_length=MAX_TARGET,
        description="A folder name inside your department's drop folder, or the webhook URL",
        examples=["社保/月报", "https://tax.example.gov.cn/zhongtai/hook"],
    )
    format: SubscriptionFormat = SubscriptionFormat.PARQUET


CancelReason = Annotated[
    str, Query(max_length=2000, pattern=TEXT_PATTERN, description="Why it is cancelled")
]


class DeliveryPublic(BaseModel):
    id: int
    snapshot_id: int
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    manifest: dict[str, Any] | None
    manifest_sha256: str
    last_error: str


class SubscriptionPublic(BaseModel):
    id: int
    grant_id: int
    dataset: str
    department: str
    kind: TargetKind
    target: str
    format: SubscriptionFormat
    created_by_account_id: int
    created_at: dt.datetime
    cancelled_at: dt.datetime | None
    cancel_reason: str
    deliveries: list[DeliveryPublic] | None = Field(
        default=None, description="Its deliveries, newest last (one subscription only)"
    )


class SubscriptionCreatedPublic(SubscriptionPublic):
    secret: str | None = Field(
        description="The webhook's signing secret, shown this once and never again (null for "
        "a folder): verify X-Zhongtai-Signature = sha256=HMAC-SHA256(secret, body)"
    )


def delivery_public(delivery: Delivery) -> DeliveryPublic:
    pending = delivery.status is DeliveryStatus.PENDING
    return DeliveryPublic(
        id=delivery.id,
        snapshot_id=delivery.snapshot_id,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at if pending else None,
        delivered_at=delivery.delivered_at,
        manifest=delivery.manifest,
        manifest_sha256=delivery.manifest_sha256,
        last_error=delivery.last_error,
    )


def subscription_public(
    subscription: Subscription, department: str, *, deliveries: bool = False
) -> SubscriptionPublic:
    return SubscriptionPublic(
        id=subscription.id,
        grant_id=subscription.grant_id,
        dataset=subscription.grant.dataset.code,
        department=department,
        kind=subscription.kind,
        target=subscription.target,
        format=subscription.format,
        created_by_account_id=subscription.created_by_account_id,
        created_at=subscription.created_at,
        cancelled_at=subscription.cancelled_at,
        cancel_reason=subscription.cancel_reason,
        deliveries=[delivery_public(d) for d in subscription.deliveries] if deliveries else None,
    )


def public_of(
    session: Session, subscription: Subscription, *, deliveries: bool = False
) -> SubscriptionPublic:
    """How the API (and the CLI) show ``subscription``, with its department's code."""
    department = session.get(Department, subscription.department_id)
    code = department.code if department is not None else ""
    return subscription_public(subscription, code, deliveries=deliveries)
