"""Who is calling: a bearer token, a client certificate a trusted proxy verified, or (portal pages
only) a portal session cookie — checked, audited when refused, locked out and rate-limited.

The order of checks for every credentialed request:

1. the client address (``exchange_api.peers``; ``X-Forwarded-For`` only from a trusted proxy);
2. the lockout (``catalog.lockout``): a locked-out address gets 429 ``auth.locked``, whatever it
   presents, until the window passes;
3. the credential: the bearer header if there is one, else a forwarded client certificate, else
   (portal pages) the session cookie. A refusal is audited with its precise reason, counted
   against the address, and answered 401 ``auth.invalid_token`` / ``auth.invalid_session`` —
   the same answer for unknown, expired and revoked credentials;
4. the rate limit per account (``exchange_api.rate_limit``): 429 ``rate.limited``.

The clock is ``app.state.clock`` (``catalog.models.utcnow`` unless a test sets another), the
limiter ``app.state.rate_limiter``; both are set by ``create_app``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from sqlalchemy.orm import Session
from starlette.requests import Request

from catalog.errors import Throttled, Unauthenticated
from catalog.lockout import Credential, LockoutPolicy, ensure_not_locked, refuse
from catalog.models import Account, utcnow
from catalog.portal_sessions import close_session, open_session, resolve_session
from catalog.principals import Principal
from catalog.settings import Settings
from catalog.tokens import account_for_certificate, authenticate
from exchange_api.peers import client_address, forwarded_certificate_sha256
from exchange_api.rate_limit import RateLimiter

__all__ = ["Clock", "caller", "now_of", "sign_in", "sign_out"]

Clock = Callable[[], dt.datetime]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def now_of(request: Request) -> dt.datetime:
    """The time, by the application's clock."""
    clock: Clock = getattr(request.app.state, "clock", utcnow)
    return clock()


def _throttle(request: Request, principal: Principal) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.acquire(f"account:{principal.account_id}")
    if wait is not None:
        raise Throttled(
            "too many requests for this account; slow down",
            code="rate.limited",
            retry_after=math.ceil(wait),
        )


def caller(
    request: Request, session: Session, *, token: str | None, cookie: str | None = None
) -> Principal:
    """The authenticated caller of ``request``; see the module docstring for the order."""
    settings = _settings(request)
    trusted = settings.trusted_proxy_networks
    certificate = forwarded_certificate_sha256(request, trusted)
    credential: Credential
    if token:
        credential = "token"
    elif certificate is not None:
        credential = "certificate"
    elif cookie:
        credential = "session"
    else:
        raise Unauthenticated("A bearer token is required.", code="auth.missing_token")
    now = now_of(request)
    client = client_address(request, trusted)
    policy = LockoutPolicy.of(settings)
    ensure_not_locked(session, client, policy, now)
    account: Account
    try:
        if token:
            account = authenticate(session, token, now=now)
        elif certificate is not None:
            account = account_for_certificate(session, certificate, now=now)
        else:
            assert cookie is not None
            _, account = resolve_session(session, cookie, secret=settings.secret_key, now=now)
    except Unauthenticated as exc:
        raise refuse(
            session, exc, credential=credential, client=client, policy=policy, now=now
        ) from None
    principal = Principal.of(account)
    session.commit()  # when the account (or session) was last used
    _throttle(request, principal)
    return principal


def sign_in(request: Request, session: Session, token: str) -> str:
    """Check ``token`` as any bearer token is checked, open a portal session for its account and
    return the cookie value. Refusals are audited (and committed) before they are raised."""
    settings = _settings(request)
    if not token:
        raise Unauthenticated("no bearer token given", code="auth.missing_token")
    now = now_of(request)
    client = client_address(request, settings.trusted_proxy_networks)
    policy = LockoutPolicy.of(settings)
    ensure_not_locked(session, client, policy, now)
    try:
        account = authenticate(session, token, now=now)
    except Unauthenticated as exc:
        refused = refuse(session, exc, credential="token", client=client, policy=policy, now=now)
        session.commit()
        raise refused from None
    _, cookie = open_session(
        session,
        account,
        secret=settings.secret_key,
        hours=settings.portal_session_hours,
        now=now,
        client=client,
        user_agent=request.headers.get("user-agent", ""),
    )
    session.commit()
    return cookie


def sign_out(request: Request, session: Session, cookie: str | None) -> None:
    """End the session ``cookie`` names, server-side (a replayed copy is refused from now on)."""
    if cookie:
        close_session(session, cookie, secret=_settings(request).secret_key, now=now_of(request))
        session.commit()
