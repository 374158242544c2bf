"""A backup's ``manifest.json``: what it holds, each file's SHA-256 and size, signed.

The manifest names the catalog's Alembic revision and rows per table, the lake's snapshot ids and
rows per table at its newest snapshot, the audit chain's head, and every other file of the backup
with its SHA-256 and size. It is signed with the platform's audit signing key over
``"zhongtai-backup-manifest:" + canonical JSON`` (sorted keys, no spaces, UTF-8) of itself without
its ``signature`` block, as delivery manifests are (``catalog.manifest_signing``): a changed,
added or removed file, or an edited count, is caught by :func:`check` with the platform's public
key alone, without touching the live platform.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from catalog.audit_chain import canonical_json, fingerprint, signature_valid
from catalog.evidence import file_sha256

__all__ = ["FORMAT", "MANIFEST", "check", "digests", "read", "sign"]

FORMAT = "zhongtai-backup/1"
MANIFEST = "manifest.json"
_CONTEXT = b"zhongtai-backup-manifest:"


def _message(manifest: Mapping[str, Any]) -> bytes:
    return _CONTEXT + canonical_json({k: v for k, v in manifest.items() if k != "signature"})


def sign(manifest: Mapping[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    return {
        **unsigned,
        "signature": {
            "algorithm": "ed25519",
            "key_fingerprint": fingerprint(key.public_key()),
            "signature": key.sign(_message(unsigned)).hex(),
        },
    }


def digests(folder: Path) -> dict[str, dict[str, Any]]:
    """Every file under ``folder`` but the manifest, by POSIX path: SHA-256 and size."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name != MANIFEST:
            found[name] = {"sha256": file_sha256(path), "bytes": path.stat().st_size}
    return found


def read(folder: Path) -> dict[str, Any]:
    """The manifest of the backup in ``folder`` (``ValueError`` saying why it cannot be read)."""
    path = folder / MANIFEST
    if not path.is_file():
        raise ValueError(f"{folder} is not a backup: it has no {MANIFEST}")
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} is not readable JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{path} is not a {FORMAT} manifest")
    return manifest


def check(
    folder: Path, manifest: Mapping[str, Any], keys: Mapping[str, Ed25519PublicKey]
) -> list[str]:
    """Every reason the backup in ``folder`` is not what its manifest says (empty: it is)."""
    problems: list[str] = []
    block = manifest.get("signature")
    if not isinstance(block, Mapping):
        problems.append("the manifest is not signed")
    else:
        key = keys.get(str(block.get("key_fingerprint", "")))
        if key is None:
            problems.append(
                f"the manifest is signed by key {str(block.get('key_fingerprint', ''))[:16]}…, "
                "which is not trusted (pin the platform's public key with --trust)"
            )
        elif not signature_valid(key, str(block.get("signature", "")), _message(manifest)):
            problems.append("the manifest's signature does not verify: the manifest was altered")
    listed = manifest.get("files")
    if not isinstance(listed, Mapping):
        return [*problems, "the manifest lists no files"]
    present = {
        p.relative_to(folder).as_posix(): p
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST
    }
    for name in sorted(listed):
        entry = listed[name]
        path = present.get(name)
        if path is None:
            problems.append(f"{name} is missing")
        elif not isinstance(entry, Mapping) or path.stat().st_size != entry.get("bytes"):
            problems.append(f"{name} has changed (its size differs from the manifest's)")
        elif file_sha256(path) != entry.get("sha256"):
            problems.append(f"{name} has changed (its SHA-256 differs from the manifest's)")
    for name in sorted(set(present) - set(listed)):
        problems.append(f"{name} is not in the manifest (added after the backup was made)")
    return problems
