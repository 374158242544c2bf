"""The tables auditors read: the hash-chained audit events, their signed checkpoints, and the
OpenLineage events kept for them.

Kept apart from ``catalog.models``, which imports them at its end and re-exports them, so
``from catalog.models import AuditEvent`` keeps working and the tables are on ``Base.metadata``
wherever the models are. ``catalog.audit`` is the service over the first two; the migrations make
``audit_events`` and ``audit_checkpoints`` append-only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalog.audit_chain import HASH_FORMAT
from catalog.models import AuditOutcome, Base, _enum, utcnow

__all__ = ["AuditCheckpoint", "AuditEvent", "LineageEdge", "LineageEvent"]


SEQUENCE_NUMBER = BigInteger().with_variant(Integer, "sqlite")
"""An audit sequence number: BIGINT, but SQLite's INTEGER (64-bit, and the row id's alias)."""


class AuditEvent(Base):
    """One append-only, hash-chained record of an action that read or changed data or rights.

    ``hash`` = SHA-256 over the sequence number, ``prev_hash`` and the canonical JSON of every
    other column (see ``catalog.audit``). The first event's ``prev_hash`` is 64 zeros. The
    envelope columns (``object`` … ``content_sha256``) say, for every kind of act alike, what was
    done to what, for which purpose and what left the platform; ``detail`` keeps the rest.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_action_time", "action", "occurred_at"),
        Index("ix_audit_events_time", "occurred_at"),
        Index("ix_audit_events_department", "actor_department_id", "occurred_at"),
        Index("ix_audit_events_dataset", "dataset_id", "occurred_at"),
        Index("ix_audit_events_grant", "grant_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(SEQUENCE_NUMBER, primary_key=True, autoincrement=False)
    """The sequence number: dense from 1, so a deleted event leaves a gap. 64 bits (SQLite's
    INTEGER is; PostgreSQL's is BIGINT): at 20,000 events a second 32 bits last 30 hours."""
    format: Mapped[int] = mapped_column(Integer, default=HASH_FORMAT, server_default="1")
    """How ``hash`` is computed: 1 for events written before the envelope columns, 2 since."""
    occurred_at: Mapped[dt.datetime] = mapped_column()
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[AuditOutcome] = mapped_column(_enum(AuditOutcome, 16))
    actor_account_id: Mapped[int | None] = mapped_column(Integer, default=None)
    actor_department_id: Mapped[int | None] = mapped_column(Integer, default=None)
    object: Mapped[str] = mapped_column(String(120), default="", server_default="")
    """What the act was done to, as ``kind:id`` (``dataset:3``, ``grant:7``, ``platform``)."""
    dataset_id: Mapped[int | None] = mapped_column(Integer, default=None)
    grant_id: Mapped[int | None] = mapped_column(Integer, default=None)
    purpose: Mapped[str] = mapped_column(Text, default="", server_default="")
    params_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    """SHA-256 of the act's parameters: the canonical ``detail`` without what was sent."""
    rows_sent: Mapped[int | None] = mapped_column(Integer, default=None)
    bytes_sent: Mapped[int | None] = mapped_column(BigInteger, default=None)
    content_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    """SHA-256 of exactly the bytes sent (empty when nothing was)."""
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditCheckpoint(Base):
    """A signature over the chain head at one event: proves the chain up to it was not rewritten."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (Index("ix_audit_checkpoints_last_event", "last_event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int] = mapped_column(SEQUENCE_NUMBER)
    last_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    algorithm: Mapped[str] = mapped_column(String(16), default="ed25519")
    public_key_fingerprint: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(256))


class LineageEvent(Base):
    """An OpenLineage run event as emitted, kept for auditors."""

    __tablename__ = "lineage_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(String(64))
    job_name: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(16))
    event_time: Mapped[dt.datetime] = mapped_column()
    payload: Mapped[dict[str, Any]] = mapped_column()


class LineageEdge(Base):
    """One input→output edge of a stored lineage event (``catalog.lineage_edges`` derives them
    in the event's transaction): dataset-level when both fields are empty, else column-level.

    Node keys: ``file:<sha256>``, ``batch:<id>``, ``dataset:<namespace>/<name>``,
    ``delivery:<department>/<audit event id>``. Indexed from both ends for traversal.
    """

    __tablename__ = "lineage_edges"
    __table_args__ = (
        Index("ix_lineage_edges_source", "source", "source_field", "target"),
        Index("ix_lineage_edges_target", "target", "target_field", "source"),
        Index("ix_lineage_edges_source_time", "source", "event_time"),
        Index("ix_lineage_edges_event", "event_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("lineage_events.id"))
    source: Mapped[str] = mapped_column(String(400))
    source_field: Mapped[str] = mapped_column(String(120), default="", server_default="")
    target: Mapped[str] = mapped_column(String(400))
    target_field: Mapped[str] = mapped_column(String(120), default="", server_default="")
    run_id: Mapped[str] = mapped_column(String(64))
    event_time: Mapped[dt.datetime] = mapped_column()
    snapshot_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    """The lake snapshot: published by an ingestion, read by a delivery."""
    batch_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    department: Mapped[str] = mapped_column(String(32), default="", server_default="")
    """The receiving department's code, on an edge into a delivery."""
