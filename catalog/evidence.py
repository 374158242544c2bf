"""Evidence bundles: the audit log written out so that an auditor can verify it offline.

``export(session, store, folder, date_from=, date_to=)`` writes into ``folder``:

=====================  ==========================================================================
``events.ndjson``      one event a line, in order: ``{"seq":N,"format":F,"prev_hash":"…",
                       "event":BODY,"hash":"…"}``; everything before ``,"hash"`` is exactly
                       what was hashed (``catalog.audit_chain``), so a verifier hashes a slice
                       of the line itself
``events.parquet``     the same events as columns, for analysis (``detail`` as JSON text)
``checkpoints.json``   every signed checkpoint within the exported events
``keys.json``          every public key that ever signed, each rotated key with its endorsement
``manifest.json``      the range (first and last sequence number, the hash before the first
                       event, the head), each file's size and SHA-256, signed by the current key
``README.txt``         how to verify, and the format above, for someone without this code
=====================  ==========================================================================

The manifest's signature covers the head, so an export cut short is caught even after the last
checkpoint. Files are written to a temporary folder beside ``folder`` and renamed into place:
a failed export leaves nothing that looks like a bundle. ``catalog.evidence_verify`` checks one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.audit_chain import (
    GENESIS_HASH,
    canonical_json,
    fingerprint,
    hashed_prefix,
    public_pem,
)
from catalog.audit_events import EvidenceExported
from catalog.errors import Conflict, InvalidInput
from catalog.keystore import KeyStore
from catalog.models import AuditCheckpoint, AuditEvent
from catalog.principals import Principal

__all__ = [
    "BUNDLE_FILES",
    "BUNDLE_FORMAT",
    "Exported",
    "export",
    "exported_event",
    "file_sha256",
    "line_of",
    "manifest_message",
    "write_bundle",
]

BUNDLE_FORMAT = "zhongtai-evidence/1"
BUNDLE_FILES = (
    "events.ndjson",
    "events.parquet",
    "checkpoints.json",
    "keys.json",
    "README.txt",
    "manifest.json",
)
"""Every file a bundle holds, the manifest last (it lists the others' digests)."""
_BATCH = 5000

_COLUMNS = pa.schema(
    [
        ("seq", pa.int64()),
        ("format", pa.int8()),
        ("occurred_at", pa.string()),
        ("action", pa.string()),
        ("outcome", pa.string()),
        ("actor_account_id", pa.int64()),
        ("actor_department_id", pa.int64()),
        ("object", pa.string()),
        ("dataset_id", pa.int64()),
        ("grant_id", pa.int64()),
        ("purpose", pa.string()),
        ("params_sha256", pa.string()),
        ("rows_sent", pa.int64()),
        ("bytes_sent", pa.int64()),
        ("content_sha256", pa.string()),
        ("detail", pa.string()),
        ("prev_hash", pa.string()),
        ("hash", pa.string()),
    ]
)

_README = """Zhongtai audit evidence bundle ({format})

Verify it with:  zhongtai audit verify {folder} --trust AUDIT_KEY.pub.pem
(pin the platform's public key you hold; without --trust the bundle's own keys are used).

Format. events.ndjson holds one event a line:
  {{"seq":N,"format":F,"prev_hash":"P","event":BODY,"hash":"H"}}
For format 2, H = SHA-256 of the line's bytes from its start to the end of BODY, that is
{{"seq":N,"format":2,"prev_hash":"P","event":BODY. For format 1 (events written before the
envelope columns), H = SHA-256(P + "\n" + BODY). The first event's P is
manifest.range.first_prev_hash (64 zeros for event 1); every other P is the previous line's H,
and N counts up by one. checkpoints.json entries sign
"zhongtai-audit-checkpoint:{{last_event_id}}:{{last_hash}}" with Ed25519 (keys.json, by SHA-256
fingerprint of the raw public key); a rotated key is endorsed by the key before it, which signs
"zhongtai-audit-key:{{fingerprint}}". manifest.json is signed (key "signature") over
"zhongtai-evidence-manifest:" + its own canonical JSON (sorted keys, no spaces, UTF-8) without
that key, and lists each file's SHA-256.
"""


@dataclass(frozen=True, slots=True)
class Exported:
    folder: Path
    first_event_id: int
    last_event_id: int
    event_count: int
    head_hash: str
    manifest_sha256: str


def line_of(seq: int, fmt: int, prev_hash: str, hash_: str, body: bytes) -> bytes:
    """One ``events.ndjson`` line (with its newline): for format 2 its first bytes, up to the
    body's end, are exactly what the event's hash covers (``catalog.audit_chain``)."""
    return b"".join(
        (hashed_prefix(seq, prev_hash, fmt), body, b',"hash":"', hash_.encode(), b'"}\n')
    )


def manifest_message(manifest: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    return b"zhongtai-evidence-manifest:" + canonical_json(unsigned)


def _bounds(
    session: Session, date_from: dt.date | None, date_to: dt.date | None
) -> tuple[int, int]:
    query = select(func.min(AuditEvent.id), func.max(AuditEvent.id))
    if date_from is not None:
        start = dt.datetime.combine(date_from, dt.time(), tzinfo=dt.UTC)
        query = query.where(AuditEvent.occurred_at >= start)
    if date_to is not None:
        end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        query = query.where(AuditEvent.occurred_at < end)
    low, high = session.execute(query).one()
    if low is None or high is None:
        raise InvalidInput("no audit events in that period", code="evidence.empty")
    return int(low), int(high)


def _events(session: Session, first: int, last: int) -> Iterator[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.id >= first, AuditEvent.id <= last)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=2000)
    )
    with session.scalars(query) as events:
        yield from events


def _write_events(session: Session, folder: Path, first: int, last: int) -> tuple[int, str, str]:
    """Write both event files; (count, hash before the first event, head hash)."""
    count = 0
    first_prev = GENESIS_HASH
    head = GENESIS_HASH
    columns: dict[str, list[Any]] = {name: [] for name in _COLUMNS.names}
    with (
        open(folder / "events.ndjson", "wb") as ndjson,
        pq.ParquetWriter(folder / "events.parquet", _COLUMNS, compression="zstd") as parquet,
    ):
        for event in _events(session, first, last):
            link = audit.link_of(event)
            if count == 0:
                first_prev = link.prev_hash
            ndjson.write(line_of(link.seq, link.format, link.prev_hash, link.hash, link.body))
            _add_row(columns, event, link.format)
            head = link.hash
            count += 1
            if len(columns["seq"]) >= _BATCH:
                _flush(parquet, columns)
        _flush(parquet, columns)
        _sync(ndjson)
    return count, first_prev, head


def _add_row(columns: dict[str, list[Any]], event: AuditEvent, fmt: int) -> None:
    body = audit.event_body(event)
    values = {
        **{name: body.get(name) for name in _COLUMNS.names},
        "seq": event.id,
        "format": fmt,
        "object": event.object,
        "purpose": event.purpose,
        "params_sha256": event.params_sha256,
        "rows_sent": event.rows_sent,
        "bytes_sent": event.bytes_sent,
        "content_sha256": event.content_sha256,
        "detail": canonical_json(event.detail).decode(),
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
    for name in _COLUMNS.names:
        columns[name].append(values[name])


def _flush(writer: pq.ParquetWriter, columns: dict[str, list[Any]]) -> None:
    if columns["seq"]:
        writer.write_table(pa.table(columns, schema=_COLUMNS))
        for values in columns.values():
            values.clear()


def _sync(handle: IO[bytes]) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read a megabyte at a time."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def _digest(path: Path) -> dict[str, Any]:
    return {"sha256": file_sha256(path), "bytes": path.stat().st_size}


def _checkpoints(session: Session, first: int, last: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.last_event_id >= first, AuditCheckpoint.last_event_id <= last)
        .order_by(AuditCheckpoint.id)
    )
    return [
        {
            "id": c.id,
            "last_event_id": c.last_event_id,
            "last_hash": c.last_hash,
            "signed_at": c.signed_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "algorithm": c.algorithm,
            "public_key_fingerprint": c.public_key_fingerprint,
            "signature": c.signature,
        }
        for c in rows
    ]


def _keys(store: KeyStore) -> list[dict[str, str]]:
    return [
        {
            "fingerprint": e.fingerprint,
            "public_key_pem": public_pem(e.public_key).decode("ascii"),
            "endorsed_by": e.endorsed_by,
            "signature": e.signature,
        }
        for e in store.public_keys()
    ]


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_bundle(
    session: Session,
    store: KeyStore,
    key: Ed25519PrivateKey,
    folder: Path,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Exported:
    """Write an evidence bundle of the events in [date_from, date_to] (whole days, UTC) into
    ``folder``, which must not exist or be empty. Records nothing: :func:`export` and
    ``catalog.evidence_archive.export_archive`` do, once they know what they hand over."""
    if folder.exists() and (not folder.is_dir() or os.listdir(folder)):
        raise Conflict(f"{folder} exists and is not an empty folder", code="evidence.exists")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("--from is after --to", code="evidence.bad_period")
    first, last = _bounds(session, date_from, date_to)
    staging = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        count, first_prev, head = _write_events(session, staging, first, last)
        _write_json(staging / "checkpoints.json", _checkpoints(session, first, last))
        _write_json(staging / "keys.json", _keys(store))
        (staging / "README.txt").write_text(
            _README.format(format=BUNDLE_FORMAT, folder=folder.name), encoding="utf-8"
        )
        manifest: dict[str, Any] = {
            "format": BUNDLE_FORMAT,
            "created_at": (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "period": {
                "from": date_from.isoformat() if date_from else "",
                "to": date_to.isoformat() if date_to else "",
            },
            "range": {
                "first_event_id": first,
                "last_event_id": last,
                "event_count": count,
                "first_prev_hash": first_prev,
                "head_hash": head,
            },
            "files": {name: _digest(staging / name) for name in BUNDLE_FILES[:-1]},
            "signer": fingerprint(key.public_key()),
        }
        manifest["signature"] = key.sign(manifest_message(manifest)).hex()
        _write_json(staging / "manifest.json", manifest)
        digest = _digest(staging / "manifest.json")["sha256"]
        if folder.exists():
            folder.rmdir()
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Exported(folder, first, last, count, head, digest)


def exported_event(
    done: Exported, date_from: dt.date | None, date_to: dt.date | None, *, archive_sha256: str = ""
) -> EvidenceExported:
    """The audit event that records a bundle handed over."""
    return EvidenceExported(
        first_event_id=done.first_event_id,
        last_event_id=done.last_event_id,
        event_count=done.event_count,
        date_from=date_from.isoformat() if date_from else "",
        date_to=date_to.isoformat() if date_to else "",
        manifest_sha256=done.manifest_sha256,
        archive_sha256=archive_sha256,
    )


def export(
    session: Session,
    store: KeyStore,
    key: Ed25519PrivateKey,
    folder: Path,
    actor: Principal,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Exported:
    """Write an evidence bundle into ``folder`` (:func:`write_bundle`) and record
    ``audit.evidence_exported``. The caller has decided ``audit.export`` and commits."""
    done = write_bundle(session, store, key, folder, date_from=date_from, date_to=date_to, now=now)
    audit.record(session, exported_event(done, date_from, date_to), actor=actor, now=now)
    return done
