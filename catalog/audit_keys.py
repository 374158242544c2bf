"""The audit signing key's life: made, rotated, loaded and trusted — each step audited.

The key lives in a :class:`catalog.keystore.KeyStore`; this module is the only caller of its
``create`` and ``rotate``, and records each in the chain (``audit.key_created``,
``audit.key_rotated``). A rotation is bracketed by checkpoints: the old key signs the head just
before the rotation event, the new key the head just after, and the old key endorses the new one,
so an auditor who trusts the first key can follow trust to the last.

Outside development and test a missing key is never made on the side: :func:`signing_key` raises
503 ``key.missing`` and :func:`require_key` makes the service refuse to start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.audit_chain import Endorsement, fingerprint, load_public_pem, public_pem, trusted_keys
from catalog.audit_events import KeyCreated, KeyRotated
from catalog.errors import Conflict, InvalidInput
from catalog.guard import ensure
from catalog.keystore import FileKeyStore, KeyStore, Rotation
from catalog.principals import Principal
from catalog.resources import PLATFORM
from catalog.settings import Settings

__all__ = [
    "checkpoint_policy",
    "create_key",
    "load_trust",
    "require_key",
    "rotate_key",
    "signing_key",
    "store_of",
    "trusted",
]

_AUTOMATIC = ("development", "test")


def store_of(settings: Settings) -> FileKeyStore:
    return FileKeyStore(settings.resolved_audit_signing_key)


def _created(store: KeyStore, endorsement: Endorsement, *, automatic: bool) -> KeyCreated:
    return KeyCreated(
        fingerprint=endorsement.fingerprint,
        public_key_pem=public_pem(endorsement.public_key).decode("ascii"),
        key_store=store.describe(),
        automatic=automatic,
    )


def create_key(
    session: Session, store: KeyStore, actor: Principal, *, now: dt.datetime | None = None
) -> Endorsement:
    """Make the first signing key (``Conflict`` ``key.exists`` if there is one), audited."""
    ensure(session, actor, act.AUDIT_KEY, PLATFORM)
    endorsement = store.create()
    audit.record(session, _created(store, endorsement, automatic=False), actor=actor, now=now)
    return endorsement


def rotate_key(
    session: Session,
    store: KeyStore,
    actor: Principal,
    *,
    reason: str,
    now: dt.datetime | None = None,
) -> Rotation:
    """Replace the signing key: the old key signs the head, endorses the new key, the rotation
    is recorded, and the new key signs the head after it."""
    ensure(session, actor, act.AUDIT_KEY, PLATFORM)
    if not reason.strip():
        raise InvalidInput("a key rotation needs a reason", code="key.reason_required")
    audit.sign_checkpoint(session, store.signing_key(), now=now)
    rotation = store.rotate()
    event = KeyRotated(
        old_fingerprint=rotation.old.fingerprint,
        new_fingerprint=rotation.new.fingerprint,
        public_key_pem=public_pem(rotation.new.public_key).decode("ascii"),
        endorsement=rotation.new.signature,
        reason=reason.strip(),
    )
    audit.record(session, event, actor=actor, now=now)
    audit.sign_checkpoint(session, store.signing_key(), now=now)
    return rotation


def signing_key(session: Session, store: KeyStore, settings: Settings) -> Ed25519PrivateKey:
    """The current key. In development and test a missing key is made here (and audited, as
    the platform's act); anywhere else it raises 503 ``key.missing``."""
    if not store.exists() and settings.environment in _AUTOMATIC:
        try:
            endorsement = store.create()
        except Conflict:
            pass  # another process made it a moment ago, and recorded that
        else:
            audit.record(session, _created(store, endorsement, automatic=True))
    return store.signing_key()


def require_key(settings: Settings) -> None:
    """At start-up: outside development and test the key must exist and load (``NotReady``
    otherwise, naming the command that makes it)."""
    if settings.environment not in _AUTOMATIC:
        store_of(settings).signing_key()


def checkpoint_policy(settings: Settings, store: KeyStore | None = None) -> audit.CheckpointPolicy:
    """The settings' checkpoint rhythm, signing with ``store``'s key (made on first use only in
    development and test)."""
    keys = store or store_of(settings)
    return audit.CheckpointPolicy(
        key=lambda session: signing_key(session, keys, settings),
        every_events=settings.audit_checkpoint_every,
        every_seconds=settings.audit_checkpoint_minutes * 60,
    )


def load_trust(paths: list[Path]) -> dict[str, Ed25519PublicKey]:
    """Public keys from PEM files, by fingerprint (``InvalidInput`` ``key.invalid`` for a file
    that is not an Ed25519 public key)."""
    keys: dict[str, Ed25519PublicKey] = {}
    for path in paths:
        try:
            key = load_public_pem(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise InvalidInput(
                f"{path} is not an Ed25519 public key (PEM): {exc}", code="key.invalid"
            ) from exc
        keys[fingerprint(key)] = key
    return keys


def trusted(
    settings: Settings,
    store: KeyStore | None = None,
    pinned: Mapping[str, Ed25519PublicKey] | None = None,
) -> dict[str, Ed25519PublicKey]:
    """The keys live verification trusts: ``pinned`` if given, else ``ZHONGTAI_AUDIT_TRUSTED_KEYS``,
    else the store's first key — each with every key endorsed from it."""
    history = (store or store_of(settings)).public_keys()
    anchors: Mapping[str, Ed25519PublicKey]
    if pinned:
        anchors = pinned
    elif settings.audit_trusted_keys.strip():
        paths = [Path(p.strip()) for p in settings.audit_trusted_keys.split(",") if p.strip()]
        anchors = load_trust(paths)
    elif history:
        anchors = {history[0].fingerprint: history[0].public_key}
    else:
        anchors = {}
    keys, _notes = trusted_keys(history, anchors)
    return keys
