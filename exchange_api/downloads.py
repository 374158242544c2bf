"""A recorded export turned into an HTTP download.

Every route and portal page that hands out a file made by the catalog (the catalog spreadsheet,
its DCAT pages, the scorecards, the usage reports) answers the same way: the bytes with their
media type, a ``Content-Disposition`` naming the file, its SHA-256 in ``X-Content-SHA256``, the
audit event that recorded the download in ``X-Zhongtai-Audit-Event`` when there is one, and
``Cache-Control: no-store``. The caller commits the record before calling this.
"""

from __future__ import annotations

from typing import Literal, Protocol

from fastapi.responses import Response

__all__ = ["ExportedFile", "download_response"]


class ExportedFile(Protocol):
    """What a file made by the catalog carries (``CatalogFile``, ``ExportedScorecards``, …)."""

    @property
    def name(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def body(self) -> bytes: ...
    @property
    def sha256(self) -> str: ...
    @property
    def event_id(self) -> int | None: ...


def download_response(
    made: ExportedFile, *, disposition: Literal["attachment", "inline"] = "attachment"
) -> Response:
    """The file as a response, named by ``Content-Disposition`` and never cached."""
    headers = {
        "Content-Disposition": f'{disposition}; filename="{made.name}"',
        "X-Content-SHA256": made.sha256,
        "Cache-Control": "no-store",
    }
    if made.event_id is not None:
        headers["X-Zhongtai-Audit-Event"] = str(made.event_id)
    return Response(made.body, media_type=made.media_type, headers=headers)
