"""The audited acts of the negative list (负面清单), one small frozen dataclass each.

Written only through ``catalog.audit.record``, like every event in ``catalog.events``. A refusal
because of the list is an ``access.refused`` or ``data.read_refused`` event like any other refusal,
its code ``negative_list.dataset`` or ``negative_list.field``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from catalog.events import AuditedEvent

__all__ = ["NegativeListed", "NegativeLifted"]


@dataclass(frozen=True, kw_only=True)
class NegativeListed(AuditedEvent):
    """A dataset, or one of its fields, was put on the negative list: it may not be shared."""

    action: ClassVar[str] = "negative_list.added"
    resource: str
    """``negative_list:<entry id>``."""
    field: str
    """The listed field; empty when the whole dataset is listed."""
    legal_basis: str
    review_date: str


@dataclass(frozen=True, kw_only=True)
class NegativeLifted(AuditedEvent):
    """A negative-list entry was lifted, with the reason: the dataset or field may be shared
    again under its grants."""

    action: ClassVar[str] = "negative_list.lifted"
    resource: str
    field: str
    reason: str
