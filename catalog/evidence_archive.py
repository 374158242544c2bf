"""An evidence bundle as one ZIP file: what an auditor downloads from the API or the portal, and
what ``zhongtai audit verify BUNDLE.zip`` checks offline.

- :func:`export_archive` writes the bundle (``catalog.evidence.write_bundle``) under a work folder,
  packs it, records ``audit.evidence_exported`` with the SHA-256 of the manifest *and* of the ZIP,
  and removes the unpacked copy; the caller commits before sending a byte.
- :func:`pack` is deterministic: the bundle's files in their fixed order under one top folder
  (``zhongtai-evidence-FIRST-LAST/``), fixed timestamps, so the same bundle gives the same bytes.
- :func:`unpack` opens a ZIP it was handed, as hostile input: only a bundle's own file names,
  under one top folder, no links, no absolute or ``..`` names, no member or total larger than
  :data:`MAX_UNPACKED_BYTES`, and no member whose compression ratio betrays a bomb; each is
  refused with ``evidence.bad_archive`` and the reason, before anything is written.
"""

from __future__ import annotations

import datetime as dt
import shutil
import stat
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.audit_keys import signing_key, store_of
from catalog.errors import InvalidInput
from catalog.evidence import BUNDLE_FILES, Exported, exported_event, file_sha256, write_bundle
from catalog.guard import ensure
from catalog.principals import Principal
from catalog.resources import PLATFORM
from catalog.settings import Settings

__all__ = ["MAX_UNPACKED_BYTES", "Archive", "export_archive", "pack", "parse_day", "unpack"]

MAX_UNPACKED_BYTES = 64 << 30
"""The most an archive may unpack to, in all (64 GiB: a decade of a busy province's log)."""
MAX_RATIO = 200
"""A member may not unpack to more than this many times its compressed size (NDJSON of hashes
compresses about 2:1; a bomb, thousands to one)."""
_STAMP = (2020, 1, 1, 0, 0, 0)
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Archive:
    path: Path
    name: str
    sha256: str
    byte_count: int
    bundle: Exported
    event_id: int

    def discard(self) -> None:
        """Remove the archive and its work folder (once sent, or when the client went away)."""
        shutil.rmtree(self.path.parent, ignore_errors=True)


def _top(bundle: Exported) -> str:
    return f"zhongtai-evidence-{bundle.first_event_id}-{bundle.last_event_id}"


def pack(folder: Path, target: Path, top: str) -> str:
    """Pack the bundle in ``folder`` into ``target`` under ``top/``; the ZIP's SHA-256."""
    with zipfile.ZipFile(target, "x", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name in BUNDLE_FILES:
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            with (folder / name).open("rb") as source, zf.open(info, "w") as sink:
                shutil.copyfileobj(source, sink, _CHUNK)
    return file_sha256(target)


def parse_day(value: str, name: str) -> dt.date | None:
    """A day of the export's period (``YYYY-MM-DD``, UTC), or ``None`` when not given."""
    text = value.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{name} must be a day, YYYY-MM-DD (not {text[:40]!r})", code="evidence.bad_date"
        ) from None


def export_archive(
    session: Session,
    settings: Settings,
    actor: Principal,
    *,
    date_from: str = "",
    date_to: str = "",
    now: dt.datetime | None = None,
) -> Archive:
    """A bundle of [date_from, date_to] (whole UTC days; empty: the whole log) as one ZIP, its
    hand-over recorded, after the one access decision (``audit.export``: auditors and admins).
    The caller commits, sends, then calls :meth:`Archive.discard`."""
    ensure(session, actor, act.AUDIT_EXPORT, PLATFORM, now=now)
    first, last = parse_day(date_from, "from"), parse_day(date_to, "to")
    store = store_of(settings)
    key = signing_key(session, store, settings)
    work = Path(settings.var_dir) / "spool" / "evidence" / f"evidence-{uuid.uuid4().hex}"
    work.mkdir(parents=True)
    try:
        bundle = write_bundle(
            session, store, key, work / "bundle", date_from=first, date_to=last, now=now
        )
        top = _top(bundle)
        target = work / f"{top}.zip"
        digest = pack(bundle.folder, target, top)
        shutil.rmtree(bundle.folder)
        event = audit.record(
            session,
            exported_event(bundle, first, last, archive_sha256=digest),
            actor=actor,
            now=now,
        )
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Archive(target, target.name, digest, target.stat().st_size, bundle, event.id)


def _refuse(path: Path, reason: str) -> InvalidInput:
    return InvalidInput(f"{path.name}: {reason}", code="evidence.bad_archive")


def _members(path: Path, zf: zipfile.ZipFile) -> tuple[str, list[zipfile.ZipInfo]]:
    """The bundle's members and their one top folder, every name and size checked."""
    infos = [i for i in zf.infolist() if not i.is_dir()]
    tops: set[str] = set()
    total = 0
    for info in infos:
        parts = PurePosixPath(info.filename).parts
        if info.filename.startswith("/") or ".." in parts or "\\" in info.filename:
            raise _refuse(path, f"the member {info.filename!r} would land outside its folder")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _refuse(path, f"the member {info.filename!r} is a link")
        if len(parts) != 2 or parts[1] not in BUNDLE_FILES:
            raise _refuse(path, f"{info.filename!r} is not a file of an evidence bundle")
        if info.file_size > MAX_RATIO * max(info.compress_size, 1) and info.file_size > _CHUNK:
            raise _refuse(path, f"{info.filename!r} unpacks to {info.file_size} bytes (a bomb?)")
        tops.add(parts[0])
        total += info.file_size
    if len(tops) != 1:
        raise _refuse(path, "an evidence bundle is one folder")
    if total > MAX_UNPACKED_BYTES:
        raise _refuse(path, f"it would unpack to {total} bytes")
    names = sorted(PurePosixPath(i.filename).name for i in infos)
    if names != sorted(BUNDLE_FILES):
        missing = sorted(set(BUNDLE_FILES) - set(names))
        raise _refuse(path, f"files missing or repeated (missing: {', '.join(missing) or '-'})")
    return tops.pop(), infos


def unpack(path: Path, into: Path) -> Path:
    """Unpack the bundle in the ZIP ``path`` into a new folder under ``into``; its path. Sizes are
    enforced while reading too, so a lying header cannot make it write more than it declared; a
    member that fails its checksum or does not inflate removes what was written."""
    folder: Path | None = None
    try:
        with zipfile.ZipFile(path) as zf:
            top, infos = _members(path, zf)
            folder = into / top
            folder.mkdir(parents=True)
            for info in infos:
                _unpack_member(path, zf, info, folder / PurePosixPath(info.filename).name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error) as exc:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise _refuse(path, f"not a readable ZIP file ({exc})") from exc
    except BaseException:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def _unpack_member(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    written = 0
    with zf.open(info) as source, target.open("xb") as sink:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > info.file_size:
                raise _refuse(path, f"{info.filename!r} holds more than it declares")
            sink.write(chunk)
