"""Reproduce an audited read: the auditor's act, decided, replayed and itself audited.

:func:`reproduce` asks the one access decision for ``audit.reproduce`` over the platform (auditors
only: a replay shows the rows a department received; a refusal is audited and raised), looks the
event up, checks it is intact (its own chain hash: a cheap check of the one row — ``zhongtai
audit verify`` checks the whole chain), opens the lake only then (``lake`` is called), replays it
(``lakehouse.replay``) and writes a ``ReadReproduced`` event with the verdict and both digests.
A replay that cannot run — no such event, not a read, snapshot expired, dataset gone, record
invalid — is audited too (verdict ``unreplayable`` with the code) and raised as an audited error,
which the caller's ``keeping_refusals`` commits. The caller commits a finished replay.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.audit_chain import link_hash
from catalog.errors import CatalogError, NotFound
from catalog.guard import ensure
from catalog.keys import mask_master_key
from catalog.models import AuditEvent, AuditOutcome
from catalog.principals import Principal
from catalog.reproduce_events import ReadReproduced
from catalog.resources import PLATFORM
from catalog.settings import Settings
from lakehouse.cursor import cursor_key
from lakehouse.replay import RecordedRead, Replayed, ReplayKeys, check_replayable, replay

__all__ = ["MAX_EVENT_ID", "Reproduction", "recorded_read", "reproduce", "server_keys"]

MAX_EVENT_ID = 2**31 - 1
"""The largest id an audit event can have: ``audit_events.id`` is an INTEGER (32-bit on
PostgreSQL), so a larger id names no event, and is not even asked for."""


@dataclass(frozen=True, slots=True)
class Reproduction:
    """A replay and its own audit record."""

    event_id: int
    action: str
    grant_id: int | None
    event_intact: bool
    replayed: Replayed
    audit_event_id: int

    @property
    def match(self) -> bool:
        return self.replayed.match


def recorded_read(row: AuditEvent) -> RecordedRead:
    return RecordedRead(
        event_id=row.id,
        action=row.action,
        dataset_id=row.dataset_id,
        grant_id=row.grant_id,
        actor_department_id=row.actor_department_id,
        detail=dict(row.detail or {}),
    )


def server_keys(settings: Settings) -> ReplayKeys:
    return ReplayKeys(
        mask_master=lambda: mask_master_key(settings),
        cursor_key=cursor_key(settings.secret_key),
    )


def _intact(row: AuditEvent) -> bool:
    """Whether the event still matches its own hash (the one row; ``verify_chain`` checks the
    links and signatures of the whole chain)."""
    link = audit.link_of(row)
    return link_hash(link.seq, link.prev_hash, link.body, link.format) == row.hash


def _unreplayable(
    session: Session,
    actor: Principal,
    event_id: int,
    row: AuditEvent | None,
    exc: CatalogError,
    now: dt.datetime | None,
) -> CatalogError:
    """Audit a replay that could not run; the error to raise (audited, so it is committed)."""
    audit.record(
        session,
        ReadReproduced(
            outcome=AuditOutcome.ERROR,
            dataset_id=row.dataset_id if row is not None else None,
            grant_id=row.grant_id if row is not None else None,
            event_id=event_id,
            resource=f"event:{event_id}",
            replayed_action=row.action if row is not None else "",
            verdict="unreplayable",
            code=exc.code,
            recorded_sha256=str((row.detail or {}).get("content_sha256", "")) if row else "",
            replayed_sha256="",
            recorded_rows=None,
            replayed_rows=None,
            snapshot_id=None,
            event_intact=_intact(row) if row is not None else None,
        ),
        actor=actor,
        now=now,
    )
    return type(exc)(exc.message, code=exc.code, audited=True)


def reproduce(
    session: Session,
    lake: Callable[[], duckdb.DuckDBPyConnection],
    settings: Settings,
    actor: Principal,
    event_id: int,
    *,
    out: Path | None = None,
    shown: bool | None = None,
    now: dt.datetime | None = None,
) -> Reproduction:
    """Replay audited read ``event_id`` as ``actor`` (see the module docstring).

    ``out``: where to write the replayed bytes (a JSON body, or the extract file). ``shown``:
    whether the caller hands the replayed content to the auditor (default: when ``out`` is
    given); the audit event then records its rows, bytes and SHA-256 as sent. Nothing is
    committed here but through an audited error; the caller commits the ``ReadReproduced``.
    """
    shown = out is not None if shown is None else shown
    ensure(session, actor, act.AUDIT_REPRODUCE, PLATFORM, now=now)
    row = session.get(AuditEvent, event_id) if 1 <= event_id <= MAX_EVENT_ID else None
    if row is None:
        missing = NotFound(f"no audit event has id {event_id}", code="audit.event_not_found")
        raise _unreplayable(session, actor, event_id, None, missing, now) from None
    work = Path(settings.var_dir) / "spool" / "reproduce"
    recorded = recorded_read(row)
    try:
        check_replayable(session, recorded)  # before the lake is opened
        replayed = replay(
            session, lake(), recorded, server_keys(settings), work=work, keep=out is not None
        )
    except CatalogError as exc:
        raise _unreplayable(session, actor, event_id, row, exc, now) from None
    intact = _intact(row)
    if out is not None:
        replayed = _kept(replayed, out)
    event = audit.record(
        session,
        ReadReproduced(
            dataset_id=row.dataset_id,
            grant_id=row.grant_id,
            event_id=row.id,
            resource=f"event:{row.id}",
            replayed_action=row.action,
            verdict=replayed.verdict,
            code="",
            recorded_sha256=replayed.recorded_sha256,
            replayed_sha256=replayed.replayed_sha256,
            recorded_rows=replayed.recorded_rows,
            replayed_rows=replayed.replayed_rows,
            snapshot_id=replayed.snapshot_id,
            event_intact=intact,
            row_count=replayed.replayed_rows if shown else 0,
            bytes_sent=replayed.replayed_bytes if shown else 0,
            content_sha256=replayed.replayed_sha256 if shown else "",
        ),
        actor=actor,
        now=now,
    )
    return Reproduction(
        event_id=row.id,
        action=row.action,
        grant_id=row.grant_id,
        event_intact=intact,
        replayed=replayed,
        audit_event_id=event.id,
    )


def _kept(replayed: Replayed, out: Path) -> Replayed:
    """The replayed bytes written to ``out`` (the extract moved there)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if replayed.file is not None:
        shutil.move(replayed.file, out)
    elif replayed.body is not None:
        out.write_bytes(replayed.body)
    return dataclasses.replace(replayed, file=out)
