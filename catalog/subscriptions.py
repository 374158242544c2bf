"""Subscriptions (订阅): a department's standing order for each new snapshot its grant allows.

Every act goes through the one decision (``catalog.policy``, actions ``subscription.*``) over
:class:`catalog.subscription_terms.SubscriptionTerms`; a refusal is audited (``ActRefused``) and
raised, hidden as "not found" from other departments. Creating checks the target before anything
is stored (``catalog.subscription_targets``) and, for a webhook, derives the signing secret and
returns it once — it is never stored or logged. Creation and cancellation are audited.
Deliveries are made by ``lakehouse.subscriptions.deliver_pending``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.actions import Action
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.guard import ensure
from catalog.keys import mask_master_key
from catalog.models import Grant, utcnow
from catalog.policy import Allowed, authorize
from catalog.principals import Principal
from catalog.resources import GrantTerms
from catalog.settings import Settings
from catalog.subscription_events import SubscriptionCancelled, SubscriptionCreated
from catalog.subscription_tables import (
    Delivery,
    Subscription,
    SubscriptionFormat,
    TargetKind,
)
from catalog.subscription_targets import check_webhook, folder_path, webhook_secret
from catalog.subscription_terms import SubscriptionTerms

__all__ = [
    "Created",
    "cancel_subscription",
    "create_subscription",
    "get_delivery",
    "get_subscription",
    "list_subscriptions",
]


@dataclass(frozen=True, slots=True)
class Created:
    """A new subscription and, for a webhook, its signing secret — the only time it is shown."""

    subscription: Subscription
    secret: str | None = field(repr=False)


def check_target(settings: Settings, department_code: str, kind: TargetKind, target: str) -> str:
    """The target as it will be stored, if the subscription may deliver there."""
    if kind is TargetKind.FOLDER:
        folder = folder_path(settings.resolved_drop_root, department_code, target)
        folder.mkdir(parents=True, exist_ok=True)
        return target
    return check_webhook(target, allow=settings.webhook_allow, environment=settings.environment)


def create_subscription(
    session: Session,
    principal: Principal,
    settings: Settings,
    grant_id: int,
    kind: TargetKind | str,
    target: str,
    fmt: SubscriptionFormat | str = SubscriptionFormat.PARQUET,
    *,
    now: dt.datetime | None = None,
) -> Created:
    """Subscribe the principal's department, through ``grant_id``, to each new snapshot."""
    now = now or utcnow()
    try:
        kind, fmt = TargetKind(kind), SubscriptionFormat(fmt)
    except ValueError:
        raise InvalidInput(
            "kind is folder or webhook; format is parquet or csv", code="subscription.invalid"
        ) from None
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound(f"no grant {grant_id}", code="grant.not_found", grant_id=grant_id)
    terms = SubscriptionTerms.new(GrantTerms.of(grant))
    ensure(session, principal, act.SUBSCRIPTION_CREATE, terms, now=now)
    target = check_target(settings, principal.department_code, kind, target.strip())
    duplicate = session.scalars(
        select(Subscription.id).where(
            Subscription.grant_id == grant.id,
            Subscription.kind == kind,
            Subscription.target == target,
            Subscription.cancelled_at.is_(None),
        )
    ).first()
    if duplicate is not None:
        raise Conflict(
            f"subscription {duplicate} already delivers this grant there",
            code="subscription.duplicate",
        )
    subscription = Subscription(
        grant_id=grant.id,
        department_id=grant.grantee_department_id,
        kind=kind,
        target=target,
        format=fmt,
        created_by_account_id=principal.account_id,
        created_at=now,
    )
    session.add(subscription)
    session.flush()
    audit.record(
        session,
        SubscriptionCreated(
            dataset_id=grant.dataset_id,
            grant_id=grant.id,
            subscription_id=subscription.id,
            kind=kind.value,
            target=target,
            format=fmt.value,
        ),
        actor=principal,
        now=now,
    )
    secret = None
    if kind is TargetKind.WEBHOOK:
        secret = webhook_secret(mask_master_key(settings), subscription.id)
    return Created(subscription, secret)


def _subscription(session: Session, subscription_id: int) -> Subscription:
    subscription = session.get(Subscription, subscription_id)
    if subscription is None:
        raise NotFound(f"no subscription {subscription_id}", code="subscription.not_found")
    return subscription


def get_subscription(
    session: Session,
    principal: Principal,
    subscription_id: int,
    *,
    action: Action = act.SUBSCRIPTION_VIEW,
    now: dt.datetime | None = None,
) -> Subscription:
    """One subscription, if the principal may do ``action`` on it."""
    subscription = _subscription(session, subscription_id)
    terms = SubscriptionTerms.of(subscription)
    ensure(session, principal, action, terms, now=now or utcnow())
    return subscription


def list_subscriptions(
    session: Session, principal: Principal, *, now: dt.datetime | None = None
) -> list[Subscription]:
    """Every subscription the principal may see, oldest first."""
    now = now or utcnow()
    return [
        s
        for s in session.scalars(select(Subscription).order_by(Subscription.id))
        if isinstance(
            authorize(principal, act.SUBSCRIPTION_VIEW, SubscriptionTerms.of(s), now=now), Allowed
        )
    ]


def cancel_subscription(
    session: Session,
    principal: Principal,
    subscription_id: int,
    reason: str = "",
    *,
    now: dt.datetime | None = None,
) -> Subscription:
    """Stop a subscription: no delivery is claimed for it from now on (audited)."""
    now = now or utcnow()
    subscription = session.scalars(
        select(Subscription).where(Subscription.id == subscription_id).with_for_update()
    ).first()
    if subscription is None:
        raise NotFound(f"no subscription {subscription_id}", code="subscription.not_found")
    terms = SubscriptionTerms.of(subscription)
    ensure(session, principal, act.SUBSCRIPTION_CANCEL, terms, now=now)
    if subscription.cancelled_at is not None:
        raise Conflict(
            f"subscription {subscription_id} is already cancelled",
            code="subscription.already_cancelled",
        )
    subscription.cancelled_at = now
    subscription.cancel_reason = reason.strip()
    session.flush()
    audit.record(
        session,
        SubscriptionCancelled(
            dataset_id=subscription.grant.dataset_id,
            grant_id=subscription.grant_id,
            subscription_id=subscription.id,
            reason=reason.strip(),
        ),
        actor=principal,
        now=now,
    )
    return subscription


def get_delivery(
    session: Session,
    principal: Principal,
    subscription_id: int,
    delivery_id: int,
    *,
    action: Action = act.SUBSCRIPTION_VIEW,
    now: dt.datetime | None = None,
) -> Delivery:
    """One delivery of a subscription the principal may ``action``; another subscription's
    delivery id is "not found", whoever asks."""
    subscription = get_subscription(session, principal, subscription_id, action=action, now=now)
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription.id:
        raise NotFound(f"no delivery {delivery_id}", code="delivery.not_found")
    return delivery
