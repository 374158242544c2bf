"""The requester's subscriptions (订阅) and their deliveries, in the portal.

- ``GET /portal/subscriptions`` — every subscription my department may see, with its deliveries;
- ``GET /portal/grants/{id}/subscriptions`` — one grant's subscriptions and the form to create one
  (``POST`` the same path: ``catalog.subscriptions.create_subscription``; a webhook's secret is
  shown on the answer page, this once, never redirected to or stored);
- ``POST /portal/subscriptions/{id}/cancel`` — cancel, with a reason;
- ``GET /portal/subscriptions/{id}/deliveries/{delivery_id}/file`` — download a delivered file,
  decided (``subscription.fetch``), checked against its manifest and audited, as over the API.

Forms are CSRF-checked (``exchange_api.portal.forms``); another department's subscription or
grant is "not found", as over the API.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog.grants import get_grant
from catalog.policy import Allowed, authorize
from catalog.principals import Principal
from catalog.settings import Settings
from catalog.subscription_tables import Subscription
from catalog.subscription_terms import SubscriptionTerms
from catalog.subscriptions import cancel_subscription, create_subscription, list_subscriptions
from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.identify import now_of
from exchange_api.payloads import PathId
from exchange_api.portal.forms import FormActor, LangQuery, Text, form_text, page_errors, see_other
from exchange_api.portal.frame import portal_page
from exchange_api.portal.i18n import DEFAULT_LANG, Lang
from exchange_api.portal.pages import PortalPrincipal
from exchange_api.portal.views import dataset_title, grant_view, local_date
from lakehouse.subscription_files import fetch_delivery_file

__all__ = ["router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)


def _view(subscription: Subscription, principal: Principal, lang: Lang, now: Any) -> dict[str, Any]:
    terms = SubscriptionTerms.of(subscription)

    def may(action: act.Action) -> bool:
        return isinstance(authorize(principal, action, terms, now=now), Allowed)

    can_fetch = may(act.SUBSCRIPTION_FETCH)
    return {
        "id": subscription.id,
        "grant_id": subscription.grant_id,
        "dataset": subscription.grant.dataset.code,
        "dataset_title": dataset_title(subscription.grant.dataset, lang),
        "kind": subscription.kind.value,
        "target": subscription.target,
        "format": subscription.format.value,
        "created_local": local_date(subscription.created_at),
        "cancelled_local": local_date(subscription.cancelled_at),
        "cancel_reason": subscription.cancel_reason,
        "can_cancel": subscription.cancelled_at is None and may(act.SUBSCRIPTION_CANCEL),
        "deliveries": [
            {
                "id": d.id,
                "snapshot_id": d.snapshot_id,
                "status": d.status.value,
                "attempts": d.attempts,
                "rows": (d.manifest or {}).get("total_rows", ""),
                "sha256": d.manifest_sha256,
                "delivered_local": local_date(d.delivered_at),
                "error": d.last_error,
                "can_fetch": can_fetch and d.status.value == "delivered",
            }
            for d in reversed(subscription.deliveries)
        ],
    }


def _page(
    request: Request,
    session: Session,
    settings: Settings,
    principal: Principal,
    lang: Lang,
    *,
    grant_id: int | None = None,
    **context: Any,
) -> HTMLResponse:
    now = now_of(request)
    context.setdefault("created", None)
    context.setdefault("secret", None)
    grant = None
    if grant_id is not None:
        grant = grant_view(
            get_grant(session, grant_id, principal, now=now), principal, lang, now=now
        )
    rows = [
        _view(s, principal, lang, now)
        for s in reversed(list_subscriptions(session, principal, now=now))
        if grant_id is None or s.grant_id == grant_id
    ]
    here = f"/portal/grants/{grant_id}/subscriptions" if grant_id is not None else None
    return portal_page(
        request,
        session,
        settings,
        principal,
        "subscriptions.html",
        lang,
        current="grants",
        now=now,
        here=here,
        grant=grant,
        rows=rows,
        can_create=grant is not None
        and "subscribe" in grant["access_modes"]
        and grant["state"] == "live",
        **context,
    )


@router.get("/subscriptions", response_class=HTMLResponse)
def my_subscriptions(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    return _page(request, session, settings, principal, lang)


@router.get("/grants/{grant_id}/subscriptions", response_class=HTMLResponse)
def grant_subscriptions(
    grant_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    with page_errors(session, lang):
        return _page(request, session, settings, principal, lang, grant_id=grant_id)


@router.post("/grants/{grant_id}/subscriptions", response_class=HTMLResponse)
def subscribe(
    grant_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: FormActor,
    lang: LangQuery = DEFAULT_LANG,
    kind: Text = "",
    target: Text = "",
    format: Text = "parquet",
) -> HTMLResponse:
    """Create a subscription; the answer page shows a webhook's secret this once."""
    with page_errors(session, lang):
        created = create_subscription(
            session,
            principal,
            settings,
            grant_id,
            form_text(kind, "kind", required=True),
            form_text(target, "target", required=True),
            form_text(format, "format", required=True),
            now=now_of(request),
        )
        session.commit()
        return _page(
            request,
            session,
            settings,
            principal,
            lang,
            grant_id=grant_id,
            created=created.subscription.id,
            secret=created.secret,
        )


@router.post("/subscriptions/{subscription_id}/cancel")
def cancel(
    subscription_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: FormActor,
    lang: LangQuery = DEFAULT_LANG,
    reason: Text = "",
) -> Response:
    with page_errors(session, lang):
        subscription = cancel_subscription(
            session, principal, subscription_id, form_text(reason, "reason"), now=now_of(request)
        )
        session.commit()
    path = f"/portal/grants/{subscription.grant_id}/subscriptions"
    return see_other(path, lang, f"subscription-{subscription_id}")


@router.get("/subscriptions/{subscription_id}/deliveries/{delivery_id}/file")
def download(
    subscription_id: PathId,
    delivery_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> Response:
    with page_errors(session, lang):
        fetched = fetch_delivery_file(
            session, principal, settings, subscription_id, delivery_id, now=now_of(request)
        )
        session.commit()
    return Response(
        content=fetched.body,
        media_type=fetched.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{fetched.name}"',
            "X-Content-SHA256": fetched.sha256,
            "Cache-Control": "no-store",
        },
    )
