"""The audit log: append-only, hash-chained, with signed checkpoints — the one writer.

Every audited act is a :class:`catalog.events.AuditedEvent` written by :func:`record` in the
caller's transaction, so the event commits or rolls back with the act. Each row carries the
envelope every act shares — sequence number, UTC time, actor, department, action, object, grant,
purpose, a hash of the parameters, rows and bytes sent with their SHA-256, outcome — and the hash
of the event before it (``catalog.audit_chain`` says exactly how). Ids are dense from 1, so a
deleted row breaks the chain as surely as an edited one.

Appends take turns (an advisory lock on PostgreSQL, the catalog's writer turn on SQLite), so two
writers never compute the same next id; were they to, the primary key would let exactly one of
them commit, so the chain can never fork. An append that cannot be written raises
:class:`catalog.errors.AuditUnavailable` (503 ``audit.unavailable``): the act fails and nothing
is sent.

A session may carry a :class:`CheckpointPolicy` (``session.info["audit_checkpoints"]``): then
every N-th event, and the first event T minutes after the last checkpoint, is followed by a
checkpoint signed in the same transaction. :func:`verify_chain` re-derives every hash and checks
every checkpoint's signature against the keys it is told to trust — never the keys the log
itself names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from catalog.audit_chain import (
    GENESIS_HASH,
    HASH_FORMAT,
    ChainReport,
    Link,
    Seal,
    canonical_json,
    checkpoint_message,
    fingerprint,
    link_hash,
    signature_valid,
    verify_links,
    verify_seals,
)
from catalog.errors import AuditUnavailable
from catalog.events import AuditedEvent, CheckpointSigned
from catalog.models import AuditCheckpoint, AuditEvent, utcnow
from catalog.principals import SYSTEM, Principal
from catalog.sqlite_writer import take_turn

__all__ = [
    "GENESIS_HASH",
    "ChainReport",
    "CheckpointPolicy",
    "canonical_json",
    "checkpoint_message",
    "event_body",
    "event_count",
    "head",
    "head_intact",
    "public_key_fingerprint",
    "record",
    "sign_checkpoint",
    "verify_chain",
    "verify_checkpoint_signature",
]

_PG_LOCK_KEY = 0x5A48_4154  # "ZHAT": serialises appends on PostgreSQL
POLICY_KEY = "audit_checkpoints"
"""Where a session carries its :class:`CheckpointPolicy` (``Session.info``)."""


def _timestamp(value: dt.datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


#: The columns a format-2 hash covers besides the links, in the row's own words.
_BODY_COLUMNS = (
    "action",
    "actor_account_id",
    "actor_department_id",
    "bytes_sent",
    "content_sha256",
    "dataset_id",
    "detail",
    "format",
    "grant_id",
    "object",
    "params_sha256",
    "purpose",
    "rows_sent",
)


def event_body(event: AuditEvent) -> dict[str, Any]:
    """Every column the hash covers but the links, as plain JSON values (by hash format)."""
    if (event.format or 1) == 1:
        return {
            "occurred_at": _timestamp(event.occurred_at),
            "action": event.action,
            "outcome": str(event.outcome.value),
            "actor_account_id": event.actor_account_id,
            "actor_department_id": event.actor_department_id,
            "dataset_id": event.dataset_id,
            "grant_id": event.grant_id,
            "detail": event.detail,
            "id": event.id,
        }
    body = {name: getattr(event, name) for name in _BODY_COLUMNS}
    body["occurred_at"] = _timestamp(event.occurred_at)
    body["outcome"] = str(event.outcome.value)
    return body


def link_of(event: AuditEvent) -> Link:
    return Link(
        event.id, event.format or 1, event.prev_hash, event.hash, canonical_json(event_body(event))
    )


def lock_head(session: Session) -> None:
    """Hold the chain's head until this transaction ends, so no other writer appends between
    reading the head and writing after it: an advisory lock on PostgreSQL; on SQLite the
    catalog's writer turn (``catalog.sqlite_writer``, for fairness across workers) and then
    SQLite's own write lock, taken before the head is read (``BEGIN IMMEDIATE`` when the
    transaction has not written yet). The writer turn alone is not enough: a thread that holds
    it for one request's connection lets its own other connections through, and a server's
    threads move between requests, so only SQLite's lock makes the read of the head safe."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    elif dialect == "sqlite":
        connection = session.connection()
        take_turn(connection)
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


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
    """Append ``event`` to the chain in the caller's transaction (commits or rolls back with it).

    Raises ``AuditUnavailable`` when the catalog refuses the write (read-only, full, locked)."""
    try:
        return _append(session, event, actor or SYSTEM, (now or utcnow()).astimezone(dt.UTC))
    except (DBAPIError, sqlite3.Error) as exc:
        raise AuditUnavailable.because(exc) from exc


def row_values(
    event: AuditedEvent, actor: Principal, now: dt.datetime, seq: int, prev_hash: str
) -> dict[str, Any]:
    """The column values of ``event`` at sequence number ``seq`` after ``prev_hash``, its hash
    included: what :func:`record` and ``catalog.audit_writer.record_many`` insert."""
    detail = json.loads(canonical_json(event.detail()))  # tuples → lists, as read back
    rows, size, digest = event.sent()
    values: dict[str, Any] = {
        "action": event.action,
        "actor_account_id": actor.account_id or None,
        "actor_department_id": actor.department_id or None,
        "bytes_sent": size,
        "content_sha256": digest,
        "dataset_id": event.dataset_id,
        "detail": detail,
        "format": HASH_FORMAT,
        "grant_id": event.grant_id,
        "object": event.object_ref(),
        "params_sha256": hashlib.sha256(canonical_json(event.params(detail))).hexdigest(),
        "purpose": event.stated_purpose(),
        "rows_sent": rows,
    }
    body = dict(values, occurred_at=_timestamp(now), outcome=str(event.outcome.value))
    values.update(
        id=seq,
        occurred_at=now,
        outcome=event.outcome,
        prev_hash=prev_hash,
        hash=link_hash(seq, prev_hash, canonical_json(body), HASH_FORMAT),
    )
    return values


def new_row(
    event: AuditedEvent, actor: Principal, now: dt.datetime, seq: int, prev_hash: str
) -> AuditEvent:
    """The row of ``event`` at sequence number ``seq`` after ``prev_hash``, hash included."""
    return AuditEvent(**row_values(event, actor, now, seq, prev_hash))


def _append(
    session: Session, event: AuditedEvent, actor: Principal, now: dt.datetime
) -> AuditEvent:
    lock_head(session)
    last_id, last_hash = head(session)
    row = new_row(event, actor, now, last_id + 1, last_hash)
    session.add(row)
    session.flush()
    policy = session.info.get(POLICY_KEY)
    if isinstance(policy, CheckpointPolicy) and not isinstance(event, CheckpointSigned):
        if policy.due(session, row.id, now):
            sign_checkpoint(session, policy.key(session), now=now)
    return row


@dataclass
class CheckpointPolicy:
    """Sign a checkpoint after every ``every_events``-th event, and after the first event more
    than ``every_seconds`` after the last checkpoint this process knows of. ``key`` loads the
    signing key (``catalog.audit_keys.signing_key``); a missing key fails the act (fail closed)."""

    key: Callable[[Session], Ed25519PrivateKey]
    every_events: int = 1000
    every_seconds: float = 3600.0
    _last: dt.datetime | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def due(self, session: Session, event_id: int, now: dt.datetime) -> bool:
        if self.every_events > 0 and event_id % self.every_events == 0:
            return self._mark(now)
        with self._lock:
            last = self._last
        if last is None:  # since the last checkpoint, or since the log began
            since = session.scalar(select(func.max(AuditCheckpoint.signed_at)))
            if since is None:
                since = session.scalar(select(func.min(AuditEvent.occurred_at)))
            last = (since or now).replace(tzinfo=dt.UTC) if since else now
            with self._lock:
                self._last = last
        if (now - last).total_seconds() >= self.every_seconds:
            return self._mark(now)
        return False

    def _mark(self, now: dt.datetime) -> bool:
        with self._lock:
            self._last = now
        return True


def sign_checkpoint(
    session: Session, key: Ed25519PrivateKey, *, now: dt.datetime | None = None
) -> AuditCheckpoint | None:
    """Sign the current head; ``None`` if the log is empty. Audited itself, after signing."""
    lock_head(session)
    last_id, last_hash = head(session)
    if last_id == 0:
        return None
    checkpoint = AuditCheckpoint(
        last_event_id=last_id,
        last_hash=last_hash,
        signed_at=(now or utcnow()).astimezone(dt.UTC),
        public_key_fingerprint=fingerprint(key.public_key()),
        signature=key.sign(checkpoint_message(last_id, last_hash)).hex(),
    )
    session.add(checkpoint)
    record(session, CheckpointSigned(last_event_id=last_id, last_hash=last_hash), now=now)
    return checkpoint


def _links(session: Session) -> Generator[Link, None, None]:
    # yield_per streams through a server-side cursor on PostgreSQL; the caller closes it even
    # when verification stops early at a bad event, or the cursor outlives the transaction.
    with session.scalars(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=2000)
    ) as events:
        for event in events:
            yield link_of(event)


def seals(session: Session) -> list[Seal]:
    return [
        Seal(c.id, c.last_event_id, c.last_hash, c.public_key_fingerprint, c.signature)
        for c in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id))
    ]


def verify_chain(
    session: Session, trust: Mapping[str, Ed25519PublicKey] | None = None
) -> ChainReport:
    """Re-derive the whole chain from the catalog, then check every checkpoint: signed by one of
    the ``trust``-ed keys (fingerprint → key; ``catalog.audit_keys.trusted``), over a hash the
    chain still has. With no trusted keys, any checkpoint fails as signed by an unknown key."""
    checkpoints = seals(session)
    watch = frozenset(s.last_event_id for s in checkpoints)
    hashes: dict[int, str] = {}
    links = _links(session)
    try:
        report = verify_links(links, watch=watch, seen_hashes=hashes)
    finally:
        links.close()
    return verify_seals(report, checkpoints, hashes, trust or {})


def public_key_fingerprint(public_key: Ed25519PublicKey) -> str:
    return fingerprint(public_key)


def verify_checkpoint_signature(checkpoint: AuditCheckpoint, public_key: Ed25519PublicKey) -> bool:
    message = checkpoint_message(checkpoint.last_event_id, checkpoint.last_hash)
    return signature_valid(public_key, checkpoint.signature, message)


def head_intact(session: Session) -> bool:
    """Whether the newest event still matches its own hash: a cheap readiness probe that reads
    one row (``verify_chain`` is the full check). An empty log is intact."""
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
    if event is None:
        return True
    link = link_of(event)
    return link_hash(link.seq, link.prev_hash, link.body, link.format) == event.hash


def event_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0
