"""The catalog's exception family. Every error carries a stable machine ``code``.

::

    CatalogError                 base; never raised itself
    ├── NotFound                 a named thing does not exist (or is not visible to the caller)
    ├── Unauthenticated          no credential, or one that matches no active account
    ├── AccessRefused            the caller may not do this; ``reason`` says why (policy, role)
    ├── Conflict                 the act clashes with current state (already decided, duplicate)
    ├── InvalidInput             the request is malformed (unknown field, bad filter, bad date)
    └── Throttled                too many attempts or requests; ``retry_after`` seconds to wait

``exchange_api.errors`` turns these into problem+json responses in one place; domain code never
raises HTTP exceptions.
"""

from __future__ import annotations

from typing import Any


class CatalogError(Exception):
    code: str = "catalog.error"

    def __init__(self, message: str, *, code: str | None = None, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.context = context


class NotFound(CatalogError):
    code = "not_found"


class Unauthenticated(CatalogError):
    code = "unauthenticated"


class AccessRefused(CatalogError):
    code = "access_refused"


class Conflict(CatalogError):
    code = "conflict"


class InvalidInput(CatalogError):
    code = "invalid_input"


class Throttled(CatalogError):
    """Too many attempts (``auth.locked``) or requests (``rate.limited``); try again later."""

    code = "throttled"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code, retry_after=max(int(retry_after), 1))

    @property
    def retry_after(self) -> int:
        """Whole seconds until an attempt may succeed (at least 1), for ``Retry-After``."""
        return int(self.context["retry_after"])
