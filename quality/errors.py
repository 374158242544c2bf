"""The quality package's exception family. Every error carries a stable machine ``code``.

::

    QualityError                 base; never raised itself
    ├── UnsupportedContract      the contract names a check this package cannot compile
    ├── RelationMismatch         the relation lacks a contract column, _row or _cast_errors
    └── EngineFailure            Great Expectations could not evaluate an expectation, or its counts
                                 disagree with the SQL verdict (never trust an empty metric)
"""

from __future__ import annotations

from typing import Any


class QualityError(Exception):
    code: str = "quality.error"

    def __init__(self, message: str, *, code: str | None = None, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.context = context


class UnsupportedContract(QualityError):
    code = "quality.unsupported_contract"


class RelationMismatch(QualityError):
    code = "quality.relation_mismatch"


class EngineFailure(QualityError):
    code = "quality.engine_failure"
