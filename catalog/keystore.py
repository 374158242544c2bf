"""Where the audit signing key lives: a small interface, files by default, a twin in memory.

A key store holds the one current Ed25519 private key and the public half of every key it has
ever held, each rotated key with the previous key's endorsement (``catalog.audit_chain``), so
checkpoints signed years ago still verify and trust passes from the first key to the last.

Nothing here creates a key on its own: :meth:`KeyStore.create` and :meth:`KeyStore.rotate` are
called by ``catalog.audit_keys``, which records each in the audit log, and from nowhere else.

:class:`FileKeyStore` keeps, beside the private key ``audit_ed25519.pem`` (mode 0600, in a 0700
folder): ``audit_ed25519.pub.pem`` (the current public key, for auditors to pin) and
``audit_ed25519.keys.json`` (every public key with its endorsement). Writes are atomic: a new
file is written and fsynced under a temporary name, then renamed into place.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from catalog.audit_chain import (
    Endorsement,
    endorsement_message,
    fingerprint,
    load_public_pem,
    public_pem,
)
from catalog.errors import Conflict, NotReady

__all__ = ["FileKeyStore", "KeyStore", "MemoryKeyStore", "Rotation"]


@dataclass(frozen=True, slots=True)
class Rotation:
    old: Endorsement
    new: Endorsement


class KeyStore(Protocol):
    """The audit signing key and the public history of every key."""

    def exists(self) -> bool: ...

    def signing_key(self) -> Ed25519PrivateKey:
        """The current key; ``NotReady`` (``key.missing``) when there is none."""
        ...

    def public_keys(self) -> tuple[Endorsement, ...]:
        """Every key this store has held, oldest first, each with its endorsement."""
        ...

    def create(self) -> Endorsement:
        """Make the first key; ``Conflict`` (``key.exists``) if there is one."""
        ...

    def rotate(self) -> Rotation:
        """Replace the current key with a new one the old one endorses."""
        ...

    def describe(self) -> str: ...


def _missing(where: str) -> NotReady:
    return NotReady(
        f"the audit signing key {where} is missing: create it with `zhongtai audit key create` "
        "(or point ZHONGTAI_AUDIT_SIGNING_KEY at the existing one)",
        code="key.missing",
    )


class MemoryKeyStore:
    """The same store, held in memory (tests)."""

    def __init__(self) -> None:
        self._key: Ed25519PrivateKey | None = None
        self._history: list[Endorsement] = []

    def exists(self) -> bool:
        return self._key is not None

    def signing_key(self) -> Ed25519PrivateKey:
        if self._key is None:
            raise _missing("(in memory)")
        return self._key

    def public_keys(self) -> tuple[Endorsement, ...]:
        return tuple(self._history)

    def create(self) -> Endorsement:
        if self._key is not None:
            raise Conflict("an audit signing key exists already", code="key.exists")
        self._key = Ed25519PrivateKey.generate()
        self._history.append(Endorsement(self._key.public_key()))
        return self._history[-1]

    def rotate(self) -> Rotation:
        old = self.signing_key()
        new = Ed25519PrivateKey.generate()
        rotation = _endorse(old, new)
        self._key = new
        self._history.append(rotation.new)
        return rotation

    def describe(self) -> str:
        return "memory"


def _endorse(old: Ed25519PrivateKey, new: Ed25519PrivateKey) -> Rotation:
    old_fp = fingerprint(old.public_key())
    signature = old.sign(endorsement_message(fingerprint(new.public_key()))).hex()
    return Rotation(Endorsement(old.public_key()), Endorsement(new.public_key(), old_fp, signature))


class FileKeyStore:
    """The key as a PEM file readable by its owner only, its history as JSON beside it."""

    def __init__(self, private_path: Path) -> None:
        self.path = private_path
        self.public_path = private_path.with_suffix(".pub.pem")
        self.history_path = private_path.with_suffix(".keys.json")

    def exists(self) -> bool:
        return self.path.exists()

    def signing_key(self) -> Ed25519PrivateKey:
        if not self.path.exists():
            raise _missing(str(self.path))
        mode = stat.S_IMODE(self.path.stat().st_mode)
        if mode & 0o077:
            raise NotReady(
                f"the audit signing key {self.path} is readable by others (mode {mode:o}): "
                f"chmod 600 {self.path}",
                code="key.insecure",
            )
        key = load_pem_private_key(self.path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise NotReady(f"{self.path} is not an Ed25519 private key", code="key.invalid")
        return key

    def public_keys(self) -> tuple[Endorsement, ...]:
        if not self.history_path.exists():
            if self.path.exists():  # a key made before the history file existed
                return (Endorsement(self.signing_key().public_key()),)
            return ()
        items = json.loads(self.history_path.read_text("utf-8"))
        return tuple(
            Endorsement(
                load_public_pem(item["public_key_pem"].encode("ascii")),
                item.get("endorsed_by", ""),
                item.get("signature", ""),
            )
            for item in items
        )

    def create(self) -> Endorsement:
        """Make the first key. Exclusive: of two processes racing, one makes the key and the
        other is told ``key.exists`` (the key file is linked into place, never replaced)."""
        if self.path.exists():
            raise self._exists()
        key = Ed25519PrivateKey.generate()
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        temporary = _private_temp(self.path, pem)
        try:
            os.link(temporary, self.path)
        except FileExistsError:
            raise self._exists() from None
        finally:
            temporary.unlink(missing_ok=True)
        _fsync_dir(self.path.parent)
        history = (Endorsement(key.public_key()),)
        self._write_public(key, history)
        return history[-1]

    def _exists(self) -> Conflict:
        return Conflict(f"an audit signing key exists already at {self.path}", code="key.exists")

    def rotate(self) -> Rotation:
        old = self.signing_key()
        new = Ed25519PrivateKey.generate()
        rotation = _endorse(old, new)
        self._write(new, (*self.public_keys(), rotation.new))
        return rotation

    def describe(self) -> str:
        return str(self.path)

    def _write(self, key: Ed25519PrivateKey, history: tuple[Endorsement, ...]) -> None:
        self._write_public(key, history)
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        _atomic_write(self.path, pem, 0o600)  # last: the history already names the new key

    def _write_public(self, key: Ed25519PrivateKey, history: tuple[Endorsement, ...]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        records = [
            {
                "fingerprint": item.fingerprint,
                "public_key_pem": public_pem(item.public_key).decode("ascii"),
                "endorsed_by": item.endorsed_by,
                "signature": item.signature,
            }
            for item in history
        ]
        _atomic_write(self.history_path, json.dumps(records, indent=2).encode() + b"\n", 0o644)
        _atomic_write(self.public_path, public_pem(key.public_key()), 0o644)


def _private_temp(path: Path, data: bytes, mode: int = 0o600) -> Path:
    """``data`` written and fsynced to a new temporary file beside ``path``."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return temporary


def _atomic_write(path: Path, data: bytes, mode: int) -> None:
    temporary = _private_temp(path, data, mode)
    try:
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
