"""The rule of ``catalog.export``: who may take the whole catalog away as a spreadsheet.

The spreadsheet (``catalog.catalog_exports``) holds every entry's metadata — not-shared and
not-open entries included, with their legal basis, fields, data elements and personal flags — but
never a row of data. That is exactly what ``dataset.view`` already shows any authenticated account
entry by entry (a department must be able to find what it may ask for, and see why something is
not shared), so the export is open to the same people: every account holding a platform role, of
any department, and the platform itself (a scheduled publication to the national catalog). An
account with no role is refused. What makes the export different from browsing is that a copy now
exists outside the platform, so every export is recorded (``catalog.exported``, with the SHA-256
of the file sent) and a refusal is recorded as any other.

The public DCAT-AP catalog needs no decision about an actor: it holds only what the entries' open
type already declares public (``catalog.dcat``).
``catalog.policy`` registers the rule; the same ``authorize`` decides it.
"""

from __future__ import annotations

from catalog.principals import Principal
from catalog.read_plan import Refusal
from catalog.resources import Platform

__all__ = ["catalog_export"]


def catalog_export(actor: Principal, platform: Platform) -> Refusal | None:
    if actor.is_system or actor.roles:
        return None
    return Refusal(
        "catalog.export_not_allowed", "exporting the catalog needs an account with a platform role"
    )
