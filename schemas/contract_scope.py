"""The row-scoping keys of a dataset contract, for :mod:`schemas.loader`.

``region_field`` (数据回流) names a field of the ``admin_division`` element: a grant to a
department outside the owner's division sees only its own division's rows (``catalog.regions``).
``handler_field`` (民呼我为) names a text field, not personal, holding the code of the department
that handles a row: that department alone sees the row's personal fields unmasked
(``catalog.read_plan``). Both are optional; a key naming a missing or unfit field is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemas.contract_text import ContractError

if TYPE_CHECKING:
    from schemas.loader import FieldSpec

__all__ = ["REGION_ELEMENT", "handler_field_of", "region_field_of"]

REGION_ELEMENT = "admin_division"


def _named_field(
    data: dict[str, Any], key: str, fields: Sequence[FieldSpec], path: Path
) -> FieldSpec | None:
    """The field a top-level ``key`` names (None when the key is absent)."""
    name = data.get(key)
    if name is None:
        return None
    spec = next((f for f in fields if f.name == name), None)
    if spec is None:
        raise ContractError(f"{path.name}: {key} '{name}' is not a field")
    return spec


def region_field_of(data: dict[str, Any], fields: Sequence[FieldSpec], path: Path) -> str | None:
    spec = _named_field(data, "region_field", fields, path)
    if spec is None:
        return None
    name = spec.name
    if spec.element != REGION_ELEMENT:
        raise ContractError(
            f"{path.name}: region_field '{name}' must be a field of the {REGION_ELEMENT} "
            "element (a GB/T 2260 code)"
        )
    return str(name)


def handler_field_of(data: dict[str, Any], fields: Sequence[FieldSpec], path: Path) -> str | None:
    spec = _named_field(data, "handler_field", fields, path)
    if spec is None:
        return None
    name = spec.name
    base = spec.duckdb_type.upper().split("(", 1)[0].strip()
    if spec.personal or base not in ("VARCHAR", "TEXT", "STRING"):
        raise ContractError(
            f"{path.name}: handler_field '{name}' must be a text field that is not personal "
            "(it holds a department code)"
        )
    return str(name)
