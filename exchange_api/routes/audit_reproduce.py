"""Reproduce an audited read (auditors only): ``lakehouse.reproduce``, over HTTP.

- ``POST /api/v1/audit/events/{id}/reproduce`` — replay the read's recorded plan against its
  recorded snapshot; answers the verdict and both digests (:class:`ReproductionOut`).
- ``POST /api/v1/audit/events/{id}/reproduce/content`` — the same replay, answered with the
  replayed bytes themselves (the page JSON, or the extract file), so an auditor sees exactly
  what the department received; the verdict and digests are in the headers.

Both are decided by ``audit.reproduce`` and audited as ``audit.read_reproduced``. Codes:
404 ``audit.event_not_found``; 409 ``audit.not_a_read``, ``audit.not_replayable``,
``audit.snapshot_expired``, ``audit.dataset_gone``, ``audit.record_invalid``; 403
``role.auditor_required``; an id outside 1…2^63-1 is 422 ``request.invalid``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse

from exchange_api.deps import CurrentPrincipal, LazyLakeDep, SessionDep, SettingsDep
from exchange_api.openapi import problem_response
from exchange_api.payloads import PathId
from exchange_api.reproduce_payloads import ReproductionOut, reproduction_out
from exchange_api.streaming import file_chunks
from lakehouse.reproduce import Reproduction, reproduce

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

_CANNOT: dict[int | str, dict[str, Any]] = {
    409: problem_response(
        409,
        "The event cannot be replayed: audit.not_a_read, audit.not_replayable, "
        "audit.snapshot_expired, audit.dataset_gone or audit.record_invalid",
    )
}


@router.post(
    "/events/{event_id}/reproduce",
    response_model=ReproductionOut,
    responses=_CANNOT,
    summary="Replay an audited read against its recorded snapshot; compare SHA-256 (auditors)",
)
def reproduce_event(
    event_id: PathId,
    session: SessionDep,
    lake: LazyLakeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> ReproductionOut:
    done = reproduce(session, lake, settings, principal, event_id)
    session.commit()
    return reproduction_out(done)


def _headers(done: Reproduction) -> dict[str, str]:
    r = done.replayed
    return {
        "X-Content-SHA256": r.replayed_sha256,
        "X-Zhongtai-Recorded-SHA256": r.recorded_sha256,
        "X-Zhongtai-Verdict": r.verdict,
        "X-Zhongtai-Audit-Event": str(done.audit_event_id),
        "Cache-Control": "no-store",
    }


@router.post(
    "/events/{event_id}/reproduce/content",
    response_class=StreamingResponse,
    responses={
        200: {"description": "The replayed bytes; verdict and digests in the headers"},
        **_CANNOT,
    },
    summary="The replayed bytes of an audited read: what the department received (auditors)",
)
def reproduce_content(
    event_id: PathId,
    session: SessionDep,
    lake: LazyLakeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> Response:
    work = Path(settings.var_dir) / "spool" / "reproduce"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=work, prefix="content-", delete=False) as handle:
        out = Path(handle.name)
    try:
        done = reproduce(session, lake, settings, principal, event_id, out=out)
        session.commit()
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return StreamingResponse(
        file_chunks(out, lambda: out.unlink(missing_ok=True)),
        media_type=done.replayed.media_type,
        headers=_headers(done),
    )
