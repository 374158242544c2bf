"""The tables behind sign-in: portal sessions, and refused credentials counted for lockout.

Kept apart from ``catalog.models`` (which imports this module at its end, so the tables are on
``Base.metadata`` wherever the models are) because they only serve ``catalog.portal_sessions`` and
``catalog.lockout``. Both live in the catalog, not in a process, so every API worker sees the same
sessions and the same failure counts.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Account, Base, utcnow

__all__ = ["AuthFailure", "PortalSession"]


class PortalSession(Base):
    """A signed-in browser. The cookie carries a random id; only its SHA-256 is stored here."""

    __tablename__ = "portal_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    client: Mapped[str] = mapped_column(String(64), default="")
    """The address the session was opened from (as ``exchange_api.peers`` resolved it)."""
    user_agent_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    """SHA-256 of the browser's User-Agent at sign-in: a forensic hint, never a check."""

    account: Mapped[Account] = relationship()


class AuthFailure(Base):
    """One refused credential from one client address; ``catalog.lockout`` counts them."""

    __tablename__ = "auth_failures"
    __table_args__ = (Index("ix_auth_failures_client_occurred_at", "client", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[dt.datetime] = mapped_column(index=True)
    credential: Mapped[str] = mapped_column(String(16))
    """``token``, ``session`` or ``certificate``."""
    reason: Mapped[str] = mapped_column(String(40))
    account_id: Mapped[int | None] = mapped_column(Integer, default=None)
    """The account a known-but-refused credential belongs to (expired, revoked); else empty."""
