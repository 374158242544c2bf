"""Announcing a delivery to a webhook: one signed POST of the manifest, no redirects followed.

The URL is checked again before every send (``catalog.subscription_targets.check_webhook``: https,
or http to an allowed host; public addresses only unless allowed), since DNS answers change. The
body is the manifest's exact bytes; ``X-Zhongtai-Signature: sha256=<HMAC-SHA256(secret, body)>``
signs it, ``X-Zhongtai-Timestamp`` (Unix seconds) and ``X-Zhongtai-Delivery`` (the delivery id,
to deduplicate on) travel beside it. The secret is derived for the send and forgotten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx

from catalog.errors import CatalogError
from catalog.keys import mask_master_key
from catalog.settings import Settings
from catalog.subscription_tables import Subscription
from catalog.subscription_targets import check_webhook, sign, webhook_secret

__all__ = ["Sender", "announce", "http_sender"]

Sender = Callable[[str, bytes, dict[str, str]], int]
"""POST a body with headers to an URL; the HTTP status. Raises ``httpx.HTTPError`` on failure."""


def http_sender(url: str, body: bytes, headers: dict[str, str]) -> int:
    """The real sender: one POST, no redirects followed, a short timeout."""
    with httpx.Client(follow_redirects=False, timeout=10.0, trust_env=False) as client:
        return client.post(url, content=body, headers=headers).status_code


def announce(
    settings: Settings,
    subscription: Subscription,
    delivery_id: int,
    body: bytes,
    send: Sender,
    now: dt.datetime,
) -> str:
    """Announce the delivery; "" when the webhook took it, else why not."""
    try:
        url = check_webhook(
            subscription.target, allow=settings.webhook_allow, environment=settings.environment
        )
    except CatalogError as exc:
        return exc.code
    secret = webhook_secret(mask_master_key(settings), subscription.id)
    headers = {
        "Content-Type": "application/json",
        "X-Zhongtai-Signature": sign(secret, body),
        "X-Zhongtai-Timestamp": str(int(now.timestamp())),
        "X-Zhongtai-Delivery": str(delivery_id),
    }
    try:
        status = send(url, body, headers)
    except httpx.HTTPError as exc:
        return f"webhook.unreachable: {type(exc).__name__}"
    return "" if 200 <= status < 300 else f"webhook.status_{status}"
