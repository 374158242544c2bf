"""The one exception family of the whole project: every domain error is a ``ZhongtaiError``.

Each class carries a stable machine ``code`` (what callers branch on and what a problem+json
answer names; a raise site may give a more precise one) and the HTTP ``status`` it becomes at the
API boundary. ``exchange_api.errors`` turns any of them into an RFC 9457 problem in one handler;
the ``zhongtai`` command prints the code and exits 2. Domain code never raises HTTP exceptions.

::

    ZhongtaiError                  zhongtai.error                500  (schemas.errors)
     ├── ContractError             contract.invalid              422  (schemas.loader; a ValueError)
     ├── CatalogError              catalog.error                 400  (catalog.errors)
     │    ├── NotFound             resource.not_found            404
     │    ├── Unauthenticated      auth.unauthenticated          401
     │    ├── AccessRefused        access.refused                403
     │    ├── Conflict             state.conflict                409
     │    ├── InvalidInput         input.invalid                 422
     │    ├── TooLarge             request.too_large             413
     │    ├── Throttled            rate.limited, auth.locked     429
     │    └── NotReady             service.not_ready             503
     │         ├── AuditUnavailable audit.unavailable           503
     │         └── InsecureSettings settings.insecure           503  (catalog.settings_checks)
     ├── QualityError              quality.error                 500  (quality.errors)
     │    ├── UnsupportedContract  quality.unsupported_contract  422
     │    ├── RelationMismatch     quality.relation_mismatch     500
     │    └── EngineFailure        quality.engine_failure        503
     └── LakehouseError            lakehouse.error               503  (lakehouse.connection)
          ├── ExtensionMissing     lakehouse.extension_missing   503  (lakehouse.connection)
          ├── SourceNotFound       source.not_found              404  (lakehouse.errors)
          ├── MalformedSource      source.malformed              422
          ├── LakeSchemaMismatch   lake.schema_mismatch          409
          └── PublishError         publish.failed                409  (batch.not_found,
                                                                       batch.already_published …)

How the statuses were chosen: the caller's mistake is 4xx (a thing that does not exist 404, a
malformed input or contract 422, a clash with the current state of a request, batch or lake table
409); the platform's own inconsistency is 500 (a base class raised directly, a relation that lost
a contract column); an engine that could not answer — DuckDB, DuckLake, its extensions, Great
Expectations — is 503, since the same request may well succeed once the engine is back.

Messages are for people and may be shown to the caller for a 4xx; they name files, lines,
fields and ids but never quote data values (a row may hold a citizen ID). A 5xx answer shows a
fixed sentence only; its message goes to the server log.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ZhongtaiError"]


class ZhongtaiError(Exception):
    """Base of every domain error: a message for people, a stable ``code``, an HTTP ``status``.

    ``context`` keeps keyword details (a field name, a batch id) for logs and callers; it is
    never sent in an HTTP answer.
    """

    code: str = "zhongtai.error"
    status: int = 500

    def __init__(self, message: str, *, code: str | None = None, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.context = context
