"""Server-side keys, each a file readable only by its owner.

- The audit signing key: an Ed25519 private key (PEM) that signs audit checkpoints; it lives in a
  key store (``catalog.keystore``) and is made and rotated only through ``catalog.audit_keys``.
- The mask master key: 32 random bytes from which each grant's ``hash``-mask key is derived
  (:func:`mask_key`), so every grant sees its own keyed hashes: two departments cannot join
  their copies, and nobody without the master key can enumerate the hashed values. Created on
  first use in development and test only; in production a missing key is an error.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from catalog.errors import NotReady
from catalog.settings import Settings

MASK_MASTER_KEY_BYTES = 32
_MASK_KEY_CONTEXT = b"zhongtai/mask/grant/"
_SCENARIO_KEY_CONTEXT = b"zhongtai/mask/scenario/"
_REPORT_KEY_CONTEXT = b"zhongtai/mask/report/"


def mask_key(master: bytes, grant_id: int) -> bytes:
    """The key of grant ``grant_id``'s ``hash`` masks: HMAC-SHA256(master, context ‖ grant id)."""
    if isinstance(grant_id, bool) or not isinstance(grant_id, int):
        raise TypeError(f"grant_id must be an integer, not {grant_id!r}")
    message = _MASK_KEY_CONTEXT + str(grant_id).encode("ascii")
    return hmac.new(master, message, hashlib.sha256).digest()


def scenario_key(master: bytes, scenario_id: int) -> bytes:
    """The key a scenario's members are joined under (``lakehouse.scenario_read``):
    HMAC-SHA256(master, context ‖ scenario id) — derived as grants' keys are, in another context,
    so it equals no grant's key and is never sent."""
    if isinstance(scenario_id, bool) or not isinstance(scenario_id, int):
        raise TypeError(f"scenario_id must be an integer, not {scenario_id!r}")
    message = _SCENARIO_KEY_CONTEXT + str(scenario_id).encode("ascii")
    return hmac.new(master, message, hashlib.sha256).digest()


def report_key(master: bytes, report: str) -> bytes:
    """The key a report pre-fill joins its sources under (``lakehouse.report_sql``):
    HMAC-SHA256(master, context ‖ report), ``report`` naming the template, month and department.
    Like :func:`scenario_key` it equals no grant's key and is never sent."""
    if not report:
        raise ValueError("a report key needs the report's name")
    message = _REPORT_KEY_CONTEXT + report.encode("utf-8")
    return hmac.new(master, message, hashlib.sha256).digest()


def load_or_create_mask_master_key(path: Path, *, create: bool) -> bytes:
    """The mask master key at ``path``; with ``create``, made (32 random bytes, 0600) if absent.

    Without ``create`` (production) a missing file raises ``NotReady`` (503) with code
    ``key.missing``; a file that does not hold exactly 32 bytes raises it with ``key.invalid``.
    Creation is atomic: a key is written to a private temporary file and linked into place, so a
    concurrent process either wins the race or reads the complete key of the one that did.
    """
    if not path.exists():
        if not create:
            raise NotReady(
                f"the mask master key {path} is missing: generate 32 random bytes there "
                "(mode 0600) or point ZHONGTAI_MASK_KEY at it",
                code="key.missing",
                path=str(path),
            )
        _create_key_file(path, secrets.token_bytes(MASK_MASTER_KEY_BYTES))
    key = path.read_bytes()
    if len(key) != MASK_MASTER_KEY_BYTES:
        raise NotReady(
            f"the mask master key {path} must hold exactly {MASK_MASTER_KEY_BYTES} bytes",
            code="key.invalid",
            path=str(path),
        )
    return key


def mask_master_key(settings: Settings) -> bytes:
    """The configured mask master key; created on first use outside production only."""
    return load_or_create_mask_master_key(
        settings.resolved_mask_key, create=settings.environment in ("development", "test")
    )


def _create_key_file(path: Path, key: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # fails if another process created the key first
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)
