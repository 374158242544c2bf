"""A backup that is not what its signed manifest says is refused by ``verify`` and ``restore``,
which name the reason and leave the target untouched: a changed lake data file, a changed catalog
table file, a removed file, a manifest edited (its signature no longer verifies) or re-signed by
a key the platform never trusted."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from catalog.audit_keys import signing_key, store_of, trusted
from catalog.db import make_engine, make_sessionmaker
from catalog.errors import InvalidInput
from catalog.settings import Settings
from lakehouse.backup import create_backup, restore_backup, verify_backup
from lakehouse.backup_manifest import sign
from tests.backup.platform_world import build_platform

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    work = tmp_path_factory.mktemp("tamper")
    settings = Settings(var_dir=work / "var", environment="test", _env_file=None)  # type: ignore[call-arg]
    build_platform(settings, work, rows=300)
    sessions = make_sessionmaker(make_engine(settings.resolved_catalog_url))
    with sessions() as session:
        key = signing_key(session, store_of(settings), settings)
        session.commit()
    sessions.kw["bind"].dispose()
    create_backup(settings, work / "backup", key)
    return settings, work / "backup"


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_catalog(folder: Path) -> None:
    path = folder / "catalog" / "grants.jsonl"
    path.write_text(path.read_text("utf-8").replace('"query"', '"bulk"'), encoding="utf-8")


def _edit_manifest(folder: Path) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    manifest["catalog"]["rows"]["grants"] = 2
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _forge_manifest(folder: Path) -> None:
    """An attacker rewrites a table, then re-hashes and re-signs the manifest with a key of his."""
    _edit_catalog(folder)
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    from lakehouse.backup_manifest import digests

    manifest["files"] = digests(folder)
    path.write_text(json.dumps(sign(manifest, Ed25519PrivateKey.generate())), encoding="utf-8")


def _data_file(folder: Path) -> Path:
    return sorted((folder / "lake" / "files").rglob("*.parquet"))[0]


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "changed lake data file": (lambda f: _flip(_data_file(f)), "has changed"),
    "changed catalog table file": (_edit_catalog, "catalog/grants.jsonl has changed"),
    "removed file": (lambda f: (f / "catalog" / "accounts.jsonl").unlink(), "is missing"),
    "added file": (lambda f: (f / "lake" / "files" / "extra.parquet").write_bytes(b"x"), "not in"),
    "edited manifest": (_edit_manifest, "signature does not verify"),
    "forged manifest": (_forge_manifest, "not trusted"),
    "changed evidence": (lambda f: _flip(f / "evidence" / "events.ndjson"), "has changed"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_tampered_backup_is_refused(
    made: tuple[Settings, Path], tmp_path: Path, case: str
) -> None:
    settings, backup = made
    copy = tmp_path / "copy"
    shutil.copytree(backup, copy)
    keys = trusted(settings)
    assert verify_backup(copy, keys).ok
    tamper, reason = CASES[case]
    tamper(copy)
    report = verify_backup(copy, keys)
    assert not report.ok
    assert any(reason in p for p in report.problems), report.problems
    target = Settings(var_dir=tmp_path / "target", environment="test", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(InvalidInput) as refused:
        restore_backup(target, copy, keys)
    assert refused.value.code == "backup.invalid"
    assert not (tmp_path / "target").exists()  # refused before touching anything


def test_verify_and_restore_commands_name_the_changed_file(
    made: tuple[Settings, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from catalog.settings import get_settings
    from exchange_api.cli import app

    settings, backup = made
    copy = tmp_path / "copy"
    shutil.copytree(backup, copy)
    _flip(_data_file(copy))
    public = settings.var_dir / "keys" / "audit_ed25519.pub.pem"
    monkeypatch.setenv("ZHONGTAI_VAR_DIR", str(tmp_path / "target"))  # a host with no key store
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        unpinned = runner.invoke(app, ["backup", "verify", str(copy)])
        assert unpinned.exit_code == 2 and "--trust" in unpinned.output
        verified = runner.invoke(app, ["backup", "verify", str(copy), "--trust", str(public)])
        assert verified.exit_code == 1
        assert "lake/files/" in verified.output and "has changed" in verified.output
        restored = runner.invoke(app, ["backup", "restore", str(copy), "--trust", str(public)])
        assert restored.exit_code == 1 and "does not verify" in restored.output
        assert not (tmp_path / "target" / "catalog.sqlite").exists()
    finally:
        get_settings.cache_clear()
