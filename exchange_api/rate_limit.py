"""Requests per account: a token bucket per account, kept in this process.

Each account may make ``ZHONGTAI_RATE_LIMIT_PER_MINUTE`` (600) requests a minute, in bursts of up
to that many; past it, requests answer 429 ``rate.limited`` with ``Retry-After``. The buckets live
in the worker's memory: with ``uvicorn --workers N`` each worker keeps its own, so an account may
make up to N times the limit in all (the README says so). A shared limiter (in the catalog, or a
cache) would be another :class:`RateLimiter`; the lockout, which must hold across workers, is kept
in the catalog instead (``catalog.lockout``).

The clock is injected (``time.monotonic`` by default), so tests move time without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["RateLimiter", "TokenBucket", "Unlimited", "limiter"]


class RateLimiter(Protocol):
    """Decides whether one more request of ``key`` may go ahead now."""

    def acquire(self, key: str) -> float | None:
        """``None`` (and the request is counted) if it may; else the seconds until one may."""
        ...


class Unlimited:
    """No limit (``ZHONGTAI_RATE_LIMIT_PER_MINUTE=0``)."""

    def acquire(self, key: str) -> float | None:
        return None


class TokenBucket:
    """``per_minute`` requests a minute per key, refilled continuously, bursts up to that many."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError("a token bucket needs at least one request a minute")
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()  # sync routes run in a thread pool

    def acquire(self, key: str) -> float | None:
        with self._lock:
            now = self.clock()
            tokens, stamp = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + max(now - stamp, 0.0) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return None
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate


def limiter(per_minute: int, clock: Callable[[], float] = time.monotonic) -> RateLimiter:
    """The limiter the settings ask for."""
    return TokenBucket(per_minute, clock) if per_minute > 0 else Unlimited()
