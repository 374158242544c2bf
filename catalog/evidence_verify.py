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
import os
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
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
from catalog.evidence import file_sha256, manifest_message

__all__ = ["verify_bundle"]

_V2_HEAD = b',"format":2,"prev_hash":"'
_V1_HEAD = b',"format":1,"prev_hash":"'
_HASH_KEY = b',"hash":"'
_BLOCK = 8 << 20
_PARALLEL_BYTES = 32 << 20
"""Files this large are checked in parallel stretches, one process a core (at most four)."""
_MAX_WORKERS = 4


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


def verify_bundle(folder: Path, trust: Mapping[str, Ed25519PublicKey] | None = None) -> ChainReport:
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
    digests: list[tuple[int, int, bytes]] = []
    try:
        report = _verify_lines(folder / "events.ndjson", first, first_prev, watch, hashes, digests)
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
        folder / "events.parquet", report, digests
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


@dataclass(frozen=True, slots=True)
class _Chunk:
    """What one stretch of ``events.ndjson`` says about itself (checked within, not yet against
    its neighbours)."""

    count: int
    first_seq: int
    first_prev: bytes
    last_hash: bytes
    watched: dict[int, str]
    digest: bytes
    """SHA-256 over the chunk's event hashes, in order (to compare with the Parquet copy)."""
    failure: tuple[int, str, str, int] | None = None
    """(sequence number where it broke, damage, reason, sequence number found there)."""


def _workers() -> int:
    return min(os.cpu_count() or 1, _MAX_WORKERS)


def _chunks(path: Path, parts: int) -> list[tuple[int, int]]:
    """``parts`` byte ranges of ``path`` that start and end on line boundaries."""
    size = path.stat().st_size
    bounds = [0]
    with open(path, "rb") as handle:
        for k in range(1, parts):
            handle.seek(max(size * k // parts, bounds[-1]))
            handle.readline()
            bounds.append(min(handle.tell(), size))
    bounds.append(size)
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def _lines(path: Path, start: int, end: int) -> Iterator[bytes]:
    """The lines in [start, end), without their newlines, read a block at a time."""
    with open(path, "rb") as handle:
        handle.seek(start)
        left = end - start
        carry = b""
        while left > 0:
            block = handle.read(min(_BLOCK, left))
            if not block:
                break
            left -= len(block)
            lines = (carry + block).split(b"\n")
            carry = lines.pop()
            yield from lines
        if carry:
            yield carry


def _check_chunk(path: Path, start: int, end: int, watch: frozenset[int]) -> _Chunk:
    """Every line of one stretch: dense sequence numbers, links, hashes. Written out on bytes
    (no object per event): this loop is what a million events cost."""
    sha256 = hashlib.sha256
    chain = sha256()
    watched: dict[int, str] = {}
    expected = first_seq = 0
    prev = first_prev = b""
    count = 0
    for line in _lines(path, start, end):
        comma = line.find(b",", 7)
        if line[comma : comma + 25] == _V2_HEAD and line[-75:-66] == _HASH_KEY:
            hash_ = line[-66:-2]
            digest = sha256(line[:-75]).hexdigest().encode()
        else:
            parsed = _legacy(line, comma)
            if parsed is None:
                first_seq = first_seq if count else -1
                failure = (expected, "edited", "the line is not an event line", -1)
                return _Chunk(count, first_seq, first_prev, prev, watched, chain.digest(), failure)
            hash_, digest = parsed
        try:
            seq = int(line[7:comma])
        except ValueError:
            seq = -1
        line_prev = line[comma + 25 : comma + 89]
        if count == 0:
            expected, first_seq, first_prev = seq, seq, line_prev
        if seq != expected:
            failure = (expected, "misplaced", "", seq)
            return _Chunk(count, first_seq, first_prev, prev, watched, chain.digest(), failure)
        elif count and line_prev != prev:
            reason = (
                "prev_hash does not match the hash of the event before it "
                "(an event before it was replaced, or one was inserted)"
            )
            failure = (seq, "relinked", reason, seq)
            return _Chunk(count, first_seq, first_prev, prev, watched, chain.digest(), failure)
        if digest != hash_ or line[:7] != b'{"seq":' or line[-2:] != b'"}':
            reason = "content does not match its hash (the event was altered)"
            failure = (seq, "edited", reason, seq)
            return _Chunk(count, first_seq, first_prev, prev, watched, chain.digest(), failure)
        if seq in watch:
            watched[seq] = hash_.decode()
        chain.update(hash_)
        prev = hash_
        expected += 1
        count += 1
    return _Chunk(count, first_seq, first_prev, prev, watched, chain.digest())


def _legacy(line: bytes, comma: int) -> tuple[bytes, bytes] | None:
    """(stated hash, re-derived hash) of a format-1 line, or ``None`` for a line that is not
    an event line at all."""
    if line[comma : comma + 25] != _V1_HEAD or line[-75:-66] != _HASH_KEY:
        return None
    prev, body = line[comma + 25 : comma + 89], line[comma + 99 : -75]
    return line[-66:-2], hashlib.sha256(prev + b"\n" + body).hexdigest().encode()


def _verify_lines(
    path: Path,
    first: int,
    first_prev: str,
    watch: frozenset[int],
    hashes: dict[int, str],
    digests: list[tuple[int, int, bytes]],
) -> ChainReport:
    """All lines, in parallel stretches on a large file, stitched at the seams; ``digests``
    gets (first seq, count, SHA-256 of the hashes) for each stretch."""
    offset = first - 1
    size = path.stat().st_size
    parts = _workers() if size >= _PARALLEL_BYTES else 1
    ranges = _chunks(path, parts)
    if len(ranges) > 1:
        with ProcessPoolExecutor(len(ranges), mp_context=get_context("fork")) as pool:
            futures = [pool.submit(_check_chunk, path, a, b, watch) for a, b in ranges]
            chunks = [future.result() for future in futures]
    else:
        chunks = [_check_chunk(path, a, b, watch) for a, b in ranges]
    expected, prev, checked = first, first_prev.encode(), 0
    for chunk in chunks:
        if chunk.count == 0 and chunk.failure is None:
            continue  # an empty stretch
        if chunk.first_seq == -1:  # its first line is not an event line
            reason = f"the line where event {expected} belongs is not an event line"
            return broken(checked, prev.decode(), expected, "edited", reason, offset)
        seam = _seam(chunk, expected, prev, checked, offset, path)
        if seam is not None:
            return seam
        if chunk.failure is not None:
            return _failure(chunk.failure, checked + chunk.count, prev, offset, path, chunk)
        hashes.update(chunk.watched)
        digests.append((chunk.first_seq, chunk.count, chunk.digest))
        expected += chunk.count
        checked += chunk.count
        prev = chunk.last_hash
    return ChainReport(True, checked, prev.decode(), first_seq_offset=offset)


def _seam(
    chunk: _Chunk, expected: int, prev: bytes, checked: int, offset: int, path: Path
) -> ChainReport | None:
    """The first line of a stretch against the last line of the one before."""
    if chunk.first_seq != expected:
        return _located(misplaced(chunk.first_seq, expected, checked, prev.decode(), offset), path)
    if chunk.first_prev != prev:
        return broken(
            checked,
            prev.decode(),
            expected,
            "relinked",
            "prev_hash does not match the hash of the event before it "
            "(an event before it was replaced, or one was inserted)",
            offset,
        )
    return None


def _failure(
    failure: tuple[int, str, str, int],
    checked: int,
    prev: bytes,
    offset: int,
    path: Path,
    chunk: _Chunk,
) -> ChainReport:
    seq, damage, reason, found = failure
    head = chunk.last_hash.decode() if chunk.count else prev.decode()
    if damage == "misplaced":
        return _located(misplaced(found, seq, checked, head, offset), path)
    return broken(checked, head, seq, damage, reason, offset)  # type: ignore[arg-type]


def _located(report: ChainReport, path: Path) -> ChainReport:
    """A missing event that turns up later in the file was moved, not deleted."""
    expected = report.first_bad_event_id
    if report.damage != "deleted" or expected is None:
        return report
    wanted = b'{"seq":%d,' % expected
    for line in _lines(path, 0, path.stat().st_size):
        if line.startswith(wanted):
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
        if file_sha256(path) != expected.get("sha256"):
            return "edited", f"{name} does not match the SHA-256 the manifest signed"
    return None


def _parquet_problem(
    parquet: Path, report: ChainReport, digests: list[tuple[int, int, bytes]]
) -> tuple[Any, str] | None:
    """The Parquet copy holds the same events, in the same order, with the same hashes."""
    table = pq.read_table(parquet, columns=["seq", "hash"])
    first = report.first_seq_offset + 1
    seqs = table.column("seq")
    if len(seqs) != report.events_checked or (
        len(seqs) and (seqs[0].as_py() != first or pc.max(seqs).as_py() != report.last_event_id)
    ):
        return "edited", "events.parquet does not hold the same events as events.ndjson"
    if not pc.all(pc.equal(pc.subtract(seqs.slice(1), seqs.slice(0, len(seqs) - 1)), 1)).as_py():
        if len(seqs) > 1:
            return "edited", "events.parquet holds its events out of order"
    column = table.column("hash")
    for start_seq, count, digest in digests:
        part = column.slice(start_seq - first, count).to_pylist()
        if hashlib.sha256("".join(part).encode("ascii")).digest() != digest:
            return "edited", "events.parquet's hashes differ from events.ndjson's"
    return None
