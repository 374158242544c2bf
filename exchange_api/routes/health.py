"""Liveness, readiness and the audit chain's state, for operators and auditors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from catalog import actions as act
from catalog.audit import verify_chain
from catalog.audit_keys import trusted
from catalog.errors import NotReady
from catalog.guard import ensure
from catalog.resources import PLATFORM
from exchange_api.deps import CurrentPrincipal, SessionDep
from exchange_api.errors import problem
from exchange_api.openapi import problem_response
from exchange_api.payloads import ReadyPublic
from exchange_api.readiness import Readiness

router = APIRouter(prefix="/api/v1", tags=["health"])


@router.get("/health", summary="Liveness (no authentication)")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Readiness: the catalog, the audit store and the lake answer (no authentication)",
    response_model=ReadyPublic,
    responses={503: problem_response(503, "A component failed: service.not_ready names it")},
)
def ready(request: Request) -> JSONResponse:
    readiness: Readiness = request.app.state.readiness
    report = readiness.report()
    checks = {name: "ok" if passed else "failed" for name, passed in report.items()}
    failed = [name for name, passed in report.items() if not passed]
    if failed:
        return problem(
            NotReady.status,
            NotReady.code,
            f"Not ready: {', '.join(failed)}.",
            instance=request.url.path,
            checks=checks,
        )
    return JSONResponse(ReadyPublic(status="ready", checks=checks).model_dump())


@router.get("/audit/verify", summary="Re-derive the audit hash chain (auditors and admins)")
def audit_verify(
    request: Request, session: SessionDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    ensure(session, principal, act.AUDIT_VERIFY, PLATFORM)
    report = verify_chain(session, trusted(request.app.state.settings))
    return {
        "ok": report.ok,
        "events_checked": report.events_checked,
        "head_hash": report.head_hash,
        "first_bad_event_id": report.first_bad_event_id,
        "damage": report.damage,
        "reason": report.reason,
        "checkpoints_checked": report.checkpoints_checked,
        "last_signed_event_id": report.last_signed_event_id,
        "unsigned_events": report.unsigned_events if report.ok else None,
        "signers": list(report.signers),
    }
