"""The audit chain as bytes: how each event is hashed, how a checkpoint is signed, and the one
verifier both the live log and an offline evidence bundle go through.

Pure: no session, no files. ``catalog.audit`` feeds it rows from the catalog, ``catalog.evidence``
lines from a bundle; both get the same :class:`ChainReport`, naming the first bad sequence number
and the kind of damage.

Hash formats (an event's ``format`` column says which):

- **2** (every event written since the envelope columns): the SHA-256 of the bytes
  ``{"seq":N,"format":2,"prev_hash":"P","event":BODY`` — the sequence number, the previous hash
  and ``BODY``, the canonical JSON (sorted keys, no spaces, UTF-8) of every column but ``id``,
  ``prev_hash`` and ``hash``. Those bytes are exactly the start of the event's line in an
  evidence bundle (which ends ``,"hash":"H"}``), so a verifier hashes a slice of each line instead
  of re-encoding the event.
- **1** (events written before): ``SHA-256(prev_hash ‖ "\\n" ‖ body)`` with ``id`` inside the body.

A checkpoint signs ``"zhongtai-audit-checkpoint:{seq}:{hash}"`` with Ed25519. A rotated key is
endorsed by the key before it (``"zhongtai-audit-key:{new fingerprint}"`` signed by the old key),
so trusting the first key is enough to trust every later one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

GENESIS_HASH = "0" * 64
HASH_FORMAT = 2
"""The hash format new events are written in."""

Damage = Literal[
    "",
    "edited",
    "deleted",
    "inserted",
    "reordered",
    "truncated",
    "relinked",
    "bad_signature",
    "unknown_key",
    "rewritten",
    "bad_bundle",
]


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def hashed_prefix(seq: int, prev_hash: str, fmt: int = 2) -> bytes:
    """The bytes before the body that a format-2 hash covers (and a bundle line starts with)."""
    return b'{"seq":%d,"format":%d,"prev_hash":"%s","event":' % (seq, fmt, prev_hash.encode())


def link_hash(seq: int, prev_hash: str, body: bytes, fmt: int) -> str:
    """The hash of one event from its sequence number, previous hash and body bytes."""
    if fmt == 2:
        return hashlib.sha256(hashed_prefix(seq, prev_hash) + body).hexdigest()
    if fmt == 1:
        return hashlib.sha256(prev_hash.encode() + b"\n" + body).hexdigest()
    raise ValueError(f"unknown audit hash format {fmt!r}")


def checkpoint_message(last_event_id: int, last_hash: str) -> bytes:
    return f"zhongtai-audit-checkpoint:{last_event_id}:{last_hash}".encode("ascii")


def endorsement_message(fingerprint: str) -> bytes:
    return f"zhongtai-audit-key:{fingerprint}".encode("ascii")


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, hex."""
    return hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def load_public_pem(data: bytes) -> Ed25519PublicKey:
    key = load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def signature_valid(public_key: Ed25519PublicKey, signature_hex: str, message: bytes) -> bool:
    try:
        public_key.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class Link:
    """One event as the chain sees it: its place, its hash format, its links and its body."""

    seq: int
    format: int
    prev_hash: str
    hash: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Seal:
    """One signed checkpoint."""

    id: int
    last_event_id: int
    last_hash: str
    fingerprint: str
    signature: str


@dataclass(frozen=True, slots=True)
class Endorsement:
    """A public key and, for a rotated one, the previous key's signature over its fingerprint."""

    public_key: Ed25519PublicKey
    endorsed_by: str = ""
    signature: str = ""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    events_checked: int
    head_hash: str
    first_bad_event_id: int | None = None
    reason: str = ""
    damage: Damage = ""
    checkpoints_checked: int = 0
    last_signed_event_id: int = 0
    signers: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    first_seq_offset: int = 0
    """Sequence number before the first event checked (0 for the whole log)."""

    @property
    def last_event_id(self) -> int:
        return self.first_seq_offset + self.events_checked

    @property
    def unsigned_events(self) -> int:
        """Events after the last verified checkpoint (not yet vouched for by a signature)."""
        return max(self.last_event_id - self.last_signed_event_id, 0)

    def describe(self) -> str:
        if not self.ok:
            return f"audit chain BROKEN at event {self.first_bad_event_id} ({self.damage}): " + (
                self.reason
            )
        signed = (
            f"{self.checkpoints_checked} signed checkpoints verified, up to event "
            f"{self.last_signed_event_id}"
            if self.checkpoints_checked
            else "no signed checkpoint yet"
        )
        head = self.head_hash[:16]
        text = f"audit chain OK: {self.events_checked} events, head {head}…; {signed}"
        return "; ".join((text, *self.notes))


def verify_links(
    links: Iterable[Link],
    *,
    first_seq: int = 1,
    first_prev_hash: str = GENESIS_HASH,
    watch: frozenset[int] = frozenset(),
    seen_hashes: dict[int, str] | None = None,
) -> ChainReport:
    """Check an ordered run of events: dense sequence numbers from ``first_seq``, each linked to
    the one before it, each matching its own hash. The hashes at the sequence numbers in
    ``watch`` are put in ``seen_hashes`` (for checkpoints)."""
    expected_prev = first_prev_hash
    expected = first_seq
    checked = 0
    offset = first_seq - 1
    for link in links:
        if link.seq != expected:
            return misplaced(link.seq, expected, checked, expected_prev, offset)
        if link.prev_hash != expected_prev:
            return broken(
                checked,
                expected_prev,
                link.seq,
                "relinked",
                "prev_hash does not match the hash of the event before it "
                "(an event before it was replaced, or one was inserted)",
                offset,
            )
        if link_hash(link.seq, link.prev_hash, link.body, link.format) != link.hash:
            return broken(
                checked,
                expected_prev,
                link.seq,
                "edited",
                "content does not match its hash (the event was altered)",
                offset,
            )
        if seen_hashes is not None and link.seq in watch:
            seen_hashes[link.seq] = link.hash
        expected_prev = link.hash
        expected += 1
        checked += 1
    return ChainReport(True, checked, expected_prev, first_seq_offset=offset)


def misplaced(seq: int, expected: int, checked: int, head: str, offset: int) -> ChainReport:
    """The report for event ``seq`` found where ``expected`` belongs. A bundle verifier, which
    can look ahead, turns a "deleted" into "reordered" when the event turns up later."""
    if seq < expected:
        return broken(
            checked,
            head,
            expected,
            "inserted",
            f"event {seq} appears again where event {expected} belongs "
            "(an event was inserted, duplicated or moved back)",
            offset,
        )
    return broken(
        checked,
        head,
        expected,
        "deleted",
        f"event {expected} is missing (the next event found is {seq})",
        offset,
    )


def broken(
    checked: int, head: str, seq: int | None, damage: Damage, reason: str, offset: int = 0
) -> ChainReport:
    return ChainReport(False, checked, head, seq, reason, damage, first_seq_offset=offset)


def trusted_keys(
    endorsements: Iterable[Endorsement], anchors: Mapping[str, Ed25519PublicKey]
) -> tuple[dict[str, Ed25519PublicKey], tuple[str, ...]]:
    """The anchors plus every key endorsed, directly or through others, by an anchor; and a
    note for each endorsement whose signature does not verify (such a key stays untrusted)."""
    trusted = dict(anchors)
    pending = [e for e in endorsements if e.fingerprint not in trusted]
    notes: list[str] = []
    grew = True
    while grew:
        grew = False
        for item in list(pending):
            signer = trusted.get(item.endorsed_by)
            if signer is None:
                continue
            pending.remove(item)
            if signature_valid(signer, item.signature, endorsement_message(item.fingerprint)):
                trusted[item.fingerprint] = item.public_key
                grew = True
            else:
                notes.append(f"key {item.fingerprint[:16]}…: its endorsement does not verify")
    return trusted, tuple(notes)


def verify_seals(
    report: ChainReport,
    seals: Iterable[Seal],
    hashes: Mapping[int, str],
    keys: Mapping[str, Ed25519PublicKey],
) -> ChainReport:
    """Check each checkpoint: signed by a trusted key, over a hash the chain still has. A
    checkpoint that fails locates the damage at or before its event, after the last good one."""
    if not report.ok:
        return report
    last_good = 0
    checked = 0
    signers: list[str] = []
    for seal in sorted(seals, key=lambda s: (s.last_event_id, s.id)):
        key = keys.get(seal.fingerprint)
        if key is None:
            return _seal_broken(
                report,
                seal,
                "unknown_key",
                f"checkpoint {seal.id} is signed by key {seal.fingerprint[:16]}…, which is not "
                "a trusted key (the chain may have been re-signed)",
            )
        message = checkpoint_message(seal.last_event_id, seal.last_hash)
        if not signature_valid(key, seal.signature, message):
            return _seal_broken(
                report, seal, "bad_signature", f"checkpoint {seal.id}'s signature does not verify"
            )
        found = hashes.get(seal.last_event_id)
        if found is None and seal.last_event_id > report.last_event_id:
            return ChainReport(
                False,
                report.events_checked,
                report.head_hash,
                report.last_event_id + 1,
                f"checkpoint {seal.id} signed event {seal.last_event_id}, but the log ends at "
                f"event {report.last_event_id}: events were cut off its end",
                "truncated",
                first_seq_offset=report.first_seq_offset,
            )
        if found is None:
            continue  # before the events checked (an export of a range)
        if found != seal.last_hash:
            return _seal_broken(
                report,
                seal,
                "rewritten",
                f"checkpoint {seal.id} signed a hash event {seal.last_event_id} no longer has: "
                f"an event after {last_good} and up to {seal.last_event_id} was rewritten",
            )
        last_good = max(last_good, seal.last_event_id)
        checked += 1
        if seal.fingerprint not in signers:
            signers.append(seal.fingerprint)
    return ChainReport(
        True,
        report.events_checked,
        report.head_hash,
        checkpoints_checked=checked,
        last_signed_event_id=last_good,
        signers=tuple(signers),
        notes=report.notes,
        first_seq_offset=report.first_seq_offset,
    )


def _seal_broken(report: ChainReport, seal: Seal, damage: Damage, reason: str) -> ChainReport:
    return ChainReport(
        False,
        report.events_checked,
        report.head_hash,
        seal.last_event_id,
        reason,
        damage,
        first_seq_offset=report.first_seq_offset,
    )
