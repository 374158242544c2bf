"""Deliver each live subscription's new snapshot exactly once: ``deliver_pending``.

For every subscription that is not cancelled, the dataset's current snapshot is due when no
delivery row names it yet; a pending row is due again when its ``next_attempt_at`` has passed.

1. **Claim.** A new snapshot is claimed by INSERTing its delivery row (``UNIQUE(subscription_id,
   snapshot_id)``: of two deliverers exactly one succeeds); a due pending row by one conditional
   UPDATE on its ``attempts``. Either is committed before anything is written, and moves
   ``next_attempt_at`` a lease ahead, so no second deliverer takes the delivery meanwhile; one
   that crashed is taken again once its lease has run out.
2. **Decide.** The delivery acts as the account that created the subscription, which must still
   be live and of the grantee department; the read is decided by ``lakehouse.exchange.authorize``
   (the one decision, mode ``subscribe``, every row): a revoked or expired grant, one that lost
   the mode, or a used-up quota refuses it. A refusal is audited (``ReadRefused``) and the
   delivery marked failed with its code — recorded, never sent, never retried.
3. **Write.** The masked rows go to ``part-0.<format>`` and then ``manifest.json``
   (``lakehouse.subscription_files``), signed with the audit key (``catalog.manifest_signing``:
   the receiver can prove what it was sent); a webhook is POSTed the manifest, signed
   (``X-Zhongtai-Signature: sha256=<HMAC>``, ``X-Zhongtai-Timestamp``, ``X-Zhongtai-Delivery``).
4. **Record.** One transaction marks the row delivered — only if this deliverer's claim still
   holds — spends the rows on the grant's quota and audits ``SubscriptionDelivered`` with the
   manifest's SHA-256. A webhook that fails is tried again with exponential backoff and marked
   failed after ``max_attempts``.

An unexpected error (the lake, the disk, the catalog) counts as a failed attempt of that delivery
only; the others go on. A crash between writing and recording leaves the row pending: once the
lease has run out the same files are written again under the same delivery id (the receiver
deduplicates on it), and the delivery is recorded once. Nothing here runs inside a publish: a
failing webhook never fails one. ``deliver_pending`` owns its transactions: it commits after each
step.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

import duckdb
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from catalog import audit
from catalog.audit_keys import signing_key, store_of
from catalog.errors import CatalogError
from catalog.grants import consume_quota
from catalog.keys import mask_master_key
from catalog.manifest_signing import sign_manifest
from catalog.models import AccessMode, Account, Dataset, Department, Grant, Role, utcnow
from catalog.policy import ReadRequest, Refusal
from catalog.principals import Principal
from catalog.settings import Settings
from catalog.subscription_events import SubscriptionDelivered, SubscriptionDeliveryFailed
from catalog.subscription_tables import Delivery, DeliveryStatus, Subscription, TargetKind
from catalog.tokens import is_live
from lakehouse.exchange import Authorised, authorize, order_salt
from lakehouse.lineage_deliveries import record_delivery
from lakehouse.subscription_files import canonical, delivery_folder, write_extract, write_manifest
from lakehouse.subscription_webhooks import Sender, announce, http_sender

__all__ = ["LEASE", "MAX_ATTEMPTS", "Outcome", "deliver_pending"]

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=10)
"""How long a claim keeps other deliverers away from a delivery in progress."""
MAX_ATTEMPTS = 5
BACKOFF = dt.timedelta(minutes=1)
"""The wait after a failed attempt: 1, 2, 4, 8 … minutes."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt did: ``delivered``, ``failed``, ``retry`` or ``lost`` (another
    deliverer's claim replaced ours)."""

    subscription_id: int
    delivery_id: int
    snapshot_id: int
    status: str
    rows: int = 0
    error: str = ""


def deliver_pending(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    *,
    now: dt.datetime | None = None,
    send: Sender = http_sender,
    max_attempts: int = MAX_ATTEMPTS,
) -> list[Outcome]:
    """Deliver every due snapshot of every live subscription, each at most once."""
    now = now or utcnow()
    session.commit()  # start from a clean transaction: every claim is its own commit
    outcomes: list[Outcome] = []
    for delivery_id, attempt in _claims(session, now):
        try:
            outcome = _deliver(
                session, con, settings, delivery_id, attempt, now, send, max_attempts
            )
        except (duckdb.Error, OSError, SQLAlchemyError) as exc:  # this one waits; the rest go on
            log.exception("delivery %s failed on attempt %s", delivery_id, attempt)
            session.rollback()
            delivery = session.get(Delivery, delivery_id)
            assert delivery is not None
            error = f"error: {type(exc).__name__}"
            outcome = _retry(session, delivery, attempt, error, now, max_attempts)
        outcomes.append(outcome)
    return outcomes


def _claims(session: Session, now: dt.datetime) -> list[tuple[int, int]]:
    """Claim every due delivery; (delivery id, the attempt this claim is)."""
    claimed: list[tuple[int, int]] = []
    live = session.execute(
        select(Subscription.id, Dataset.current_snapshot_id)
        .join(Grant, Grant.id == Subscription.grant_id)
        .join(Dataset, Dataset.id == Grant.dataset_id)
        .where(Subscription.cancelled_at.is_(None), Dataset.current_snapshot_id.is_not(None))
        .order_by(Subscription.id)
    ).all()
    for subscription_id, snapshot_id in live:
        row = Delivery(
            subscription_id=subscription_id,
            snapshot_id=snapshot_id,
            status=DeliveryStatus.PENDING,
            attempts=1,
            next_attempt_at=now + LEASE,
            created_at=now,
        )
        session.add(row)
        try:
            session.commit()
        except IntegrityError:  # already claimed, by us earlier or by another deliverer now
            session.rollback()
            continue
        claimed.append((row.id, 1))
    due = session.execute(
        select(Delivery.id, Delivery.attempts)
        .join(Delivery.subscription)
        .where(
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.next_attempt_at <= now,
            Subscription.cancelled_at.is_(None),
        )
        .order_by(Delivery.id)
    ).all()
    for delivery_id, attempts in due:
        taken = session.execute(
            update(Delivery)
            .where(
                Delivery.id == delivery_id,
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.attempts == attempts,
                Delivery.next_attempt_at <= now,
            )
            .values(attempts=attempts + 1, next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append((delivery_id, attempts + 1))
    return claimed


def _acting(session: Session, subscription: Subscription, now: dt.datetime) -> Principal | str:
    """The subscription's creator as a principal, or why it can no longer act."""
    account = session.get(Account, subscription.created_by_account_id)
    if account is None or not is_live(account, now):
        return "subscription.creator_inactive"
    if account.department_id != subscription.department_id or not account.has_role(Role.REQUESTER):
        return "subscription.creator_not_requester"
    return Principal.of(account)


def _deliver(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    delivery_id: int,
    attempt: int,
    now: dt.datetime,
    send: Sender,
    max_attempts: int,
) -> Outcome:
    delivery = session.get(Delivery, delivery_id)
    assert delivery is not None
    subscription = delivery.subscription
    grant = subscription.grant
    dataset = grant.dataset
    principal = _acting(session, subscription, now)
    if isinstance(principal, str):
        return _fail(session, delivery, attempt, principal, now)
    decision = authorize(
        session,
        principal,
        dataset,
        ReadRequest(limit=None, mode=AccessMode.SUBSCRIBE),
        grant_id=grant.id,
        now=now,
        mask_master=lambda: mask_master_key(settings),
    )
    if isinstance(decision, Refusal):  # audited as ReadRefused by authorize
        return _fail(session, delivery, attempt, decision.code, now)
    department = session.get(Department, subscription.department_id)
    assert department is not None
    try:
        key = signing_key(session, store_of(settings), settings)
        body, manifest, rows, size = _write(
            con, settings, subscription, delivery, decision, department.code, dataset, now, key
        )
    except CatalogError as exc:  # the folder now leads elsewhere: refused, final
        session.rollback()
        return _fail(session, delivery, attempt, exc.code, now)
    if subscription.kind is TargetKind.WEBHOOK:
        error = announce(settings, subscription, delivery.id, body, send, now)
        if error:
            return _retry(session, delivery, attempt, error, now, max_attempts)
    return _record(session, delivery, attempt, decision, principal, manifest, body, rows, size, now)


def _write(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    subscription: Subscription,
    delivery: Delivery,
    decision: Authorised,
    department_code: str,
    dataset: Dataset,
    now: dt.datetime,
    key: Ed25519PrivateKey,
) -> tuple[bytes, dict[str, Any], int, int]:
    plan = decision.plan
    folder = delivery_folder(
        settings, subscription, department_code, dataset.code, delivery.snapshot_id
    )
    written = write_extract(
        con,
        plan,
        folder,
        subscription.format,
        snapshot_id=delivery.snapshot_id,
        order_salt=order_salt(plan),
    )
    manifest: dict[str, Any] = {
        "delivery_id": delivery.id,
        "subscription_id": subscription.id,
        "dataset": dataset.code,
        "snapshot_id": delivery.snapshot_id,
        "grant_id": plan.grant_id,
        "purpose": plan.purpose,
        "format": subscription.format.value,
        "columns": list(plan.column_names),
        "masked_columns": list(plan.masked_columns),
        "files": [written.entry()],
        "total_rows": written.rows,
        "created_at": now.astimezone(dt.UTC).isoformat(),
    }
    if subscription.kind is TargetKind.WEBHOOK:
        manifest["file_url"] = (
            f"/api/v1/subscriptions/{subscription.id}/deliveries/{delivery.id}/file"
        )
    manifest = sign_manifest(manifest, key)  # the receiver can prove what it was sent
    body = canonical(manifest)
    write_manifest(folder, body)
    return body, manifest, written.rows, written.bytes


def _retry(
    session: Session,
    delivery: Delivery,
    attempt: int,
    error: str,
    now: dt.datetime,
    max_attempts: int,
) -> Outcome:
    if attempt >= max_attempts:
        return _fail(session, delivery, attempt, error, now)
    wait = BACKOFF * 2 ** (attempt - 1)
    changed = session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery.id,
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.attempts == attempt,
        )
        .values(next_attempt_at=now + wait, last_error=error)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    status = "retry" if changed.rowcount == 1 else "lost"  # type: ignore[attr-defined]
    return Outcome(delivery.subscription_id, delivery.id, delivery.snapshot_id, status, error=error)


def _fail(
    session: Session, delivery: Delivery, attempt: int, error: str, now: dt.datetime
) -> Outcome:
    changed = session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery.id,
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.attempts == attempt,
        )
        .values(status=DeliveryStatus.FAILED, last_error=error)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return Outcome(delivery.subscription_id, delivery.id, delivery.snapshot_id, "lost")
    subscription = delivery.subscription
    audit.record(
        session,
        SubscriptionDeliveryFailed(
            dataset_id=subscription.grant.dataset_id,
            grant_id=subscription.grant_id,
            subscription_id=subscription.id,
            delivery_id=delivery.id,
            snapshot_id=delivery.snapshot_id,
            attempts=attempt,
            error=error,
        ),
        now=now,
    )
    session.commit()
    return Outcome(subscription.id, delivery.id, delivery.snapshot_id, "failed", error=error)


def _record(
    session: Session,
    delivery: Delivery,
    attempt: int,
    decision: Authorised,
    principal: Principal,
    manifest: dict[str, Any],
    body: bytes,
    rows: int,
    size: int,
    now: dt.datetime,
) -> Outcome:
    digest = hashlib.sha256(body).hexdigest()
    changed = session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery.id,
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.attempts == attempt,
        )
        .values(
            status=DeliveryStatus.DELIVERED,
            manifest=manifest,
            manifest_sha256=digest,
            delivered_at=now,
            last_error="",
        )
        .execution_options(synchronize_session=False)
    )
    ids = (delivery.subscription_id, delivery.id, delivery.snapshot_id)
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return Outcome(*ids, "lost")
    plan = decision.plan
    if decision.grant is not None:
        try:
            consume_quota(session, decision.grant, rows)
        except CatalogError as exc:
            session.rollback()
            return _fail(session, delivery, attempt, exc.code, now)
    delivered = audit.record(
        session,
        SubscriptionDelivered(
            dataset_id=decision.grant.dataset_id if decision.grant else None,
            grant_id=plan.grant_id,
            subscription_id=delivery.subscription_id,
            delivery_id=delivery.id,
            snapshot_id=delivery.snapshot_id,
            purpose=plan.purpose,
            columns=plan.column_names,
            masked_columns=plan.masked_columns,
            row_count=rows,
            bytes_sent=size,
            manifest_sha256=digest,
        ),
        actor=principal,
        now=now,
    )
    record_delivery(session, delivered)
    session.commit()
    return Outcome(*ids, "delivered", rows=rows)
