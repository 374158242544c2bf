"""Opaque page cursors for keyset paging, sealed: they can be neither read, forged nor edited.

A cursor says where a page ended — a DuckLake row id (``query``), or a snapshot and a row id
(``changes``) — and which read it continues (:class:`CursorScope`): the kind of read, the dataset,
the grant (or the owner's department), the snapshot(s) it reads, the SHA-256 of its conditions (the
grant's row filter and the client's filters, as the decision planned them) and whether its order
is the primary key or the hidden, keyed order. It never holds a value of a row: the next page finds
the last row's key through its row id inside SQL (``lakehouse.read``), so a masked key cannot leak
through a cursor, and a caller learns nothing from it but a row id.

The token is ``base64url(nonce ‖ ciphertext) "." base64url(tag)``: the JSON body sealed with
AES-256-GCM under a key derived from the server secret (``Settings.secret_key``). Sealed, not only
signed: even the row id — which is the row's place in the publisher's file, an order the hidden
ordering exists to keep from a grantee — cannot be read out of a cursor. A cursor edited, forged,
or presented for another read (another grant, dataset, filter, order or kind) is refused with
``cursor.invalid`` before it is used. The
snapshot it carries pins the read to the snapshot the first page saw, so paging stays consistent
while new batches are published.

**The nonce is synthetic (SIV-style), not random**: ``nonce = HMAC-SHA256(K_n, payload)[:12]``,
where ``K_n = HMAC-SHA256(cursor key, "zhongtai/cursor/nonce/v1")`` is used for nothing else. So
the same cursor always seals to the same token, and a page's body — which carries its ``next``
token, and whose SHA-256 the audit log keeps — can be rebuilt byte for byte months later
(``lakehouse.reproduce``) from the recorded plan and the server keys. Why this keeps the cursor's
secrecy:

- GCM needs a nonce never to repeat *for different plaintexts* under one key. A nonce that is a
  PRF of the plaintext repeats only when the plaintext does (or by a 96-bit PRF collision, the same
  birthday bound as a random nonce), and sealing the same plaintext twice under the same nonce
  gives the same ciphertext and tag: nothing an attacker can combine (no keystream or GHASH-key
  recovery, which need two *different* messages under one nonce).
- What a deterministic token tells its holder is only that two tokens are equal, i.e. the same
  read (scope: kind, dataset, grant, department, conditions, order) ended at the same row of the
  same snapshot — which the holder already knows from the pages themselves: within one scope the
  order is fixed, so a row's position in it is what the offset and limit say.
- The nonce, sent in the clear as before, is a PRF output under a key used for nothing else: it
  says nothing about the payload.

The alternatives were weaker for an auditor: recording a rows-only digest beside the body's would
leave the bytes actually sent unreproducible, and recording the random nonce would make a replay
of a *changed* plaintext reuse it. AES-GCM-SIV (RFC 8452) would do as well, but would change the
token format and refuse the random-nonce tokens in flight; tokens sealed with a random nonce still
open here (the nonce is read from the token, never recomputed on decode).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from catalog.conditions import Condition
from catalog.errors import InvalidInput

__all__ = [
    "MAX_CURSOR_CHARS",
    "Cursor",
    "CursorScope",
    "conditions_digest",
    "cursor_key",
    "decode",
    "encode",
    "seal",
]

MAX_CURSOR_CHARS = 1024
_NONCE, _TAG = 12, 16
_CONTEXT = b"zhongtai/cursor/v1"
_NONCE_CONTEXT = b"zhongtai/cursor/nonce/v1"
_VERSION = 1

CursorKind = Literal["query", "changes"]
OrderKind = Literal["key", "hidden"]


@dataclass(frozen=True, slots=True)
class CursorScope:
    """The read a cursor continues; a cursor is accepted only for the very same read."""

    kind: CursorKind
    dataset: str
    grant_id: int | None
    department_id: int
    filters_sha256: str
    order: OrderKind


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ended: ``snapshots`` read (query: one; changes: from and to) and ``position``
    (query: the last row id; changes: the last change's snapshot and row id)."""

    scope: CursorScope
    snapshots: tuple[int, ...]
    position: tuple[int, ...]


def cursor_key(secret: str) -> bytes:
    """The cursor key (AES-256): HMAC-SHA256(server secret, context)."""
    return hmac.new(secret.encode("utf-8"), _CONTEXT, hashlib.sha256).digest()


def conditions_digest(conditions: tuple[Condition, ...]) -> str:
    """SHA-256 of the planned conditions (grant row filter first, then the client's)."""
    text = json.dumps(
        [c.to_json() for c in conditions], sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(payload: bytes, key: bytes) -> str:
    """``payload`` encrypted and authenticated (AES-256-GCM), under the synthetic nonce
    HMAC-SHA256(nonce key, payload)[:12] (see the module docstring): deterministic."""
    nonce_key = hmac.new(key, _NONCE_CONTEXT, hashlib.sha256).digest()
    nonce = hmac.new(nonce_key, payload, hashlib.sha256).digest()[:_NONCE]
    sealed = AESGCM(key).encrypt(nonce, payload, _CONTEXT)
    return f"{_b64(nonce + sealed[:-_TAG])}.{_b64(sealed[-_TAG:])}"


def _open(body: bytes, tag: bytes, key: bytes) -> bytes:
    if len(body) < _NONCE or len(tag) != _TAG:
        raise _invalid("malformed")
    try:
        return AESGCM(key).decrypt(body[:_NONCE], body[_NONCE:] + tag, _CONTEXT)
    except InvalidTag:
        raise _invalid("bad signature") from None


def encode(cursor: Cursor, key: bytes) -> str:
    """The sealed token of ``cursor``."""
    scope = cursor.scope
    body: dict[str, Any] = {
        "v": _VERSION,
        "k": scope.kind,
        "d": scope.dataset,
        "g": scope.grant_id,
        "a": scope.department_id,
        "f": scope.filters_sha256,
        "o": scope.order,
        "s": list(cursor.snapshots),
        "p": list(cursor.position),
    }
    payload = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    return seal(payload, key)


def _invalid(reason: str) -> InvalidInput:
    return InvalidInput(f"the cursor is not valid for this read: {reason}", code="cursor.invalid")


def decode(token: str, key: bytes, scope: CursorScope) -> Cursor:
    """The cursor in ``token`` if it is authentic and continues ``scope``; else ``cursor.invalid``.

    The token is authenticated (AES-GCM's tag) before anything in it is parsed.
    """
    if (
        not isinstance(token, str)
        or not 0 < len(token) <= MAX_CURSOR_CHARS
        or token.count(".") != 1
    ):
        raise _invalid("malformed")
    encoded_body, encoded_tag = token.split(".")
    try:
        sealed, tag = _unb64(encoded_body), _unb64(encoded_tag)
    except (binascii.Error, ValueError):
        raise _invalid("malformed") from None
    payload = _open(sealed, tag, key)
    try:
        body = json.loads(payload)
        if body.get("v") != _VERSION:
            raise _invalid("unknown version")
        found = CursorScope(
            kind=body["k"],
            dataset=body["d"],
            grant_id=body["g"],
            department_id=body["a"],
            filters_sha256=body["f"],
            order=body["o"],
        )
        snapshots = tuple(int(s) for s in body["s"])
        position = tuple(int(p) for p in body["p"])
    except (AttributeError, KeyError, TypeError, ValueError):
        raise _invalid("malformed") from None
    if found != scope:
        raise _invalid("it belongs to another read (dataset, grant, filters or order differ)")
    return Cursor(scope=found, snapshots=snapshots, position=position)
