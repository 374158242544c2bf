"""Verify (核验) and aggregate: answers about shared data that send no rows.

Both go through the one access decision (``data.verify``, ``data.aggregate``), run in one SQL
statement, charge the grant's quota and are audited with the SHA-256 of the bytes sent
(``lakehouse.verify_exchange``); a refusal is audited and answered as problem+json.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from catalog.aggregate_plan import AggregateRequest, Measure, MeasureFn
from catalog.conditions import Condition
from catalog.datasets import get_dataset
from catalog.keys import mask_master_key
from exchange_api.deps import (
    CurrentPrincipal,
    DatasetCode,
    LazyLakeDep,
    SessionDep,
    SettingsDep,
)
from exchange_api.verify_payloads import AggregateIn, AggregateOut, VerifyIn, VerifyOut
from lakehouse.verify_exchange import Answer, aggregate_shared, verify_shared

router = APIRouter(prefix="/api/v1/datasets", tags=["data"])


def _sent(answer: Answer) -> Response:
    return Response(
        content=answer.body,
        media_type="application/json",
        headers={
            "X-Zhongtai-Audit-Event": str(answer.event.id),
            "X-Content-SHA256": answer.content_sha256,
        },
    )


@router.post(
    "/{code}/verify",
    response_model=VerifyOut,
    summary="核验: per record only match / not_found / which fields differ; never a stored value",
)
def verify_records(
    code: DatasetCode,
    body: VerifyIn,
    session: SessionDep,
    lake: LazyLakeDep,
    principal: CurrentPrincipal,
) -> Response:
    dataset = get_dataset(session, code)
    answer = verify_shared(
        session,
        lake,
        principal,
        dataset,
        body.match_on,
        body.compare,
        body.records,
        grant_id=body.grant_id,
    )
    session.commit()
    return _sent(answer)


@router.post(
    "/{code}/aggregate",
    response_model=AggregateOut,
    summary="Counts and sums by granted fields; groups under the minimum size are suppressed",
)
def aggregate(
    code: DatasetCode,
    body: AggregateIn,
    session: SessionDep,
    lake: LazyLakeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> Response:
    dataset = get_dataset(session, code)
    request = AggregateRequest(
        group_by=tuple(body.group_by),
        measures=tuple(Measure(MeasureFn(m.fn), m.field, m.than) for m in body.measures),
        filters=tuple(Condition.from_json(c.model_dump(mode="json")) for c in body.filters),
    )
    answer = aggregate_shared(
        session,
        lake,
        principal,
        dataset,
        request,
        min_group_size=settings.min_group_size,
        grant_id=body.grant_id,
        mask_master=lambda: mask_master_key(settings),
    )
    session.commit()
    return _sent(answer)
