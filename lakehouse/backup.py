"""Back the whole platform up, verify a backup, restore one — onto either engine, anywhere.

A backup folder holds::

    manifest.json            signed: counts, snapshot ids, audit head, every file's SHA-256
    catalog/<table>.jsonl    every catalog table, engine-neutral (catalog.backup_catalog)
    lake/metadata/*.parquet  DuckLake's metadata tables at one snapshot (lakehouse.backup_lake)
    lake/files/<key>         every file under the lake's data path, by its key below it
    evidence/                the audit evidence bundle of the whole log (catalog.evidence)

**What a backup guarantees while the platform runs.** The catalog is read at one moment (one
``REPEATABLE READ`` transaction on PostgreSQL; SQLite's online backup of the file), and the
evidence bundle is written from that same read, so the catalog, its audit events and the bundle
agree exactly. The lake is exported *after* the catalog, at one snapshot (re-exported if a commit
landed meanwhile), so every snapshot the catalog binds is in it; a publish in flight at the
catalog's moment may have committed its lake snapshot but not its catalog rows — the state of a
crash between the two commits, which ``zhongtai lake reconcile`` settles as it does after a crash
(the restored catalog never saw the batch, so its rows are rolled back unread). Lake files are
immutable once committed, so they are copied last, and every file the exported metadata references
must be among them. Keys are not in a backup: the audit signing key and the mask key are secrets
kept (and carried to another host) apart, like any key; a backup holds only public keys.

**Restore** goes into the stores the current settings name — another directory, host, bucket or
prefix, SQLite or PostgreSQL — after verifying the backup and refusing non-empty targets unless
forced; then it checks the result against the manifest: the catalog dumps to the same bytes (so
every grant is the one backed up), the lake has the same snapshot ids and rows per table, and the
audit chain verifies, with the backed-up head at the backed-up last event.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from catalog import audit
from catalog import backup_catalog as cat
from catalog.audit_keys import store_of
from catalog.backup_events import BackupCreated, BackupRestored
from catalog.db import downgrade, head_revision, make_engine, make_sessionmaker, upgrade
from catalog.errors import Conflict, InvalidInput
from catalog.evidence import file_sha256, write_bundle
from catalog.evidence_verify import verify_bundle
from catalog.models import AuditEvent
from catalog.principals import Principal
from catalog.settings import Settings
from lakehouse import backup_lake as lake
from lakehouse import backup_manifest as manifests
from lakehouse import backup_raw as raw_zone
from lakehouse.backup_store import store_for

__all__ = ["Created", "Verified", "create_backup", "restore_backup", "verify_backup"]


@dataclass(frozen=True, slots=True)
class Created:
    folder: Path
    manifest: dict[str, Any]
    manifest_sha256: str


@dataclass(frozen=True, slots=True)
class Verified:
    problems: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _engine_name(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _audit_head(session: Session) -> dict[str, Any]:
    last = session.scalar(select(func.max(AuditEvent.id)))
    head = session.scalar(select(AuditEvent.hash).where(AuditEvent.id == last)) if last else ""
    count = session.scalar(select(func.count(AuditEvent.id))) or 0
    return {"last_event_id": int(last or 0), "head_hash": head or "", "event_count": int(count)}


def _write_catalog(
    settings: Settings, staging: Path, key: Ed25519PrivateKey, now: dt.datetime
) -> dict[str, Any]:
    url = settings.resolved_catalog_url
    with cat.snapshot(url, staging.parent) as session:
        revision = cat.revision_of(session)
        if revision != head_revision():
            raise Conflict(
                f"the catalog is at revision {revision}, this release at {head_revision()}: "
                "migrate it (zhongtai init) before backing it up",
                code="backup.revision",
            )
        dumped = cat.dump(session, staging / "catalog")
        head = _audit_head(session)
        raw = raw_zone.copy_out(settings, session, staging / "raw")
        if head["event_count"]:
            write_bundle(session, store_of(settings), key, staging / "evidence", now=now)
    return {
        "engine": _engine_name(url),
        "revision": revision,
        "rows": {d.name: d.rows for d in dumped},
        "audit": head,
        "raw": raw,
    }


def _write_lake(settings: Settings, staging: Path) -> dict[str, Any]:
    state, referenced = lake.export_metadata(settings, staging / "lake" / "metadata")
    store = store_for(settings)
    copied = set()
    for key in store.keys():
        store.fetch(key, staging / "lake" / "files" / key)
        copied.add(key)
    missing = sorted(set(referenced) - copied)
    if missing:
        raise Conflict(
            f"{len(missing)} lake file(s) the lake references are not under its data path "
            f"(first: {missing[0]}); the lake is damaged or was cleaned up during the backup",
            code="backup.incomplete",
        )
    return {
        "catalog_engine": _engine_name(settings.resolved_lake_catalog),
        "data_path": settings.resolved_lake_data_path,
        "snapshot_ids": list(state.snapshot_ids),
        "table_rows": state.table_rows,
        "files": len(copied),
        "referenced_files": len(referenced),
    }


def create_backup(
    settings: Settings, folder: Path, key: Ed25519PrivateKey, *, now: dt.datetime | None = None
) -> Created:
    """Write a backup of the platform the settings name into ``folder`` (new or empty),
    signed with ``key``. Built beside it and renamed into place: a failed backup leaves nothing
    that looks like one. Records nothing: :func:`record_created` does."""
    if folder.exists() and (not folder.is_dir() or os.listdir(folder)):
        raise Conflict(f"{folder} exists and is not an empty folder", code="backup.exists")
    now = now or dt.datetime.now(dt.UTC)
    staging = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        catalog_part = _write_catalog(settings, staging, key, now)
        lake_part = _write_lake(settings, staging)
        manifest = manifests.sign(
            {
                "format": manifests.FORMAT,
                "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "catalog": {k: v for k, v in catalog_part.items() if k not in ("audit", "raw")},
                "raw": catalog_part["raw"],
                "audit": catalog_part["audit"],
                "lake": lake_part,
                "files": manifests.digests(staging),
            },
            key,
        )
        text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        (staging / manifests.MANIFEST).write_text(text, encoding="utf-8")
        if folder.exists():
            folder.rmdir()
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Created(folder, manifest, file_sha256(folder / manifests.MANIFEST))


def record_created(session: Session, done: Created, actor: Principal) -> None:
    """Record ``backup.created`` in the live log (the caller decided ``platform.backup``)."""
    m = done.manifest
    event = BackupCreated(
        folder=str(done.folder.resolve()),
        manifest_sha256=done.manifest_sha256,
        catalog_revision=str(m["catalog"]["revision"]),
        catalog_rows=sum(m["catalog"]["rows"].values()),
        lake_snapshot_id=max(m["lake"]["snapshot_ids"], default=0),
        lake_files=int(m["lake"]["files"]),
        audit_last_event_id=int(m["audit"]["last_event_id"]),
        audit_head_hash=str(m["audit"]["head_hash"]),
    )
    audit.record(session, event, actor=actor)


def verify_backup(folder: Path, keys: Mapping[str, Ed25519PublicKey]) -> Verified:
    """Check a backup against its signed manifest and its evidence bundle against the chain it
    carries, with ``keys`` trusted; reads the folder only."""
    try:
        manifest = manifests.read(folder)
    except ValueError as exc:
        return Verified([str(exc)])
    problems = manifests.check(folder, manifest, keys)
    head = manifest.get("audit", {})
    if not problems and head.get("event_count"):
        report = verify_bundle(folder / "evidence", keys)
        if not report.ok:
            problems.append(f"the audit evidence bundle does not verify: {report.describe()}")
        elif report.head_hash != head.get("head_hash"):
            problems.append("the evidence bundle's head is not the manifest's audit head")
    return Verified(problems, manifest)


def _targets_empty(settings: Settings) -> tuple[bool, bool]:
    engine = make_engine(settings.resolved_catalog_url)
    try:
        catalog_empty = cat.is_empty(engine)
    finally:
        engine.dispose()
    lake_empty = lake.lake_is_empty(settings) and not store_for(settings).keys()
    return catalog_empty, lake_empty


def _wipe_catalog(settings: Settings) -> None:
    url = settings.resolved_catalog_url
    engine = make_engine(url)
    try:
        database = engine.url.database
        if url.startswith("sqlite") and database:
            engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
        elif "alembic_version" in inspect(engine).get_table_names():
            downgrade(engine, "base")  # drops every table the migrations made, triggers too
    finally:
        engine.dispose()


def restore_backup(
    settings: Settings, folder: Path, keys: Mapping[str, Ed25519PublicKey], *, force: bool = False
) -> dict[str, Any]:
    """Verify the backup in ``folder``, restore it into the stores the settings name, check the
    result against the manifest and record ``backup.restored``; returns the manifest.
    ``InvalidInput`` ``backup.invalid`` for a backup that does not verify, ``Conflict``
    ``backup.target_not_empty`` for a target with data (unless ``force``), ``backup.revision``
    for a backup of another catalog revision, ``backup.mismatch`` when the restored platform
    differs from the manifest."""
    verified = verify_backup(folder, keys)
    if not verified.ok:
        raise InvalidInput("; ".join(verified.problems), code="backup.invalid")
    manifest = verified.manifest
    if manifest["catalog"]["revision"] != head_revision():
        raise Conflict(
            f"the backup is of catalog revision {manifest['catalog']['revision']}, this release "
            f"migrates to {head_revision()}: restore it with the release that made it, then "
            "upgrade",
            code="backup.revision",
        )
    catalog_empty, lake_empty = _targets_empty(settings)
    if not (catalog_empty and lake_empty) and not force:
        which = " and ".join(
            n for n, empty in (("catalog", catalog_empty), ("lake", lake_empty)) if not empty
        )
        raise Conflict(
            f"the target {which} already hold(s) data: restore into empty stores, or give "
            "--force to replace it",
            code="backup.target_not_empty",
        )
    if not catalog_empty:
        _wipe_catalog(settings)
    if not lake_empty:
        lake.wipe_metadata(settings)
        store_for(settings).clear()
    engine = make_engine(settings.resolved_catalog_url)
    try:
        upgrade(engine)
        cat.load(engine, folder / "catalog")
    finally:
        engine.dispose()
    store = store_for(settings)
    for name in manifest["files"]:
        if name.startswith("lake/files/"):
            store.put(name.removeprefix("lake/files/"), folder / name)
    lake.restore_metadata(settings, folder / "lake" / "metadata")
    raw_zone.copy_in(settings, folder, [n for n in manifest["files"] if n.startswith("raw/")])
    problems = check_restored(settings, manifest, keys)
    if problems:
        raise Conflict(
            "the restored platform differs: " + "; ".join(problems), code="backup.mismatch"
        )
    sessions = make_sessionmaker(make_engine(settings.resolved_catalog_url))
    try:
        with sessions() as session:
            audit.record(
                session,
                BackupRestored(
                    manifest_sha256=file_sha256(folder / manifests.MANIFEST),
                    backup_created_at=str(manifest["created_at"]),
                    lake_snapshot_id=max(manifest["lake"]["snapshot_ids"], default=0),
                    audit_last_event_id=int(manifest["audit"]["last_event_id"]),
                    audit_head_hash=str(manifest["audit"]["head_hash"]),
                    forced=not (catalog_empty and lake_empty),
                ),
            )
            session.commit()
    finally:
        sessions.kw["bind"].dispose()
    return manifest


def check_restored(
    settings: Settings, manifest: Mapping[str, Any], keys: Mapping[str, Ed25519PublicKey]
) -> list[str]:
    """Every way the platform the settings name differs from ``manifest`` (empty: none)."""
    problems: list[str] = []
    files = manifest["files"]
    scratch = settings.var_dir.resolve()
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as temporary:
        with cat.snapshot(settings.resolved_catalog_url, Path(temporary)) as session:
            dumped = cat.dump(session, Path(temporary) / "catalog")
            report = audit.verify_chain(session, keys)
            head = session.scalar(
                select(AuditEvent.hash).where(AuditEvent.id == manifest["audit"]["last_event_id"])
            )
        for table in dumped:
            name = f"catalog/{table.name}.jsonl"
            expected = manifest["catalog"]["rows"].get(table.name)
            if table.rows != expected:
                problems.append(f"{table.name}: {table.rows} rows, the backup has {expected}")
            elif file_sha256(Path(temporary) / name) != files.get(name, {}).get("sha256"):
                problems.append(f"{table.name}: the rows differ from the backup's")
    if not report.ok:
        problems.append(f"the audit chain does not verify: {report.describe()}")
    if manifest["audit"]["event_count"] and head != manifest["audit"]["head_hash"]:
        problems.append("the audit chain's head is not the backed-up head")
    raw_missing = raw_zone.missing(settings)
    if raw_missing != manifest.get("raw", {}).get("missing_batches", []):
        problems.append(f"the raw zone lacks the files of batches {raw_missing}")
    state = lake.lake_state(settings)
    if list(state.snapshot_ids) != list(manifest["lake"]["snapshot_ids"]):
        problems.append("the lake's snapshot ids differ from the backup's")
    if state.table_rows != manifest["lake"]["table_rows"]:
        problems.append(
            f"rows per lake table differ: {state.table_rows} != {manifest['lake']['table_rows']}"
        )
    return problems
