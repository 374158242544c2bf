"""The lakehouse exceptions: one base, a stable ``code`` and HTTP ``status`` each, messages a
steward can use.

::

    LakehouseError                 lakehouse.error              503  (lakehouse.connection)
     ├── ExtensionMissing          lakehouse.extension_missing  503  (lakehouse.connection)
     ├── SourceNotFound            source.not_found             404
     ├── MalformedSource           source.malformed             422
     ├── LakeSchemaMismatch        lake.schema_mismatch         409
     └── PublishError              publish.failed, or a more    409
                                   precise code per instance:
                                   batch.not_found, batch.already_published,
                                   batch.not_publishable, batch.contract_mismatch,
                                   verdict.malformed

All of them are :class:`schemas.errors.ZhongtaiError` (the project's one family, drawn whole in
that module's docstring). A publish that fails is a clash with the batch's state (409): nothing
reached the lake, and the batch says why.

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
    status = 404


class MalformedSource(LakehouseError):
    """A source file cannot be read as its contract declares.

    Wrong encoding, missing or duplicate header columns, ragged rows, unterminated quotes, an
    empty file. ``source`` is the file name (not the full path), ``line`` the 1-based line of the
    file where the problem was found, ``columns`` the header columns concerned.
    """

    code = "source.malformed"
    status = 422

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
        super().__init__(f"{where}: {problem}", source=source, line=line)


class LakeSchemaMismatch(LakehouseError):
    """A lake table exists with columns other than its contract declares (schema drift)."""

    code = "lake.schema_mismatch"
    status = 409


class PublishError(LakehouseError):
    """A batch could not be published (or rejected); nothing reached the lake."""

    code = "publish.failed"
    status = 409

    def __init__(self, message: str, *, code: str | None = None, batch_id: int | None = None):
        super().__init__(message, code=code, batch_id=batch_id)
        self.batch_id = batch_id
