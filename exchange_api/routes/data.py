"""Reading shared data: every call is decided by policy, executed in SQL and audited."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi import APIRouter, Query, Response

from catalog.conditions import Condition
from catalog.datasets import get_dataset
from catalog.errors import AccessRefused, Conflict
from catalog.keys import mask_master_key
from catalog.policy import ReadRequest, Refusal
from exchange_api.deps import (
    CurrentPrincipal,
    DatasetCode,
    LazyLakeDep,
    SessionDep,
    SettingsDep,
)
from exchange_api.payloads import BIGINT_MAX, DataPage, QueryIn
from lakehouse.exchange import authorize, deliver
from lakehouse.read import ReadResult

router = APIRouter(prefix="/api/v1/datasets", tags=["data"])


def _serializer(
    dataset_code: str, snapshot_id: int | None, grant_id: int | None
) -> Callable[[ReadResult], bytes]:
    def serialize(result: ReadResult) -> bytes:
        page = {
            "dataset": dataset_code,
            "snapshot_id": snapshot_id,
            "grant_id": grant_id,
            "columns": [
                {"name": name, "masked": name in result.masked_columns} for name in result.columns
            ],
            "row_count": result.row_count,
            "rows": result.table.to_pylist(),
        }
        # default=str: Decimal amounts are sent as exact strings, never as floats
        return json.dumps(page, ensure_ascii=False, default=str).encode("utf-8")

    return serialize


def _read(
    code: str,
    request: ReadRequest,
    session: SessionDep,
    lake: LazyLakeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    grant_id: int | None,
) -> Response:
    dataset = get_dataset(session, code)
    decision = authorize(
        session,
        principal,
        dataset,
        request,
        grant_id=grant_id,
        mask_master=lambda: mask_master_key(settings),
    )
    if isinstance(decision, Refusal):
        session.commit()  # the refusal stays on the record
        raise AccessRefused(decision.reason, code=decision.code)
    if dataset.current_snapshot_id is None:
        raise Conflict(
            f"Dataset {code} has no published snapshot yet.", code="dataset.not_published"
        )
    delivery = deliver(
        session,
        lake(),
        principal,
        dataset,
        decision,
        _serializer(code, dataset.current_snapshot_id, decision.plan.grant_id),
    )
    session.commit()
    return Response(
        content=delivery.body,
        media_type="application/json",
        headers={
            "X-Zhongtai-Audit-Event": str(delivery.event.id),
            "X-Content-SHA256": delivery.content_sha256,
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
) -> Response:
    wanted = tuple(f.strip() for f in fields.split(",") if f.strip()) if fields else None
    request = ReadRequest(fields=wanted, limit=limit, offset=offset)
    return _read(code, request, session, lake, principal, settings, grant_id)


@router.post(
    "/{code}/query",
    response_model=DataPage,
    summary="Read with structured filters (field, operator, value); values are bound, never pasted",
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
    return _read(code, request, session, lake, principal, settings, body.grant_id)
