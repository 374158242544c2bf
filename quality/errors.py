"""The quality package's exceptions, each with a stable ``code`` and an HTTP ``status``.

::

    QualityError                 base; never raised itself                      500
    ├── UnsupportedContract      the contract names a check this package         422
    │                            cannot compile
    ├── RelationMismatch         the relation lacks a contract column, _row or   500
    │                            _cast_errors (the platform's own inconsistency)
    └── EngineFailure            Great Expectations could not evaluate an        503
                                 expectation, or its counts disagree with the
                                 SQL verdict (never trust an empty metric)

All of them are :class:`schemas.errors.ZhongtaiError` (the project's one family).
"""

from __future__ import annotations

from schemas.errors import ZhongtaiError

__all__ = ["EngineFailure", "QualityError", "RelationMismatch", "UnsupportedContract"]


class QualityError(ZhongtaiError):
    code = "quality.error"
    status = 500


class UnsupportedContract(QualityError):
    code = "quality.unsupported_contract"
    status = 422


class RelationMismatch(QualityError):
    code = "quality.relation_mismatch"
    status = 500


class EngineFailure(QualityError):
    code = "quality.engine_failure"
    status = 503
