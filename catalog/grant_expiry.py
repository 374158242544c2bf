"""Grant expiry (授权到期): a daily duty of the platform.

Every grant expires (``catalog.requests``), and a read through an expired grant is refused at
read time already (``catalog.read_plan``). :func:`expire_grants` puts the expiry on the record:
once per grant whose ``expires_at`` has passed — neither revoked nor superseded, which are on the
record already — it cancels the grant's live subscriptions (audited ``subscription.cancelled``,
the reason naming the expiry: no delivery is claimed for them again) and records
``grant.expired`` (:class:`catalog.duty_events.GrantExpired`, carrying the grant and dataset, so
it shows in the grant's history for auditors and in both departments' views of the grant).

Idempotent without a table of its own: the record is written at or after the expiry, so the
``grant.expired`` events that may exist for the expired grants are those since the earliest
expiry — one range over the ``(action, occurred_at)`` index; the grant rows are locked (``FOR
UPDATE`` on PostgreSQL) so two runs at once record each expiry once. Who may run it is decided
by ``catalog.policy`` (``grant.expire``: the platform, admins). Works in the caller's
transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.duty_events import GrantExpired
from catalog.guard import ensure
from catalog.models import AuditEvent, Department, Grant, utcnow
from catalog.principals import SYSTEM, Principal
from catalog.resources import PLATFORM
from catalog.subscription_events import SubscriptionCancelled
from catalog.subscription_tables import Subscription

__all__ = ["Expiry", "expire_grants", "expiry_recorded_at"]


@dataclass(frozen=True, slots=True)
class Expiry:
    """One grant's expiry recorded now, and the subscriptions it stopped."""

    grant_id: int
    expires_at: dt.datetime
    subscriptions_stopped: tuple[int, ...]


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def expire_grants(
    session: Session, now: dt.datetime | None = None, actor: Principal = SYSTEM
) -> list[Expiry]:
    """Record every grant past its expiry, once, and stop the subscriptions that depend on it."""
    now = now or utcnow()
    ensure(session, actor, act.GRANT_EXPIRE, PLATFORM, now=now)
    expired = list(
        session.scalars(
            select(Grant)
            .where(
                Grant.revoked_at.is_(None),
                Grant.superseded_by_grant_id.is_(None),
                Grant.expires_at.is_not(None),
                Grant.expires_at <= now,
            )
            .order_by(Grant.id)
            .with_for_update()
        )
    )
    if not expired:
        return []
    since = min(g.expires_at for g in expired if g.expires_at is not None)
    recorded = {
        (int(grant_id or 0), str(detail.get("expires_at")))
        for grant_id, detail in session.execute(
            select(AuditEvent.grant_id, AuditEvent.detail).where(
                AuditEvent.action == GrantExpired.action, AuditEvent.occurred_at >= since
            )
        )
    }
    done = []
    for grant in expired:
        assert grant.expires_at is not None
        if (grant.id, _stamp(grant.expires_at)) in recorded:
            continue
        done.append(_expire(session, grant, grant.expires_at, now, actor))
    return done


def _expire(
    session: Session, grant: Grant, expires_at: dt.datetime, now: dt.datetime, actor: Principal
) -> Expiry:
    live = list(
        session.scalars(
            select(Subscription)
            .where(Subscription.grant_id == grant.id, Subscription.cancelled_at.is_(None))
            .order_by(Subscription.id)
            .with_for_update()
        )
    )
    reason = f"grant {grant.id} expired at {_stamp(expires_at)}"
    for subscription in live:
        subscription.cancelled_at = now
        subscription.cancel_reason = reason
        session.flush()
        audit.record(
            session,
            SubscriptionCancelled(
                dataset_id=grant.dataset_id,
                grant_id=grant.id,
                subscription_id=subscription.id,
                reason=reason,
            ),
            actor=actor,
            now=now,
        )
    grantee = session.get(Department, grant.grantee_department_id)
    stopped = tuple(s.id for s in live)
    audit.record(
        session,
        GrantExpired(
            dataset_id=grant.dataset_id,
            grant_id=grant.id,
            grantee_department=grantee.code if grantee is not None else "",
            owner_department=grant.dataset.owner.code,
            expires_at=_stamp(expires_at),
            subscriptions_stopped=stopped,
        ),
        actor=actor,
        now=now,
    )
    return Expiry(grant_id=grant.id, expires_at=expires_at, subscriptions_stopped=stopped)


def expiry_recorded_at(session: Session, grants: Iterable[Grant]) -> dict[int, dt.datetime]:
    """When each of ``grants`` had its expiry recorded (the ``(grant_id, occurred_at)`` index);
    grants without such a record are left out."""
    ids = {g.id for g in grants}
    if not ids:
        return {}
    rows = session.execute(
        select(AuditEvent.grant_id, AuditEvent.occurred_at).where(
            AuditEvent.grant_id.in_(ids), AuditEvent.action == GrantExpired.action
        )
    )
    return {int(grant_id): occurred_at for grant_id, occurred_at in rows if grant_id is not None}
