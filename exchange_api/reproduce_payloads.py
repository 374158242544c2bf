"""HTTP bodies of a replayed read (``POST /api/v1/audit/events/{id}/reproduce``): what an
auditor is told. Never the rows themselves — those come from ``…/reproduce/content``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from lakehouse.reproduce import Reproduction

__all__ = ["DigestOut", "ReproductionOut", "reproduction_out"]

Verdict = Literal["match", "mismatch", "unordered"]


class DigestOut(BaseModel):
    """What was sent (``recorded``, from the audit event) or rebuilt (``replayed``)."""

    sha256: str = Field(description="SHA-256 of the bytes, hex")
    rows: int
    bytes: int


class ReproductionOut(BaseModel):
    """A replay of an audited read against its recorded snapshot, and its own audit event."""

    event_id: int = Field(description="The audit event replayed")
    action: str = Field(description="What it recorded: data.read, data.bulk_delivered, …")
    dataset: str
    grant_id: int | None
    snapshot_id: int | None = Field(description="The snapshot read (changes: the last one)")
    verdict: Verdict = Field(
        description="match: same SHA-256; mismatch: other bytes; unordered: an extract written "
        "in thread order, whose rows were replayed but whose byte order cannot be"
    )
    match: bool
    event_intact: bool = Field(description="The replayed event still matches its chain hash")
    media_type: str
    recorded: DigestOut
    replayed: DigestOut
    audit_event: int = Field(description="The audit.read_reproduced event of this replay")


def reproduction_out(done: Reproduction) -> ReproductionOut:
    r = done.replayed
    return ReproductionOut(
        event_id=done.event_id,
        action=done.action,
        dataset=r.dataset,
        grant_id=done.grant_id,
        snapshot_id=r.snapshot_id,
        verdict=r.verdict,
        match=done.match,
        event_intact=done.event_intact,
        media_type=r.media_type,
        recorded=DigestOut(sha256=r.recorded_sha256, rows=r.recorded_rows, bytes=r.recorded_bytes),
        replayed=DigestOut(sha256=r.replayed_sha256, rows=r.replayed_rows, bytes=r.replayed_bytes),
        audit_event=done.audit_event_id,
    )
