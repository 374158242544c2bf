"""The chain's state for a page that shows it on every load (the auditor's log page), without
re-deriving a million events each time: :class:`ChainStatusCache` keeps the last full
``verify_chain`` report and reuses it while

- the head (last event id and hash), the newest checkpoint and the trusted keys are unchanged, and
- it is younger than ``max_age`` (default five minutes),

so a new event, a new checkpoint, a rotated trust or the passing of ``max_age`` each bring a full
re-derivation. What a cached report can miss is an older row altered behind an unchanged head by
someone who dropped the append-only triggers; it is caught at the next full check, at most
``max_age`` later, and the page says when its check ran. ``zhongtai audit verify`` and
``GET /api/v1/audit/verify`` never use the cache.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import head, verify_chain
from catalog.audit_chain import ChainReport
from catalog.models import AuditCheckpoint, utcnow

__all__ = ["ChainStatus", "ChainStatusCache"]

_Key = tuple[int, str, int, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class ChainStatus:
    report: ChainReport
    checked_at: dt.datetime
    """When the full re-derivation this report comes from ran (UTC)."""


class ChainStatusCache:
    def __init__(self, max_age: dt.timedelta = dt.timedelta(minutes=5)) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._key: _Key | None = None
        self._status: ChainStatus | None = None

    @staticmethod
    def _key_of(session: Session, trust: Mapping[str, Ed25519PublicKey]) -> _Key:
        last_id, last_hash = head(session)
        newest = session.scalar(
            select(AuditCheckpoint.id).order_by(AuditCheckpoint.id.desc()).limit(1)
        )
        return (last_id, last_hash, newest or 0, tuple(sorted(trust)))

    def status(
        self,
        session: Session,
        trust: Mapping[str, Ed25519PublicKey],
        *,
        now: dt.datetime | None = None,
    ) -> ChainStatus:
        """The last full check when still current (see the module), else a new one."""
        now = now or utcnow()
        key = self._key_of(session, trust)
        with self._lock:
            kept = self._status
            if kept is not None and key == self._key and now - kept.checked_at < self.max_age:
                return kept
        fresh = ChainStatus(verify_chain(session, trust), now)
        with self._lock:
            self._key, self._status = key, fresh
        return fresh
