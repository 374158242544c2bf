"""One bulk extract, for the API, the portal and the CLI alike: decide, refuse (audited), write
the spool file, audit and charge the quota, commit — and only then is anything sent.

:func:`export_shared` is the bulk counterpart of ``exchange_api.read_path.read_shared``: the
request is ``ReadRequest(mode=AccessMode.BULK, limit=None, …)``, decided by
``lakehouse.exchange.authorize`` (the one access decision; a refusal is on the audit chain before
it is raised), and ``lakehouse.bulk.export`` writes and audits the extract.
``exchange_api.streaming.file_chunks`` streams the spool file and removes it when the send ends,
however it ends.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import duckdb
from sqlalchemy.orm import Session

from catalog.audit_chain import canonical_json
from catalog.audit_keys import signing_key, store_of
from catalog.conditions import Condition
from catalog.datasets import get_dataset
from catalog.guard import refusal_error
from catalog.keys import mask_master_key
from catalog.manifest_signing import sign_manifest
from catalog.models import AccessMode
from catalog.policy import ReadRequest, Refusal
from catalog.principals import Principal
from catalog.settings import Settings
from lakehouse.bulk import BulkEncoding, BulkExport, BulkFormat, export, spool_dir
from lakehouse.exchange import authorize

__all__ = ["bulk_headers", "bulk_request", "export_shared"]

"""Bytes read from the spool file per chunk sent."""


def bulk_request(
    fields: tuple[str, ...] | None = None, filters: tuple[Condition, ...] = ()
) -> ReadRequest:
    """A whole-extract read: every granted row (the plan clips it to the quota)."""
    return ReadRequest(fields=fields, filters=filters, limit=None, mode=AccessMode.BULK)


def export_shared(
    session: Session,
    lake: Callable[[], duckdb.DuckDBPyConnection],
    principal: Principal,
    settings: Settings,
    code: str,
    request: ReadRequest,
    *,
    fmt: BulkFormat,
    encoding: BulkEncoding = BulkEncoding.UTF8,
    grant_id: int | None = None,
) -> BulkExport:
    """Export ``request`` of dataset ``code`` as ``principal``; commits the audit event and the
    quota before returning (the file is not sent yet), or raises the audited refusal."""
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
        raise refusal_error(decision)
    done = export(
        session,
        lake(),
        principal,
        dataset,
        decision,
        fmt=fmt,
        encoding=encoding,
        spool=spool_dir(settings),
    )
    try:
        key = signing_key(session, store_of(settings), settings)
        done.manifest.update(sign_manifest(done.manifest, key))
        session.commit()
    except BaseException:
        done.discard()
        raise
    return done


def bulk_headers(done: BulkExport) -> dict[str, str]:
    """The manifest as response headers (the body is the file itself)."""
    return {
        "Content-Disposition": f'attachment; filename="{done.filename}"',
        "Content-Length": str(done.spool.byte_count),
        "X-Content-SHA256": done.spool.content_sha256,
        "X-Row-Count": str(done.spool.row_count),
        "X-Zhongtai-Audit-Event": str(done.event.id),
        "X-Zhongtai-Complete": "true" if done.complete else "false",
        "X-Zhongtai-Snapshot": str(done.manifest["snapshot_id"]),
        # The signed manifest itself (canonical JSON, base64url): what the receiver keeps.
        "X-Zhongtai-Manifest": base64.urlsafe_b64encode(canonical_json(done.manifest)).decode(),
        "Cache-Control": "no-store",
    }
