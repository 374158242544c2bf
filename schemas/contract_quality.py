"""The ``cross_field`` rules and ``quality:`` thresholds of a dataset contract (see
:mod:`schemas.loader` for the keys), parsed into frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas.contract_text import ContractError
from schemas.contract_text import require as _require

__all__ = [
    "CROSS_FIELD_RULES",
    "FRESHNESS_DAYS",
    "CrossFieldRule",
    "Freshness",
    "RowCountChange",
    "cross_field_rules",
    "freshness_of",
    "row_count_change_of",
]

CROSS_FIELD_RULES: dict[str, tuple[str, ...]] = {
    "id_birth_date": ("id_field", "birth_date_field"),
    "id_sex": ("id_field", "sex_field"),
}
"""Known ``cross_field`` rules and the field-naming keys each needs."""

FRESHNESS_DAYS: dict[str, int] = {
    "realtime": 1,
    "daily": 2,
    "weekly": 14,
    "monthly": 62,
    "quarterly": 184,
    "yearly": 732,
}
"""Default ``freshness.max_age_days`` per update cycle: about two cycles (none for irregular)."""


@dataclass(frozen=True, slots=True)
class CrossFieldRule:
    """A row-level rule over several columns: ``fields`` maps the rule's role keys to fields."""

    rule: str
    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class RowCountChange:
    """Rows in may differ from the previous published batch's by at most ``max_ratio``."""

    max_ratio: float


@dataclass(frozen=True, slots=True)
class Freshness:
    """The newest value of ``field`` may be at most ``max_age_days`` older than the landing."""

    field: str
    max_age_days: int


def cross_field_rules(
    data: dict[str, Any], names: list[str], where: Path
) -> tuple[CrossFieldRule, ...]:
    raw_rules = data.get("cross_field") or []
    if not isinstance(raw_rules, list):
        raise ContractError(f"{where.name}: 'cross_field' must be a list")
    rules: list[CrossFieldRule] = []
    for raw in raw_rules:
        if not isinstance(raw, dict):
            raise ContractError(f"{where.name}: each cross_field rule must be a mapping")
        rule = _require(raw, "rule", where)
        if rule not in CROSS_FIELD_RULES:
            raise ContractError(
                f"{where.name}: cross_field rule '{rule}' not in {sorted(CROSS_FIELD_RULES)}"
            )
        fields = {key: str(_require(raw, key, where)) for key in CROSS_FIELD_RULES[rule]}
        for key, name in fields.items():
            if name not in names:
                raise ContractError(
                    f"{where.name}: cross_field rule '{rule}' {key} '{name}' is not a field"
                )
        rules.append(CrossFieldRule(rule, fields))
    return tuple(rules)


def row_count_change_of(quality: dict[str, Any], where: Path) -> RowCountChange | None:
    raw = quality.get("row_count_change")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ContractError(f"{where.name}: 'quality.row_count_change' must be a mapping")
    ratio = float(_require(raw, "max_ratio", where))
    if ratio < 0:
        raise ContractError(f"{where.name}: row_count_change.max_ratio must not be negative")
    return RowCountChange(ratio)


def freshness_of(
    quality: dict[str, Any], names: list[str], cycle: str, where: Path
) -> Freshness | None:
    raw = quality.get("freshness")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ContractError(f"{where.name}: 'quality.freshness' must be a mapping")
    name = str(_require(raw, "field", where))
    if name not in names:
        raise ContractError(f"{where.name}: freshness field '{name}' is not a field")
    if raw.get("max_age_days") is not None:
        days = int(raw["max_age_days"])
    elif cycle in FRESHNESS_DAYS:
        days = FRESHNESS_DAYS[cycle]
    else:
        raise ContractError(
            f"{where.name}: freshness needs max_age_days for update_cycle '{cycle}'"
        )
    if days < 0:
        raise ContractError(f"{where.name}: freshness.max_age_days must not be negative")
    return Freshness(name, days)
