"""Bulk extracts (``bulk`` access mode): a dataset's granted, masked rows as one file.

The file is written to a spool file and its manifest (rows, bytes, SHA-256) audited and charged to
the quota, committed, before the first byte is sent (``exchange_api.bulk_path``). The response
carries the manifest in its headers — ``X-Content-SHA256``, ``X-Row-Count``,
``X-Zhongtai-Audit-Event``, ``X-Zhongtai-Complete`` (``false`` when the quota clipped the extract)
— and streams the file in chunks; the spool file is removed after.
"""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from catalog.conditions import Condition
from catalog.policy import ReadRequest
from exchange_api.bulk_path import bulk_headers, bulk_request, export_shared
from exchange_api.bulk_payloads import BulkEncodingName, BulkFormatName, BulkIn
from exchange_api.deps import (
    CurrentPrincipal,
    DatasetCode,
    LazyLakeDep,
    SessionDep,
    SettingsDep,
)
from exchange_api.payloads import BIGINT_MAX
from exchange_api.streaming import file_chunks
from lakehouse.bulk import bulk_options

router = APIRouter(prefix="/api/v1/datasets", tags=["data"])

_FILE = {
    200: {
        "description": "The extract (Parquet, CSV or Arrow IPC stream); manifest in the headers",
        "content": {
            "application/vnd.apache.parquet": {},
            "text/csv": {},
            "application/vnd.apache.arrow.stream": {},
        },
        "headers": {
            "X-Content-SHA256": {
                "description": "SHA-256 of the body",
                "schema": {"type": "string"},
            },
            "X-Row-Count": {"description": "Rows in the file", "schema": {"type": "integer"}},
            "X-Zhongtai-Audit-Event": {
                "description": "The audit event holding the manifest",
                "schema": {"type": "integer"},
            },
            "X-Zhongtai-Complete": {
                "description": "false when the grant's quota clipped the extract",
                "schema": {"type": "string"},
            },
        },
    }
}


def _send(
    code: str,
    request: ReadRequest,
    session: SessionDep,
    lake: LazyLakeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    fmt: str,
    encoding: str,
    grant_id: int | None,
) -> StreamingResponse:
    chosen, charset = bulk_options(fmt, encoding)
    done = export_shared(
        session,
        lake,
        principal,
        settings,
        code,
        request,
        fmt=chosen,
        encoding=charset,
        grant_id=grant_id,
    )
    return StreamingResponse(
        file_chunks(done.spool.path, done.discard),
        media_type=done.media_type,
        headers=bulk_headers(done),
        background=BackgroundTask(done.discard),
    )


@router.get(
    "/{code}/bulk",
    response_class=StreamingResponse,
    responses=_FILE,  # type: ignore[arg-type]
    summary="Download the granted, masked rows as one file (bulk mode), audited before sending",
)
def bulk_get(
    code: DatasetCode,
    session: SessionDep,
    lake: LazyLakeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    format: BulkFormatName = Query(default="parquet"),  # noqa: A002
    encoding: BulkEncodingName = Query(default="utf-8", description="CSV only"),
    fields: str | None = Query(
        default=None, max_length=4000, description="Comma-separated field names"
    ),
    grant_id: int | None = Query(
        default=None,
        ge=1,
        le=BIGINT_MAX,
        description="The grant to read through (needed when several are live)",
    ),
) -> StreamingResponse:
    wanted = tuple(f.strip() for f in fields.split(",") if f.strip()) if fields else None
    return _send(
        code, bulk_request(wanted), session, lake, principal, settings, format, encoding, grant_id
    )


@router.post(
    "/{code}/bulk",
    response_class=StreamingResponse,
    responses=_FILE,  # type: ignore[arg-type]
    summary="Download with structured filters (field, operator, value), bound, never pasted",
)
def bulk_post(
    code: DatasetCode,
    body: BulkIn,
    session: SessionDep,
    lake: LazyLakeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> StreamingResponse:
    filters = tuple(Condition.from_json(c.model_dump(mode="json")) for c in body.filters)
    request = bulk_request(tuple(body.fields) if body.fields is not None else None, filters)
    return _send(
        code, request, session, lake, principal, settings, body.format, body.encoding, body.grant_id
    )
