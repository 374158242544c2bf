"""Subscriptions (订阅): each new snapshot a grant allows, delivered once to a drop folder or
announced to a signed webhook; the delivered file fetched by the grantee.

Another department's subscription, or a delivery of it, answers 404 — it is not revealed.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from catalog import subscriptions
from exchange_api.deps import CurrentPrincipal, SessionDep, SettingsDep
from exchange_api.payloads import PathId
from exchange_api.subscription_payloads import (
    CancelReason,
    SubscriptionCreatedPublic,
    SubscriptionIn,
    SubscriptionPublic,
    public_of,
)
from lakehouse.subscription_files import fetch_delivery_file

router = APIRouter(prefix="/api/v1/subscriptions", tags=["subscriptions"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe through a grant with mode subscribe; a webhook's secret is shown once",
)
def create(
    body: SubscriptionIn, session: SessionDep, principal: CurrentPrincipal, settings: SettingsDep
) -> SubscriptionCreatedPublic:
    created = subscriptions.create_subscription(
        session, principal, settings, body.grant_id, body.kind, body.target, body.format
    )
    session.commit()
    public = public_of(session, created.subscription)
    return SubscriptionCreatedPublic(**public.model_dump(), secret=created.secret)


@router.get("", summary="The subscriptions I may see (my department's; all, for auditors)")
def list_mine(session: SessionDep, principal: CurrentPrincipal) -> list[SubscriptionPublic]:
    return [public_of(session, s) for s in subscriptions.list_subscriptions(session, principal)]


@router.get("/{subscription_id}", summary="One subscription and its deliveries")
def get_one(
    subscription_id: PathId, session: SessionDep, principal: CurrentPrincipal
) -> SubscriptionPublic:
    subscription = subscriptions.get_subscription(session, principal, subscription_id)
    return public_of(session, subscription, deliveries=True)


@router.delete("/{subscription_id}", summary="Cancel a subscription: nothing more is delivered")
def cancel(
    subscription_id: PathId,
    session: SessionDep,
    principal: CurrentPrincipal,
    reason: CancelReason = "",
) -> SubscriptionPublic:
    subscription = subscriptions.cancel_subscription(session, principal, subscription_id, reason)
    session.commit()
    return public_of(session, subscription)


@router.get(
    "/{subscription_id}/deliveries/{delivery_id}/file",
    summary="Download a delivered file (the grantee's requesters, while the grant is live)",
    response_class=Response,
    responses={200: {"content": {"application/vnd.apache.parquet": {}, "text/csv": {}}}},
)
def fetch_file(
    subscription_id: PathId,
    delivery_id: PathId,
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> Response:
    fetched = fetch_delivery_file(session, principal, settings, subscription_id, delivery_id)
    session.commit()
    return Response(
        content=fetched.body,
        media_type=fetched.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{fetched.name}"',
            "X-Content-SHA256": fetched.sha256,
        },
    )
