"""Liveness and the audit chain's state, for operators and auditors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from catalog import actions as act
from catalog.audit import verify_chain
from catalog.guard import ensure
from catalog.resources import PLATFORM
from exchange_api.deps import CurrentPrincipal, SessionDep

router = APIRouter(prefix="/api/v1", tags=["health"])


@router.get("/health", summary="Liveness (no authentication)")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/audit/verify", summary="Re-derive the audit hash chain (auditors and admins)")
def audit_verify(session: SessionDep, principal: CurrentPrincipal) -> dict[str, Any]:
    ensure(session, principal, act.AUDIT_VERIFY, PLATFORM)
    report = verify_chain(session)
    return {
        "ok": report.ok,
        "events_checked": report.events_checked,
        "head_hash": report.head_hash,
        "first_bad_event_id": report.first_bad_event_id,
        "reason": report.reason,
    }
