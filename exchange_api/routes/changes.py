"""The ``changes`` mode: rows added, changed or removed between two published snapshots, and the
list of a dataset's published snapshots to ask between (``exchange_api.changes_path``)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from catalog.conditions import Condition
from catalog.models import AccessMode
from catalog.policy import ReadRequest
from exchange_api.change_payloads import ChangesIn, ChangesPage, SnapshotPublic
from exchange_api.changes_path import list_snapshots, read_changes_shared
from exchange_api.deps import (
    CurrentPrincipal,
    DatasetCode,
    LazyLakeDep,
    SessionDep,
    SettingsDep,
)
from exchange_api.payloads import BIGINT_MAX

router = APIRouter(prefix="/api/v1/datasets", tags=["changes"])

_GRANT = "The grant to read through (needed when several are live)"


def _send(
    code: str,
    body: ChangesIn,
    session: SessionDep,
    lake: LazyLakeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> Response:
    request = ReadRequest(
        fields=tuple(body.fields) if body.fields is not None else None,
        filters=tuple(Condition.from_json(c.model_dump(mode="json")) for c in body.filters),
        limit=body.limit,
        offset=body.offset,
        mode=AccessMode.CHANGES,
    )
    delivery = read_changes_shared(
        session,
        lake,
        principal,
        settings,
        code,
        request,
        from_snapshot=body.from_snapshot,
        to_snapshot=body.to_snapshot,
        grant_id=body.grant_id,
        cursor=body.cursor,
    )
    return Response(
        content=delivery.body,
        media_type="application/json",
        headers={
            "X-Zhongtai-Audit-Event": str(delivery.event.id),
            "X-Content-SHA256": delivery.content_sha256,
        },
    )


@router.get(
    "/{code}/changes",
    response_model=ChangesPage,
    summary="Rows added, changed or removed after one published snapshot, up to another",
)
def get_changes(
    code: DatasetCode,
    session: SessionDep,
    lake: LazyLakeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    from_snapshot: int = Query(ge=0, le=BIGINT_MAX, description="Exclusive: changes after it"),
    to_snapshot: int | None = Query(
        default=None, ge=0, le=BIGINT_MAX, description="Inclusive; default the current snapshot"
    ),
    fields: str | None = Query(default=None, description="Comma-separated field names"),
    limit: int = Query(default=1000, ge=1, le=10000),
    offset: int = Query(default=0, ge=0, le=BIGINT_MAX),
    grant_id: int | None = Query(default=None, ge=1, le=BIGINT_MAX, description=_GRANT),
    cursor: str | None = Query(
        default=None, max_length=1024, description="The previous page's 'next' cursor"
    ),
) -> Response:
    wanted = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
    body = ChangesIn(
        from_snapshot=from_snapshot,
        to_snapshot=to_snapshot,
        fields=wanted,
        limit=limit,
        offset=offset,
        grant_id=grant_id,
        cursor=cursor,
    )
    return _send(code, body, session, lake, principal, settings)


@router.post(
    "/{code}/changes",
    response_model=ChangesPage,
    summary="Changes between snapshots with structured filters; values are bound, never pasted",
)
def post_changes(
    code: DatasetCode,
    body: ChangesIn,
    session: SessionDep,
    lake: LazyLakeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> Response:
    return _send(code, body, session, lake, principal, settings)


@router.get(
    "/{code}/snapshots",
    response_model=list[SnapshotPublic],
    summary="The dataset's published snapshots (for the owner, or through a live grant)",
)
def get_snapshots(
    code: DatasetCode,
    session: SessionDep,
    principal: CurrentPrincipal,
    grant_id: int | None = Query(default=None, ge=1, le=BIGINT_MAX, description=_GRANT),
) -> list[SnapshotPublic]:
    views = list_snapshots(session, principal, code, grant_id=grant_id)
    return [
        SnapshotPublic(
            snapshot_id=v.snapshot.snapshot_id,
            published_at=v.snapshot.published_at,
            row_count=v.row_count,
            current=v.current,
        )
        for v in views
    ]
