"""The auditor's evidence page (审计证据包): export a bundle of the audit log, to verify offline.

- ``GET /portal/audit/evidence`` — pick a period (whole UTC days, both ends optional), see the
  fingerprints of the keys that signed (to compare with the public key the auditor holds) and
  the bundles exported before, from the log itself (``audit.evidence_exported``).
- ``POST /portal/audit/evidence`` — a form (CSRF-checked, ``forms.FormActor``) answered with the
  bundle as one ZIP, exactly as ``POST /api/v1/audit/evidence`` would
  (``catalog.evidence_archive.export_archive``: decided by ``audit.export``, recorded with the
  SHA-256 of its manifest and of the ZIP, committed before a byte is sent).

Only auditors export (the one access decision); anyone else gets the portal's refusal page,
recorded. Verify a download with ``zhongtai audit verify BUNDLE.zip --trust AUDIT_KEY.pub.pem``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from catalog import actions as act
from catalog.audit_keys import store_of
from catalog.audit_log import LogQuery, read_log
from catalog.evidence_archive import export_archive
from catalog.guard import ensure
from catalog.resources import PLATFORM
from catalog.usage_tables import local_time
from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.identify import now_of
from exchange_api.portal.forms import FormActor, LangQuery, Text, page_errors
from exchange_api.portal.frame import portal_page
from exchange_api.portal.i18n import DEFAULT_LANG
from exchange_api.portal.pages import PortalPrincipal
from exchange_api.routes.audit_evidence import send_archive

__all__ = ["router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)

_PAST = 20


def _past(entry: Any) -> dict[str, Any]:
    detail = entry.detail
    return {
        "id": entry.id,
        "time": local_time(entry.occurred_at),
        "actor": entry.actor_name,
        "range": f"{detail.get('first_event_id')}–{detail.get('last_event_id')}",
        "count": detail.get("event_count"),
        "period": (
            f"{detail.get('date_from') or '…'} – {detail.get('date_to') or '…'}"
            if detail.get("date_from") or detail.get("date_to")
            else ""
        ),
        "manifest": detail.get("manifest_sha256", ""),
        "archive": detail.get("archive_sha256", ""),
    }


@router.get("/audit/evidence", response_class=HTMLResponse)
def evidence_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """The export form, the signing keys' fingerprints and the bundles exported before."""
    now = now_of(request)
    with page_errors(session, lang):
        ensure(session, principal, act.AUDIT_EXPORT, PLATFORM, now=now)
        past = read_log(
            session, principal, LogQuery(action="audit.evidence_exported", limit=_PAST), now=now
        )
    history = store_of(settings).public_keys()
    keys = [
        {"fingerprint": k.fingerprint, "current": i == len(history) - 1}
        for i, k in enumerate(history)
    ]
    return portal_page(
        request,
        session,
        settings,
        principal,
        "audit_evidence.html",
        lang,
        current="evidence",
        now=now,
        keys=keys,
        past=[_past(e) for e in past.entries],
    )


@router.post("/audit/evidence")
def evidence_download(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: FormActor,
    lang: LangQuery = DEFAULT_LANG,
    date_from: Text = "",
    date_to: Text = "",
) -> StreamingResponse:
    """The bundle as one ZIP, its hand-over recorded before a byte is sent."""
    with page_errors(session, lang):
        archive = export_archive(
            session, settings, principal, date_from=date_from, date_to=date_to, now=now_of(request)
        )
        return send_archive(session, archive)
