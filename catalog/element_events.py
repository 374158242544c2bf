"""The audit events of the data-element registry: an element or a code list added to the catalog.

Kept beside ``catalog.events`` (same base, written only through ``catalog.audit.record``) by
``catalog.elements``. An admin's addition and the platform's seed from the shipped files are the
same events, told apart by ``origin``; a refused addition is the access decision's
``act.refused``, and a shipped file that differs from what the catalog holds is
:class:`ElementSeedRefused`, so no change is ever made, or declined, silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from catalog.events import AuditedEvent

__all__ = ["CodeListAdded", "ElementAdded", "ElementSeedRefused"]


@dataclass(frozen=True, kw_only=True)
class ElementAdded(AuditedEvent):
    """A data element (数据元) entered the catalog, whole: its check, params and type are what
    the quality engine will run for every field bound to it from now on."""

    action: ClassVar[str] = "element.added"
    resource: str
    """``element:<code>``."""
    code: str
    check: str
    standard: str
    version: str
    origin: str
    """``admin`` (added by an administrator) or ``shipped`` (seeded from ``schemas/elements``)."""
    definition_sha256: str
    """SHA-256 of the canonical JSON of the definition stored."""


@dataclass(frozen=True, kw_only=True)
class CodeListAdded(AuditedEvent):
    """A code list (代码表) entered the catalog with all its entries; element checks naming it
    read exactly these codes."""

    action: ClassVar[str] = "code_list.added"
    resource: str
    """``code_list:<name>``."""
    name: str
    title: str
    standard: str
    version: str
    entries: int
    origin: str
    """``admin`` (uploaded) or ``shipped`` (seeded from ``schemas/codes``)."""
    file_sha256: str
    """SHA-256 of the file as received."""


@dataclass(frozen=True, kw_only=True)
class ElementSeedRefused(AuditedEvent):
    """A shipped element or code-list file differs from what the catalog already holds under its
    name: the catalog's definition is kept (never overwritten by a file), and this says so. An
    administrator adds the new definition under a new name (``sex_2024``)."""

    action: ClassVar[str] = "element.seed_refused"
    resource: str
    """``element:<code>`` or ``code_list:<name>``."""
    stored_sha256: str
    shipped_sha256: str
