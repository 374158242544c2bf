"""The catalog's exception family. Every error carries a stable machine ``code``.

::

    CatalogError                 base; never raised itself
    ├── NotFound                 a named thing does not exist (or is not visible to the caller)
    ├── Unauthenticated          no credential, or one that matches no active account
    ├── AccessRefused            the caller may not do this; ``reason`` says why (policy, role)
    ├── Conflict                 the act clashes with current state (already decided, duplicate)
    └── InvalidInput             the request is malformed (unknown field, bad filter, bad date)

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
