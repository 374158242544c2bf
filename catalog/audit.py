"""The audit log: append-only, hash-chained, with signed checkpoints.

Each event's ``hash`` is SHA-256 over the previous event's hash and the canonical JSON (sorted keys,
no spaces, UTF-8) of the event's own columns. Ids are dense, starting at 1, so a deleted row breaks
the chain as surely as an edited one. ``verify_chain`` re-derives every hash and names the first
event that does not match. Checkpoints sign ``"{last_event_id}:{last_hash}"`` with Ed25519, so an
auditor holding only the public key can prove the chain up to a checkpoint was never rewritten.

Appends take turns (an advisory lock on PostgreSQL, the catalog's writer turn on SQLite), so two
writers never compute the same next id; were they to, the primary key would let exactly one of them
commit, so the chain can never fork.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from catalog.events import AuditedEvent, CheckpointSigned
from catalog.models import AuditCheckpoint, AuditEvent, utcnow
from catalog.principals import SYSTEM, Principal
from catalog.sqlite_writer import take_turn

GENESIS_HASH = "0" * 64
_PG_LOCK_KEY = 0x5A48_4154  # "ZHAT": serialises appends on PostgreSQL


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_body(event: AuditEvent) -> dict[str, Any]:
    """Every column that the hash covers, as plain JSON values."""
    return {
        "id": event.id,
        "occurred_at": _timestamp(event.occurred_at),
        "action": event.action,
        "outcome": str(event.outcome.value),
        "actor_account_id": event.actor_account_id,
        "actor_department_id": event.actor_department_id,
        "dataset_id": event.dataset_id,
        "grant_id": event.grant_id,
        "detail": event.detail,
    }


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_json(body))
    return digest.hexdigest()


def _lock_head(session: Session) -> None:
    """Hold the chain's head until this transaction ends, so no other writer appends between
    reading the head and writing after it: an advisory lock on PostgreSQL, the catalog's writer
    turn on SQLite (``catalog.sqlite_writer``)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    elif dialect == "sqlite":
        take_turn(session.connection())


def head(session: Session) -> tuple[int, str]:
    """(last id, last hash), or (0, genesis) for an empty log."""
    row = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return (0, GENESIS_HASH) if row is None else (row[0], row[1])


def record(
    session: Session,
    event: AuditedEvent,
    *,
    actor: Principal | None = None,
    now: dt.datetime | None = None,
) -> AuditEvent:
    """Append ``event`` to the chain in the caller's transaction (commits or rolls back with it)."""
    actor = actor or SYSTEM
    _lock_head(session)
    last_id, last_hash = head(session)
    row = AuditEvent(
        id=last_id + 1,
        occurred_at=(now or utcnow()).astimezone(dt.UTC),
        action=event.action,
        outcome=event.outcome,
        actor_account_id=actor.account_id or None,
        actor_department_id=actor.department_id or None,
        dataset_id=event.dataset_id,
        grant_id=event.grant_id,
        detail=json.loads(canonical_json(event.detail())),
        prev_hash=last_hash,
    )
    row.hash = chain_hash(last_hash, event_body(row))
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    events_checked: int
    head_hash: str
    first_bad_event_id: int | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"audit chain OK: {self.events_checked} events, head {self.head_hash[:16]}…"
        return f"audit chain BROKEN at event {self.first_bad_event_id}: {self.reason}"


def verify_events(events: Any) -> ChainReport:
    """Check an ordered iterable of events (rows or exported copies): ids dense, links, hashes."""
    expected_prev = GENESIS_HASH
    expected_id = 1
    count = 0
    for event in events:
        if event.id != expected_id:
            return ChainReport(
                False,
                count,
                expected_prev,
                expected_id,
                f"event {expected_id} is missing (next id found is {event.id})",
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                False,
                count,
                expected_prev,
                event.id,
                "prev_hash does not match the hash of the event before it",
            )
        recomputed = chain_hash(event.prev_hash, event_body(event))
        if recomputed != event.hash:
            return ChainReport(
                False,
                count,
                expected_prev,
                event.id,
                "content does not match its hash (the row was altered)",
            )
        expected_prev = event.hash
        expected_id += 1
        count += 1
    return ChainReport(True, count, expected_prev)


def verify_chain(session: Session) -> ChainReport:
    """Re-derive the whole chain from the catalog and check every signed checkpoint against it."""
    # yield_per streams through a server-side cursor on PostgreSQL; close it even when
    # verification stops early at a bad event, or the cursor outlives the transaction.
    with session.scalars(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=2000)
    ) as events:
        report = verify_events(events)
    if not report.ok:
        return report
    for checkpoint in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)):
        event = session.get(AuditEvent, checkpoint.last_event_id)
        if event is None or event.hash != checkpoint.last_hash:
            return ChainReport(
                False,
                report.events_checked,
                report.head_hash,
                checkpoint.last_event_id,
                f"checkpoint {checkpoint.id} signed a hash the chain no longer has",
            )
    return report


def checkpoint_message(last_event_id: int, last_hash: str) -> bytes:
    return f"zhongtai-audit-checkpoint:{last_event_id}:{last_hash}".encode("ascii")


def public_key_fingerprint(public_key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def sign_checkpoint(session: Session, key: Ed25519PrivateKey) -> AuditCheckpoint | None:
    """Sign the current head; ``None`` if the log is empty. Audited itself, after signing."""
    _lock_head(session)
    last_id, last_hash = head(session)
    if last_id == 0:
        return None
    checkpoint = AuditCheckpoint(
        last_event_id=last_id,
        last_hash=last_hash,
        public_key_fingerprint=public_key_fingerprint(key.public_key()),
        signature=key.sign(checkpoint_message(last_id, last_hash)).hex(),
    )
    session.add(checkpoint)
    record(session, CheckpointSigned(last_event_id=last_id, last_hash=last_hash))
    return checkpoint


def verify_checkpoint_signature(checkpoint: AuditCheckpoint, public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(
            bytes.fromhex(checkpoint.signature),
            checkpoint_message(checkpoint.last_event_id, checkpoint.last_hash),
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def head_intact(session: Session) -> bool:
    """Whether the newest event still matches its own hash: a cheap readiness probe that reads
    one row (``verify_chain`` is the full check). An empty log is intact."""
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
    return event is None or chain_hash(event.prev_hash, event_body(event)) == event.hash


def event_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0
