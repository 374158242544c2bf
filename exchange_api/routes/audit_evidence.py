"""Evidence bundles over HTTP (auditors and admins): ``catalog.evidence_archive``.

``POST /api/v1/audit/evidence`` with ``{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}`` (both
optional, whole UTC days; none: the whole log) answers the bundle as one ZIP file. The hand-over
is decided by ``audit.export`` and recorded as ``audit.evidence_exported`` — with the SHA-256 of
the signed manifest and of the ZIP — and committed before the first byte is sent. Verify it
offline with ``zhongtai audit verify BUNDLE.zip --trust AUDIT_KEY.pub.pem``.

Codes: 403 ``role.auditor_required``; 422 ``evidence.bad_date``, ``evidence.bad_period``,
``evidence.empty`` (no event in the period); 503 ``key.missing``, ``audit.unavailable``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import Field
from sqlalchemy.orm import Session

from catalog.evidence_archive import Archive, export_archive
from exchange_api.deps import CurrentPrincipal, SessionDep, SettingsDep
from exchange_api.identify import now_of
from exchange_api.openapi import problem_response
from exchange_api.payloads import BodyIn
from exchange_api.streaming import file_chunks

__all__ = ["EvidenceIn", "archive_headers", "router", "send_archive"]

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class EvidenceIn(BodyIn):
    """The period of an evidence bundle; both ends optional and inclusive."""

    date_from: str = Field(default="", alias="from", max_length=10, description="YYYY-MM-DD, UTC")
    date_to: str = Field(default="", alias="to", max_length=10, description="YYYY-MM-DD, UTC")


def send_archive(session: Session, archive: Archive) -> StreamingResponse:
    """Commit the hand-over (its audit event), then stream the ZIP; a failed commit sends
    nothing and removes the archive. The API route and the portal form both end here."""
    try:
        session.commit()  # the hand-over is on the record before a byte of it leaves
    except BaseException:
        archive.discard()
        raise
    return StreamingResponse(
        file_chunks(archive.path, archive.discard),
        media_type="application/zip",
        headers=archive_headers(archive),
    )


def archive_headers(archive: Archive) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{archive.name}"',
        "Content-Length": str(archive.byte_count),
        "X-Content-SHA256": archive.sha256,
        "X-Zhongtai-Audit-Event": str(archive.event_id),
        "X-Zhongtai-Manifest-SHA256": archive.bundle.manifest_sha256,
        "X-Zhongtai-Events": f"{archive.bundle.first_event_id}-{archive.bundle.last_event_id}",
        "Cache-Control": "no-store",
    }


@router.post(
    "/evidence",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The evidence bundle as one ZIP file; its hand-over is on the audit "
            "record before the first byte",
            "content": {"application/zip": {}},
        },
        422: problem_response(
            422, "A bad period: evidence.bad_date, evidence.bad_period, evidence.empty"
        ),
        503: problem_response(503, "No signing key (key.missing) or no audit (audit.unavailable)"),
    },
    summary="Export an evidence bundle (ZIP) to verify offline (auditors and admins)",
)
def export_evidence(
    body: EvidenceIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
) -> StreamingResponse:
    archive = export_archive(
        session,
        settings,
        principal,
        date_from=body.date_from,
        date_to=body.date_to,
        now=now_of(request),
    )
    return send_archive(session, archive)
