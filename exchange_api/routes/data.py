"""Reading shared data: every call is decided by policy, executed in SQL and audited
(``exchange_api.read_path``, shared with the portal's data pages)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from catalog.conditions import Condition
from catalog.policy import ReadRequest
from exchange_api.deps import (
    CurrentPrincipal,
    DatasetCode,
    LazyLakeDep,
    SessionDep,
    SettingsDep,
)
from exchange_api.payloads import BIGINT_MAX, DataPage, QueryIn
from exchange_api.read_path import read_shared

router = APIRouter(prefix="/api/v1/datasets", tags=["data"])


def _read(
    code: str,
    request: ReadRequest,
    session: SessionDep,
    lake: LazyLakeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    grant_id: int | None,
    cursor: str | None,
) -> Response:
    read = read_shared(
        session,
        lake,
        principal,
        settings,
        code,
        request,
        grant_id=grant_id,
        keyset=True,
        cursor=cursor,
    )
    return Response(
        content=read.delivery.body,
        media_type="application/json",
        headers={
            "X-Zhongtai-Audit-Event": str(read.delivery.event.id),
            "X-Content-SHA256": read.delivery.content_sha256,
        },
    )


@router.get(
    "/{code}/data",
    response_model=DataPage,
    summary="Read granted columns (masked where the grant requires)",
)
def read_data(
    code: DatasetCode,
    session: SessionDep,
    lake: LazyLakeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    fields: str | None = Query(default=None, description="Comma-separated field names"),
    limit: int = Query(default=1000, ge=1, le=10000),
    offset: int = Query(default=0, ge=0, le=BIGINT_MAX),
    grant_id: int | None = Query(
        default=None,
        ge=1,
        le=BIGINT_MAX,
        description="The grant to read through (needed when several are live)",
    ),
    cursor: str | None = Query(
        default=None, max_length=1024, description="The previous page's 'next' cursor"
    ),
) -> Response:
    wanted = tuple(f.strip() for f in fields.split(",") if f.strip()) if fields else None
    request = ReadRequest(fields=wanted, limit=limit, offset=offset)
    return _read(code, request, session, lake, principal, settings, grant_id, cursor)


@router.post(
    "/{code}/query",
    response_model=DataPage,
    summary="Read with structured filters (field, operator, value); values are bound, never pasted;"
    " page with the signed 'next' cursor",
)
def query_data(
    code: DatasetCode,
    body: QueryIn,
    session: SessionDep,
    lake: LazyLakeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> Response:
    filters = tuple(Condition.from_json(c.model_dump(mode="json")) for c in body.filters)
    request = ReadRequest(
        fields=tuple(body.fields) if body.fields is not None else None,
        filters=filters,
        limit=body.limit,
        offset=body.offset,
    )
    return _read(code, request, session, lake, principal, settings, body.grant_id, body.cursor)
