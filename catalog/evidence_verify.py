"""Verify an evidence bundle (``catalog.evidence``) with nothing but its files and, to pin the
signer, the public keys the auditor trusts.

Checks, in the order that locates damage best:

1. every line of ``events.ndjson``: sequence numbers dense from the manifest's first, each
   ``prev_hash`` the hash of the line before (the manifest's ``first_prev_hash`` for the first),
   each hash re-derived from the line's own bytes — the first bad line is named, with the kind of
   damage (edited, deleted, inserted, reordered);
2. the events against the manifest's range: fewer is ``truncated``, more ``inserted``;
3. every checkpoint: signed by a trusted key over a hash the events still have;
4. the manifest's own signature (it signs the head, so it catches a cut-short tail) and each
   file's SHA-256; the Parquet copy must hold the same sequence and hashes as the NDJSON.

Trust: the keys given (``--trust``) and every key they endorsed (``keys.json``). Without any,
the bundle's first key is used and the report says the signer was not pinned.

The event loop is written out on bytes rather than through ``catalog.audit_chain.verify_links``
(which it mirrors check for check): slicing each line instead of building an object per event
is what lets a million events verify in about a second.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from catalog.audit_chain import (
    ChainReport,
    Endorsement,
    Seal,
    broken,
    load_public_pem,
    misplaced,
    signature_valid,
    trusted_keys,
    verify_seals,
)
from catalog.evidence import manifest_message

__all__ = ["verify_bundle"]

_V2 = b"zhongtai-audit/2\n"
_FORMAT = b',"format":'
_PREV = b',"prev_hash":"'
_HASH = b'","hash":"'
_EVENT = b'","event":'


def _bad(reason: str, seq: int | None = None) -> ChainReport:
    return broken(0, "", seq, "bad_bundle", reason)


def _load_json(folder: Path, name: str) -> Any:
    try:
        return json.loads((folder / name).read_text("utf-8"))
    except FileNotFoundError as exc:
        raise _Invalid(f"{name} is missing from the bundle") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Invalid(f"{name} is not valid JSON: {exc}") from exc


class _Invalid(Exception):
    pass


def verify_bundle(
    folder: Path, trust: Mapping[str, Ed25519PublicKey] | None = None
) -> ChainReport:
    """Verify the bundle in ``folder``; ``trust`` maps fingerprints to trusted public keys."""
    try:
        manifest = _load_json(folder, "manifest.json")
        span = manifest["range"]
        first, last = int(span["first_event_id"]), int(span["last_event_id"])
        first_prev, head = str(span["first_prev_hash"]), str(span["head_hash"])
        seals = [
            Seal(
                int(c["id"]),
                int(c["last_event_id"]),
                str(c["last_hash"]),
                str(c["public_key_fingerprint"]),
                str(c["signature"]),
            )
            for c in _load_json(folder, "checkpoints.json")
        ]
        endorsements = [
            Endorsement(
                load_public_pem(str(k["public_key_pem"]).encode("ascii")),
                str(k.get("endorsed_by", "")),
                str(k.get("signature", "")),
            )
            for k in _load_json(folder, "keys.json")
        ]
    except _Invalid as exc:
        return _bad(str(exc))
    except (KeyError, TypeError, ValueError) as exc:
        return _bad(f"the manifest, checkpoints or keys are malformed: {exc!r}")
    watch = frozenset(s.last_event_id for s in seals)
    hashes: dict[int, str] = {}
    chain = hashlib.sha256()
    try:
        report = _verify_lines(folder / "events.ndjson", first, first_prev, watch, hashes, chain)
    except FileNotFoundError:
        return _bad("events.ndjson is missing from the bundle")
    if not report.ok:
        return report
    if report.last_event_id != last or report.head_hash != head:
        return _against_range(report, last)
    notes: list[str] = []
    anchors = dict(trust or {})
    if not anchors and endorsements:
        anchors = {endorsements[0].fingerprint: endorsements[0].public_key}
        notes.append("signer NOT pinned (no --trust key given): the bundle's first key was used")
    keys, key_notes = trusted_keys(endorsements, anchors)
    notes.extend(key_notes)
    report = verify_seals(report, seals, hashes, keys)
    if not report.ok:
        return report
    problem = _manifest_problem(folder, manifest, keys) or _parquet_problem(
        folder / "events.parquet", report, chain
    )
    if problem is not None:
        return broken(report.events_checked, report.head_hash, None, *problem)
    return ChainReport(
        True,
        report.events_checked,
        report.head_hash,
        checkpoints_checked=report.checkpoints_checked,
        last_signed_event_id=last,  # the signed manifest vouches for the head
        signers=report.signers,
        notes=tuple(notes),
        first_seq_offset=report.first_seq_offset,
    )


def _verify_lines(
    path: Path,
    first: int,
    first_prev: str,
    watch: frozenset[int],
    hashes: dict[int, str],
    chain: Any,
) -> ChainReport:
    expected = first
    prev = first_prev.encode()
    offset = first - 1
    sha256 = hashlib.sha256
    with open(path, "rb") as handle:
        for raw in handle:
            line = raw[:-1] if raw.endswith(b"\n") else raw
            comma = line.find(b",", 7)
            parsed = _slices(line, comma)
            if parsed is None:
                return broken(
                    expected - first,
                    prev.decode(),
                    expected,
                    "edited",
                    f"the line where event {expected} belongs is not an event line",
                    offset,
                )
            seq, fmt, prev_hash, hash_, body = parsed
            if seq != expected:
                report = misplaced(seq, expected, expected - first, prev.decode(), offset)
                return _moved(report, path, expected) if seq > expected else report
            if prev_hash != prev:
                return broken(
                    expected - first,
                    prev.decode(),
                    seq,
                    "relinked",
                    "prev_hash does not match the hash of the event before it "
                    "(an event before it was replaced, or one was inserted)",
                    offset,
                )
            if fmt == 2:
                digest = sha256(b"".join((_V2, line[7:comma], b"\n", prev_hash, b"\n", body)))
            else:
                digest = sha256(b"".join((prev_hash, b"\n", body)))
            if digest.hexdigest().encode() != hash_:
                return broken(
                    expected - first,
                    prev.decode(),
                    seq,
                    "edited",
                    "content does not match its hash (the event was altered)",
                    offset,
                )
            if seq in watch:
                hashes[seq] = hash_.decode()
            chain.update(hash_)
            prev = hash_
            expected += 1
    return ChainReport(True, expected - first, prev.decode(), first_seq_offset=offset)


def _slices(line: bytes, comma: int) -> tuple[int, int, bytes, bytes, bytes] | None:
    """(seq, format, prev_hash, hash, body) of a well-formed line, else ``None``."""
    if comma < 8 or not line.startswith(b'{"seq":') or not line.endswith(b"}"):
        return None
    i = comma
    if (
        line[i : i + 10] != _FORMAT
        or line[i + 11 : i + 25] != _PREV
        or line[i + 89 : i + 99] != _HASH
        or line[i + 163 : i + 173] != _EVENT
    ):
        return None
    digits = line[7:i]
    fmt = line[i + 10] - 48
    if not digits.isdigit() or fmt not in (1, 2):
        return None
    return int(digits), fmt, line[i + 25 : i + 89], line[i + 99 : i + 163], line[i + 173 : -1]


def _moved(report: ChainReport, path: Path, expected: int) -> ChainReport:
    """A missing event that turns up later in the file was moved, not deleted."""
    with open(path, "rb") as handle:
        for raw in handle:
            parsed = _slices(raw.rstrip(b"\n"), raw.find(b",", 7))
            if parsed is not None and parsed[0] == expected:
                return broken(
                    report.events_checked,
                    report.head_hash,
                    expected,
                    "reordered",
                    f"event {expected} is out of place: it comes later in the file",
                    report.first_seq_offset,
                )
    return report


def _against_range(report: ChainReport, last: int) -> ChainReport:
    got = report.last_event_id
    if got < last:
        return broken(
            report.events_checked,
            report.head_hash,
            got + 1,
            "truncated",
            f"the events stop at {got}; the signed manifest says they run to {last}",
            report.first_seq_offset,
        )
    if got > last:
        return broken(
            report.events_checked,
            report.head_hash,
            last + 1,
            "inserted",
            f"events run past {last}, where the signed manifest says they end",
            report.first_seq_offset,
        )
    return broken(
        report.events_checked,
        report.head_hash,
        last,
        "rewritten",
        "the head hash differs from the one the manifest signed",
        report.first_seq_offset,
    )


def _manifest_problem(
    folder: Path, manifest: dict[str, Any], keys: Mapping[str, Ed25519PublicKey]
) -> tuple[Any, str] | None:
    signer = str(manifest.get("signer", ""))
    key = keys.get(signer)
    if key is None:
        return "unknown_key", f"the manifest is signed by key {signer[:16]}…, which is not trusted"
    if not signature_valid(key, str(manifest.get("signature", "")), manifest_message(manifest)):
        return "bad_signature", "manifest.json's signature does not verify (it was edited)"
    for name, expected in dict(manifest.get("files", {})).items():
        if "/" in name or name.startswith("."):
            return "bad_bundle", f"the manifest names a file outside the bundle: {name!r}"
        path = folder / name
        if not path.is_file():
            return "bad_bundle", f"{name} is missing from the bundle"
        if _sha256(path) != expected.get("sha256"):
            return "edited", f"{name} does not match the SHA-256 the manifest signed"
    return None


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def _parquet_problem(parquet: Path, report: ChainReport, chain: Any) -> tuple[Any, str] | None:
    """The Parquet copy holds the same events, in the same order, with the same hashes."""
    table = pq.read_table(parquet, columns=["seq", "hash"])
    seqs = table.column("seq").to_pylist()
    first = report.first_seq_offset + 1
    if seqs != list(range(first, first + report.events_checked)):
        return "edited", "events.parquet does not hold the same events as events.ndjson"
    copy = hashlib.sha256("".join(table.column("hash").to_pylist()).encode("ascii"))
    if copy.digest() != chain.digest():
        return "edited", "events.parquet's hashes differ from events.ndjson's"
    return None
