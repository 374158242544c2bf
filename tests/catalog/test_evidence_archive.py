"""Evidence bundles as one ZIP (``catalog.evidence_archive``): exported through the one access
decision and recorded with the ZIP's SHA-256, packed the same way every time, and unpacked as the
hostile input a file handed to an auditor is — every archive that is not exactly a bundle is
refused with its reason before a byte is written."""

from __future__ import annotations

import datetime as dt
import stat
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog import audit
from catalog.audit_keys import signing_key, store_of
from catalog.db import init_catalog
from catalog.errors import AccessRefused, InvalidInput
from catalog.events import GrantRevoked
from catalog.evidence import BUNDLE_FILES, file_sha256, write_bundle
from catalog.evidence_archive import export_archive, pack, unpack
from catalog.evidence_verify import verify_bundle
from catalog.models import AuditEvent, Role
from catalog.settings import Settings
from tests.catalog import factories

DAY = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
TOP = "zhongtai-evidence-1-9"


@pytest.fixture
def seeded(settings: Settings) -> Settings:
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        for n in range(8):
            audit.record(session, GrantRevoked(grant_id=n + 1, reason=f"第{n}次撤销"), now=DAY)
        session.commit()
    return settings


def _actors(settings: Settings) -> dict[str, factories.Actor]:
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        dept = factories.department(session, "330100SJJ")
        made = {
            "auditor": factories.actor(session, dept, Role.AUDITOR),
            "admin": factories.actor(session, dept, Role.ADMIN),
            "requester": factories.actor(session, dept, Role.REQUESTER),
        }
        session.commit()
    return made


def test_an_auditor_exports_a_zip_that_verifies_and_is_on_the_record(
    seeded: Settings, tmp_path: Path
) -> None:
    actors = _actors(seeded)
    sessions = init_catalog(seeded.resolved_catalog_url)
    with sessions() as session:
        archive = export_archive(
            session, seeded, actors["auditor"].principal, date_from="2026-11-02", now=DAY
        )
        session.commit()
    # eight events, and the key the export made (test environment) is the ninth
    assert archive.path.is_file() and archive.name == "zhongtai-evidence-1-9.zip"
    assert archive.sha256 == file_sha256(archive.path)
    assert archive.byte_count == archive.path.stat().st_size
    folder = unpack(archive.path, tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == sorted(BUNDLE_FILES)
    trust = {k.fingerprint: k.public_key for k in store_of(seeded).public_keys()}
    report = verify_bundle(folder, trust)
    assert report.ok, report.describe()
    with sessions() as session:
        event = session.get(AuditEvent, archive.event_id)
        assert event is not None and event.action == "audit.evidence_exported"
        assert event.detail["archive_sha256"] == archive.sha256
        assert event.detail["manifest_sha256"] == archive.bundle.manifest_sha256
        assert event.actor_account_id == actors["auditor"].account.id
    work = archive.path.parent
    archive.discard()
    assert not work.exists()


@pytest.mark.parametrize("who", ["admin", "requester"])
def test_only_auditors_export_and_a_refusal_is_recorded(seeded: Settings, who: str) -> None:
    actors = _actors(seeded)
    sessions = init_catalog(seeded.resolved_catalog_url)
    with sessions() as session:
        with pytest.raises(AccessRefused) as refused:
            export_archive(session, seeded, actors[who].principal)
        session.commit()
        assert refused.value.code == "role.auditor_required"
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "audit.evidence_exported" not in actions
    spool = Path(seeded.var_dir) / "spool" / "evidence"
    assert not spool.exists() or not any(spool.iterdir())


@pytest.mark.parametrize(
    ("date_from", "date_to", "code"),
    [
        ("2026-13-01", "", "evidence.bad_date"),
        ("1 OR 1=1", "", "evidence.bad_date"),
        ("2026-11-05", "2026-11-01", "evidence.bad_period"),
        ("2031-01-01", "", "evidence.empty"),
    ],
)
def test_a_bad_period_is_a_clear_error_and_leaves_nothing(
    seeded: Settings, date_from: str, date_to: str, code: str
) -> None:
    actors = _actors(seeded)
    sessions = init_catalog(seeded.resolved_catalog_url)
    with sessions() as session:
        with pytest.raises(InvalidInput) as bad:
            export_archive(
                session, seeded, actors["auditor"].principal, date_from=date_from, date_to=date_to
            )
    assert bad.value.code == code
    spool = Path(seeded.var_dir) / "spool" / "evidence"
    assert not spool.exists() or not any(spool.iterdir())


def _bundle(settings: Settings, tmp_path: Path) -> Path:
    sessions = init_catalog(settings.resolved_catalog_url)
    store = store_of(settings)
    with sessions() as session:
        key = signing_key(session, store, settings)
        done = write_bundle(session, store, key, tmp_path / "bundle", now=DAY)
        session.commit()
    return done.folder


def test_packing_is_deterministic(seeded: Settings, tmp_path: Path) -> None:
    folder = _bundle(seeded, tmp_path)
    first = pack(folder, tmp_path / "a.zip", TOP)
    second = pack(folder, tmp_path / "b.zip", TOP)
    assert first == second == file_sha256(tmp_path / "a.zip")
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        assert zf.namelist() == [f"{TOP}/{name}" for name in BUNDLE_FILES]


def _zip(path: Path, members: dict[str, bytes], *, link: str = "") -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name == link:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, data)
    return path


def _members(folder: Path, top: str = TOP) -> dict[str, bytes]:
    return {f"{top}/{name}": (folder / name).read_bytes() for name in BUNDLE_FILES}


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("climb", "outside its folder"),
        ("absolute", "outside its folder"),
        ("link", "is a link"),
        ("extra", "not a file of an evidence bundle"),
        ("missing", "missing: keys.json"),
        ("two_tops", "one folder"),
        ("bomb", "a bomb"),
        ("not_zip", "not a readable ZIP"),
        ("nested", "not a file of an evidence bundle"),
    ],
)
def test_a_hostile_archive_is_refused_before_anything_is_written(
    seeded: Settings, tmp_path: Path, case: str, reason: str
) -> None:
    folder = _bundle(seeded, tmp_path)
    members = _members(folder)
    link = ""
    if case == "climb":
        members[f"{TOP}/../../etc/cron.d/evil"] = b"* * * * * root sh"
    elif case == "absolute":
        members["/tmp/evil"] = b"x"
    elif case == "link":
        link = f"{TOP}/keys.json"
        members[link] = b"/etc/shadow"
    elif case == "extra":
        members[f"{TOP}/run_me.sh"] = b"rm -rf /"
    elif case == "missing":
        del members[f"{TOP}/keys.json"]
    elif case == "two_tops":
        members = {**members, **_members(folder, "other")}
    elif case == "bomb":
        members[f"{TOP}/events.parquet"] = b"\0" * (64 << 20)
    elif case == "nested":
        members[f"{TOP}/sub/manifest.json"] = b"{}"
    target = tmp_path / f"{case}.zip"
    if case == "not_zip":
        target.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    else:
        _zip(target, members, link=link)
    into = tmp_path / "out"
    into.mkdir()
    with pytest.raises(InvalidInput) as refused:
        unpack(target, into)
    assert refused.value.code == "evidence.bad_archive"
    assert reason in str(refused.value) and target.name in str(refused.value)
    assert list(into.iterdir()) == []


def test_a_member_altered_inside_the_zip_is_caught(seeded: Settings, tmp_path: Path) -> None:
    folder = _bundle(seeded, tmp_path)
    members = _members(folder)
    lines = members[f"{TOP}/events.ndjson"].splitlines(keepends=True)
    lines[3] = lines[3].replace("第3次撤销".encode(), "第9次撤销".encode())
    members[f"{TOP}/events.ndjson"] = b"".join(lines)
    unpacked = unpack(_zip(tmp_path / "edited.zip", members), tmp_path / "out")
    trust = {k.fingerprint: k.public_key for k in store_of(seeded).public_keys()}
    report = verify_bundle(unpacked, trust)
    assert not report.ok and report.first_bad_event_id == 4


def test_a_corrupt_member_is_refused(seeded: Settings, tmp_path: Path) -> None:
    folder = _bundle(seeded, tmp_path)
    packed = tmp_path / "ok.zip"
    pack(folder, packed, TOP)
    data = bytearray(packed.read_bytes())
    start = data.index(b"events.ndjson") + 40  # inside the first member's compressed bytes
    data[start : start + 8] = b"\xff" * 8
    broken = tmp_path / "broken.zip"
    broken.write_bytes(bytes(data))
    out = tmp_path / "out"
    with pytest.raises(InvalidInput) as refused:
        unpack(broken, out)
    assert refused.value.code == "evidence.bad_archive"
    assert not out.exists() or list(out.iterdir()) == []  # nothing half-written is left
