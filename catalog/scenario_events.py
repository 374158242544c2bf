"""The audited acts of scenario requests (应用场景, ``catalog.scenarios``), one small frozen
dataclass each. Filing writes one :class:`ScenarioFiled` after each member's own
``request.filed``; a joined read writes one ``data.read`` per member (as an ordinary read is
audited, with the rows that member contributed) and then one :class:`ScenarioRead` naming the
scenario and every member; a read refused for a member's sake writes :class:`ScenarioReadRefused`
after that member's ``data.read_refused``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from catalog.events import AuditedEvent
from catalog.models import AuditOutcome

__all__ = ["ScenarioFiled", "ScenarioRead", "ScenarioReadRefused"]


@dataclass(frozen=True, kw_only=True)
class ScenarioFiled(AuditedEvent):
    """A scenario request (应用场景) was filed: one purpose and duty, its member requests."""

    action: ClassVar[str] = "scenario.filed"
    resource: str
    """``scenario:ID``."""
    title: str
    purpose: str
    legal_basis: str
    join_field: str
    anchor_dataset: str
    """The requester's own dataset in the scenario (read as its owner), or empty."""
    request_ids: tuple[int, ...]
    datasets: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ScenarioRead(AuditedEvent):
    """A scenario's joined view left the platform: which member grants it went through, the
    columns sent, and a hash of exactly the bytes sent (each member's own ``data.read`` precedes
    it)."""

    action: ClassVar[str] = "scenario.read"
    resource: str
    purpose: str
    datasets: tuple[str, ...]
    grant_ids: tuple[int, ...]
    member_events: tuple[int, ...]
    """The sequence numbers of the members' ``data.read`` events."""
    left_out: tuple[str, ...]
    """Members that contribute nothing (refused, withdrawn, or granted without the join field)."""
    columns: tuple[str, ...]
    masked_columns: tuple[str, ...]
    row_count: int
    bytes_sent: int
    content_sha256: str


@dataclass(frozen=True, kw_only=True)
class ScenarioReadRefused(AuditedEvent):
    """A scenario read was refused because one member's read was (revoked, expired, quota, a
    filter on a masked field …); nothing was sent."""

    action: ClassVar[str] = "scenario.read_refused"
    outcome: AuditOutcome = AuditOutcome.REFUSED
    resource: str
    member_dataset: str
    code: str
    reason: str
