"""The catalog's exceptions: refusals a caller can act on, each with a stable ``code``.

::

    CatalogError                 base; never raised itself                      400
    ├── NotFound                 a named thing does not exist (or is not         404
    │                            visible to the caller)
    ├── Unauthenticated          no credential, or one that matches no active    401
    │                            account
    ├── AccessRefused            the caller may not do this; ``code`` says why   403
    ├── Conflict                 the act clashes with current state (already     409
    │                            decided, duplicate)
    ├── InvalidInput             the request is malformed (unknown field, bad    422
    │                            filter, bad date)
    ├── TooLarge                 the request body is over the platform's limit   413
    ├── Throttled                too many attempts (auth.locked) or requests     429
    │                            (rate.limited); ``retry_after`` seconds to wait
    └── NotReady                 a store the platform needs does not answer      503
        ├── AuditUnavailable     an audit event could not be written durably:    503
        │                        the act is not done and nothing is sent
        └── InsecureSettings     production settings the platform will not       503
                                 start with (``settings.insecure``;
                                 catalog.settings_checks)

All of them are :class:`schemas.errors.ZhongtaiError` (the project's one family, drawn whole in
that module's docstring); ``exchange_api.errors`` turns each into problem+json by its ``status``.
"""

from __future__ import annotations

from schemas.errors import ZhongtaiError

__all__ = [
    "AccessRefused",
    "AuditUnavailable",
    "CatalogError",
    "Conflict",
    "InvalidInput",
    "NotFound",
    "NotReady",
    "Throttled",
    "TooLarge",
    "Unauthenticated",
]


class CatalogError(ZhongtaiError):
    code = "catalog.error"
    status = 400


class NotFound(CatalogError):
    code = "resource.not_found"
    status = 404


class Unauthenticated(CatalogError):
    code = "auth.unauthenticated"
    status = 401


class AccessRefused(CatalogError):
    code = "access.refused"
    status = 403


class Conflict(CatalogError):
    code = "state.conflict"
    status = 409


class InvalidInput(CatalogError):
    code = "input.invalid"
    status = 422


class TooLarge(CatalogError):
    code = "request.too_large"
    status = 413


class Throttled(CatalogError):
    """Too many attempts (``auth.locked``) or requests (``rate.limited``); try again later."""

    code = "rate.limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int = 1, code: str | None = None) -> None:
        super().__init__(message, code=code, retry_after=max(int(retry_after), 1))

    @property
    def retry_after(self) -> int:
        """Whole seconds until an attempt may succeed (at least 1), for ``Retry-After``."""
        return int(self.context["retry_after"])


class NotReady(CatalogError):
    code = "service.not_ready"
    status = 503


class AuditUnavailable(NotReady):
    """The audit log refused a write (read-only or full catalog, a held write lock): the act
    fails closed, as X-Road refuses traffic it cannot log."""

    code = "audit.unavailable"
    status = 503

    @classmethod
    def because(cls, cause: BaseException) -> AuditUnavailable:
        return cls(
            "the audit log could not be written durably, so nothing was done or sent; "
            "try again later",
            cause=type(cause).__name__,
            reason=str(cause).splitlines()[0][:200] if str(cause) else "",
        )
