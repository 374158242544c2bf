"""Readiness: can this instance serve audited reads? The catalog, the audit store and the lake.

``/api/v1/health`` is liveness (the process answers); ``/api/v1/ready`` runs :class:`Readiness`:

- **catalog**: the catalog answers a query and is migrated to the newest revision this code
  knows (``catalog.db.schema_is_current``);
- **audit**: the newest audit event reads back and still matches its own hash
  (``catalog.audit.head_intact``: one row, not the whole chain);
- **lake**: DuckDB opens with the offline extensions and attaches the DuckLake catalog, creating
  nothing (``lakehouse.connection.probe_lake``).

The answer says only ``ok`` or ``failed`` per component; why goes to the server log. Checking
opens DuckDB, and anyone may ask, so one result serves every caller for ``ttl`` seconds and
concurrent callers wait for the one check in progress rather than starting their own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from catalog.audit import head_intact
from catalog.db import catalog_present, schema_is_current
from catalog.settings import Settings
from lakehouse.connection import probe_lake

__all__ = ["COMPONENTS", "Readiness"]

log = logging.getLogger(__name__)

COMPONENTS = ("catalog", "audit", "lake")
TTL_SECONDS = 5.0


def _passes(component: str, check: Callable[[], bool]) -> bool:
    try:
        if check():
            return True
        log.warning("readiness: %s check failed", component)
    except Exception:
        log.warning("readiness: %s check raised", component, exc_info=True)
    return False


class Readiness:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        sessions: sessionmaker[Session],
        *,
        ttl: float = TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings, self._engine, self._sessions = settings, engine, sessions
        self._ttl, self._clock = ttl, clock
        self._lock = threading.Lock()
        self._result: dict[str, bool] | None = None
        self._checked_at = 0.0
        self.runs = 0
        """How many times the checks actually ran (the rest were served from the last result)."""

    def _audit(self) -> bool:
        if not catalog_present(self._engine):
            return False
        with self._sessions() as session:
            return head_intact(session)

    def _lake(self) -> bool:
        probe_lake(self._settings)
        return True

    def _check(self) -> dict[str, bool]:
        self.runs += 1
        return {
            "catalog": _passes("catalog", lambda: schema_is_current(self._engine)),
            "audit": _passes("audit", self._audit),
            "lake": _passes("lake", self._lake),
        }

    def report(self) -> dict[str, bool]:
        """Each component: True when it is ready. At most one check per ``ttl`` seconds."""
        with self._lock:
            if self._result is None or self._clock() - self._checked_at >= self._ttl:
                self._result = self._check()
                self._checked_at = self._clock()
            return dict(self._result)

    def forget(self) -> None:
        """Drop the last result: the next report checks again."""
        with self._lock:
            self._result = None
