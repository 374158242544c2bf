"""Sending a spooled file: the one loop every download uses (a bulk extract, a replayed read, an
evidence bundle)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["CHUNK_BYTES", "file_chunks"]

CHUNK_BYTES = 1 << 20


def file_chunks(path: Path, discard: Callable[[], None]) -> Iterator[bytes]:
    """``path`` in chunks; ``discard`` runs once it was sent, or when the client went away (the
    generator is closed), so no spooled file outlives its response."""
    try:
        with path.open("rb") as source:
            while chunk := source.read(CHUNK_BYTES):
                yield chunk
    finally:
        discard()
