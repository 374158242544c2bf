"""The lakehouse exception family: one base, a stable ``code`` each, messages a steward can use.

::

    LakehouseError                 lakehouse.error              (lakehouse.connection)
     ├── ExtensionMissing          lakehouse.extension_missing  (lakehouse.connection)
     ├── SourceNotFound            source.not_found
     ├── MalformedSource           source.malformed
     ├── LakeSchemaMismatch        lake.schema_mismatch
     └── PublishError              publish.failed, or a more precise code per instance:
                                   batch.not_found, batch.already_published,
                                   batch.not_publishable, batch.contract_mismatch,
                                   verdict.malformed

``code`` is what callers branch on and what the HTTP layer maps to a problem type; the message is
for people. Messages name the file, the line and the column where they are known, and never quote
the data itself: a source row may hold citizen IDs, and error text ends up in the catalog.
"""

from __future__ import annotations

from lakehouse.connection import ExtensionMissing, LakehouseError

__all__ = [
    "ExtensionMissing",
    "LakeSchemaMismatch",
    "LakehouseError",
    "MalformedSource",
    "PublishError",
    "SourceNotFound",
]


class SourceNotFound(LakehouseError):
    """The file to land does not exist or is not a regular file."""

    code = "source.not_found"


class MalformedSource(LakehouseError):
    """A source file cannot be read as its contract declares.

    Wrong encoding, missing or duplicate header columns, ragged rows, unterminated quotes, an
    empty file. ``source`` is the file name (not the full path), ``line`` the 1-based line of the
    file where the problem was found, ``columns`` the header columns concerned.
    """

    code = "source.malformed"

    def __init__(
        self,
        source: str,
        problem: str,
        *,
        line: int | None = None,
        columns: tuple[str, ...] = (),
    ) -> None:
        self.source = source
        self.problem = problem
        self.line = line
        self.columns = columns
        where = source if line is None else f"{source}, line {line}"
        super().__init__(f"{where}: {problem}")


class LakeSchemaMismatch(LakehouseError):
    """A lake table exists with columns other than its contract declares (schema drift)."""

    code = "lake.schema_mismatch"


class PublishError(LakehouseError):
    """A batch could not be published (or rejected); nothing reached the lake."""

    code = "publish.failed"

    def __init__(self, message: str, *, code: str | None = None, batch_id: int | None = None):
        if code is not None:
            self.code = code
        self.batch_id = batch_id
        super().__init__(message)
