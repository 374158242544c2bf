"""Signed delivery manifests: what the platform says it sent, in a form the receiver can keep.

A bulk extract and each subscription delivery come with a manifest (dataset, snapshot, grant,
columns, masks, rows, bytes, the SHA-256 of each file, the audit event). The platform signs the
manifest's canonical JSON (sorted keys, no spaces, UTF-8) with the audit signing key, so that a
receiving department can prove what it received — and the platform what it sent — with nothing
but the file, the manifest and the platform's public key (``zhongtai exchange verify-manifest``).

The signature block is ``{"algorithm": "ed25519", "key_fingerprint": …, "signature": …}`` over
``"zhongtai-delivery-manifest:" + canonical(manifest without "signature")``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from catalog.audit_chain import canonical_json, fingerprint, signature_valid
from catalog.evidence import file_sha256

__all__ = ["manifest_message", "sign_manifest", "verify_delivery"]

_CONTEXT = b"zhongtai-delivery-manifest:"


def manifest_message(manifest: Mapping[str, Any]) -> bytes:
    return _CONTEXT + canonical_json({k: v for k, v in manifest.items() if k != "signature"})


def sign_manifest(manifest: Mapping[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """``manifest`` with its ``signature`` block."""
    signature = {
        "algorithm": "ed25519",
        "key_fingerprint": fingerprint(key.public_key()),
        "signature": key.sign(manifest_message(manifest)).hex(),
    }
    return {**{k: v for k, v in manifest.items() if k != "signature"}, "signature": signature}


def verify_delivery(
    manifest: Mapping[str, Any],
    keys: Mapping[str, Ed25519PublicKey],
    file: Path | None = None,
) -> str | None:
    """``None`` when the manifest is signed by one of ``keys`` and ``file`` (if given) has the
    SHA-256 the manifest names; else the reason it does not hold."""
    block = manifest.get("signature")
    if not isinstance(block, Mapping):
        return "the manifest is not signed"
    key = keys.get(str(block.get("key_fingerprint", "")))
    if key is None:
        return f"signed by key {str(block.get('key_fingerprint', ''))[:16]}…, which is not trusted"
    if not signature_valid(key, str(block.get("signature", "")), manifest_message(manifest)):
        return "the manifest's signature does not verify (it was altered)"
    if file is not None:
        expected = {str(manifest.get("sha256", ""))} | {
            str(f.get("sha256", "")) for f in manifest.get("files", []) if isinstance(f, Mapping)
        }
        digest = file_sha256(file)  # streamed: an extract may be gigabytes
        if digest not in expected - {""}:
            return f"{file.name} does not have the SHA-256 the manifest names"
    return None
