"""The files of a delivery: where they go, how they are written, and how they are fetched.

A folder subscription's files land in its drop folder,
``<drop root>/<department>/<target>/<dataset>/<snapshot>/``; a webhook subscription's in the
platform's spool, ``<var>/deliveries/<subscription id>/<dataset>/<snapshot>/``, from which the
grantee fetches them through the API. Either way:

- the masked rows are written by DuckDB itself — ``COPY (<compiled plan>) TO`` a temporary file
  in the same folder, values bound as parameters — then renamed into place (atomic on one file
  system), so a reader never sees half a file;
- ``manifest.json`` is written LAST, the same way: its presence says the delivery is complete;
- the folder is resolved again, symlinks included, just before writing
  (``catalog.subscription_targets.folder_path``), since the department may have changed it;
- a fetch (``GET …/deliveries/{id}/file``) is decided (``subscription.fetch``: the grantee's
  requesters, while the grant is live), hands over the bytes only if they still hash to the
  manifest's SHA-256, and is audited (``DeliveryFileFetched``). The file is read whole: one
  delivery's extract is bounded by the grant's quota, not by this path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.errors import Conflict
from catalog.models import Department, utcnow
from catalog.policy import AccessPlan
from catalog.principals import Principal
from catalog.settings import Settings
from catalog.subscription_events import DeliveryFileFetched
from catalog.subscription_tables import (
    DeliveryStatus,
    Subscription,
    SubscriptionFormat,
    TargetKind,
)
from catalog.subscription_targets import folder_path
from catalog.subscriptions import get_delivery
from lakehouse.connection import quote_literal
from lakehouse.read import compile_plan

__all__ = [
    "MANIFEST",
    "FetchedFile",
    "fetch_delivery_file",
    "WrittenFile",
    "canonical",
    "delivered_file",
    "delivery_folder",
    "write_extract",
    "write_manifest",
]

MANIFEST = "manifest.json"
_COPY_OPTIONS = {
    SubscriptionFormat.PARQUET: "(FORMAT parquet, COMPRESSION zstd)",
    SubscriptionFormat.CSV: "(FORMAT csv, HEADER true)",
}


@dataclass(frozen=True, slots=True)
class WrittenFile:
    path: Path
    rows: int
    bytes: int
    sha256: str

    def entry(self) -> dict[str, Any]:
        return {
            "name": self.path.name,
            "rows": self.rows,
            "bytes": self.bytes,
            "sha256": self.sha256,
        }


def canonical(value: Any) -> bytes:
    """The manifest's bytes: sorted keys, no spaces, UTF-8 — hashed and signed as they are."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def delivery_folder(
    settings: Settings,
    subscription: Subscription,
    department_code: str,
    dataset_code: str,
    snapshot_id: int,
) -> Path:
    """Where a delivery of ``snapshot_id`` goes (checked again for folder targets)."""
    if subscription.kind is TargetKind.FOLDER:
        base = folder_path(settings.resolved_drop_root, department_code, subscription.target)
    else:
        base = (settings.var_dir / "deliveries").resolve() / str(subscription.id)
    return base / dataset_code / str(snapshot_id)


def _sha256(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _temporary(folder: Path, name: str) -> Path:
    return folder / f".{name}.{secrets.token_hex(6)}.tmp"


def _prepare(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if folder.is_symlink():
        raise Conflict(f"delivery folder {folder} is a symlink", code="subscription.bad_target")


def write_extract(
    con: duckdb.DuckDBPyConnection,
    plan: AccessPlan,
    folder: Path,
    fmt: SubscriptionFormat,
    *,
    snapshot_id: int,
    order_salt: int,
) -> WrittenFile:
    """The plan's rows at ``snapshot_id``, masked in SQL, written by DuckDB to ``part-0``."""
    _prepare(folder)
    final = folder / f"part-0.{fmt.value}"
    temporary = _temporary(folder, final.name)
    sql, params = compile_plan(plan, snapshot_id=snapshot_id, order_salt=order_salt)
    try:
        copied = con.execute(
            f"COPY ({sql}) TO '{quote_literal(str(temporary))}' {_COPY_OPTIONS[fmt]}", params
        ).fetchone()
        rows = int(copied[0]) if copied is not None else 0
        size, digest = _sha256(temporary)
        os.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)
    return WrittenFile(final, rows, size, digest)


def write_manifest(folder: Path, body: bytes) -> Path:
    """``manifest.json``, last, atomically."""
    _prepare(folder)
    final = folder / MANIFEST
    temporary = _temporary(folder, MANIFEST)
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)
    return final


def delivered_file(folder: Path, manifest: dict[str, Any]) -> tuple[str, bytes]:
    """The delivery's file as its manifest lists it, if its bytes still hash to the manifest's
    SHA-256 (``delivery.file_changed`` otherwise: never hand over something else)."""
    files = manifest.get("files") or []
    if not files:
        raise Conflict("the delivery has no file", code="delivery.no_file")
    entry = files[0]
    path = folder / str(entry["name"])
    if path.parent != folder or path.is_symlink() or not path.is_file():
        raise Conflict("the delivered file is no longer there", code="delivery.file_changed")
    body = path.read_bytes()
    if hashlib.sha256(body).hexdigest() != entry["sha256"]:
        raise Conflict(
            "the delivered file no longer matches its manifest", code="delivery.file_changed"
        )
    return path.name, body


@dataclass(frozen=True, slots=True)
class FetchedFile:
    name: str
    body: bytes
    sha256: str
    media_type: str


_MEDIA_TYPES = {
    SubscriptionFormat.PARQUET: "application/vnd.apache.parquet",
    SubscriptionFormat.CSV: "text/csv; charset=utf-8",
}


def fetch_delivery_file(
    session: Session,
    principal: Principal,
    settings: Settings,
    subscription_id: int,
    delivery_id: int,
    *,
    now: dt.datetime | None = None,
) -> FetchedFile:
    """A delivered file, for a requester of the grantee department while its grant is live
    (``subscription.fetch``), checked against its manifest and audited."""
    now = now or utcnow()
    delivery = get_delivery(
        session, principal, subscription_id, delivery_id, action=act.SUBSCRIPTION_FETCH, now=now
    )
    if delivery.status is not DeliveryStatus.DELIVERED or delivery.manifest is None:
        raise Conflict(f"delivery {delivery_id} was not delivered", code="delivery.not_delivered")
    subscription = delivery.subscription
    department = session.get(Department, subscription.department_id)
    assert department is not None
    dataset_code = str(delivery.manifest["dataset"])
    folder = delivery_folder(
        settings, subscription, department.code, dataset_code, delivery.snapshot_id
    )
    name, body = delivered_file(folder, delivery.manifest)
    digest = hashlib.sha256(body).hexdigest()
    audit.record(
        session,
        DeliveryFileFetched(
            dataset_id=subscription.grant.dataset_id,
            grant_id=subscription.grant_id,
            subscription_id=subscription.id,
            delivery_id=delivery.id,
            snapshot_id=delivery.snapshot_id,
            file=name,
            bytes_sent=len(body),
            content_sha256=digest,
        ),
        actor=principal,
        now=now,
    )
    return FetchedFile(name, body, digest, _MEDIA_TYPES[subscription.format])
