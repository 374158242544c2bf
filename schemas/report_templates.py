"""Report templates (报表模板): what a department's recurring report asks for, field by field.

A template is a YAML file under ``schemas/reports/templates/`` (``street_monthly.yaml`` is the
example and documents the keys). Each field says how it is filled — the report's ``period``, the
office's ``scope``, a ``platform`` dataset through a :class:`Source`, or ``collect`` (only the
office knows it) — and whether the office still ``collected_today`` by hand. This module only
parses and checks the file; :func:`reuse_problems` says which platform sources a set of dataset
contracts cannot serve. Nothing here touches a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from schemas.contract_text import ContractError
from schemas.loader import SCHEMAS_DIR, DatasetContract, ShareType

__all__ = [
    "TEMPLATES_DIR",
    "Fill",
    "Join",
    "Measure",
    "ReportField",
    "ReportTemplate",
    "Source",
    "load_template",
    "reuse_problems",
]

TEMPLATES_DIR = SCHEMAS_DIR / "reports" / "templates"
Where = tuple[tuple[str, tuple[str, ...]], ...]
"""(field, allowed values as text): a row is kept when every field's value is one of them."""


class Fill(StrEnum):
    PERIOD = "period"
    SCOPE = "scope"
    PLATFORM = "platform"
    COLLECT = "collect"


class Measure(StrEnum):
    COUNT_DISTINCT = "count_distinct"
    SUM = "sum"


@dataclass(frozen=True, slots=True)
class Join:
    """Keep only rows whose ``key`` value is found in ``dataset`` rows matching ``where``."""

    dataset: str
    key: str
    where: Where = ()


@dataclass(frozen=True, slots=True)
class Source:
    dataset: str
    measure: Measure
    field: str
    where: Where = ()
    via: Join | None = None


@dataclass(frozen=True, slots=True)
class ReportField:
    name: str
    title_zh: str
    fill: Fill
    element: str | None = None
    source: Source | None = None
    collected_today: bool = False

    @property
    def repeated_collection(self) -> bool:
        """Collected by hand although a shared dataset already holds it (重复采集)."""
        return self.collected_today and self.fill is Fill.PLATFORM


@dataclass(frozen=True, slots=True)
class ReportTemplate:
    code: str
    title_zh: str
    owner_department: str
    period: str
    scope: dict[str, str] = field(default_factory=dict)
    fields: tuple[ReportField, ...] = ()

    def field(self, name: str) -> ReportField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def _where(raw: Any, where: str) -> Where:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise ContractError(f"{where}: 'where' must be a mapping")
    pairs = []
    for key, value in raw.items():
        values = value if isinstance(value, list) else [value]
        pairs.append((str(key), tuple(str(v) for v in values)))
    return tuple(pairs)


def _source(raw: Any, where: str) -> Source:
    if not isinstance(raw, dict):
        raise ContractError(f"{where}: a platform field needs a 'source' mapping")
    try:
        measure = Measure(str(raw.get("measure")))
        via_raw = raw.get("via")
        via = None
        if via_raw is not None:
            via = Join(
                str(via_raw["dataset"]), str(via_raw["key"]), _where(via_raw.get("where"), where)
            )
        return Source(
            str(raw["dataset"]), measure, str(raw["field"]), _where(raw.get("where"), where), via
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise ContractError(f"{where}: bad source: {exc}") from None


def _field(raw: Any, where: str) -> ReportField:
    if not isinstance(raw, dict) or "name" not in raw or "title_zh" not in raw:
        raise ContractError(f"{where}: every field needs a name and a title_zh")
    here = f"{where}: field '{raw['name']}'"
    try:
        fill = Fill(str(raw.get("fill")))
    except ValueError:
        raise ContractError(f"{here}: fill must be one of {', '.join(Fill)}") from None
    source = _source(raw.get("source"), here) if fill is Fill.PLATFORM else None
    if fill is not Fill.PLATFORM and raw.get("source") is not None:
        raise ContractError(f"{here}: only a platform field has a source")
    element = raw.get("element")
    return ReportField(
        name=str(raw["name"]),
        title_zh=str(raw["title_zh"]),
        fill=fill,
        element=None if element is None else str(element),
        source=source,
        collected_today=bool(raw.get("collected_today", False)),
    )


def load_template(name: str, directory: Path = TEMPLATES_DIR) -> ReportTemplate:
    """The template ``<directory>/<name>.yaml``; a ``ContractError`` naming what is wrong."""
    path = directory / f"{name}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContractError(f"{path.name}: cannot read: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("fields"), list):
        raise ContractError(f"{path.name}: expected a mapping with a list of fields")
    fields = tuple(_field(raw, path.name) for raw in data["fields"])
    if len({f.name for f in fields}) != len(fields):
        raise ContractError(f"{path.name}: duplicate field names")
    return ReportTemplate(
        code=str(data.get("code", name)),
        title_zh=str(data.get("title_zh", "")),
        owner_department=str(data.get("owner_department", "")),
        period=str(data.get("period", "monthly")),
        scope={str(k): str(v) for k, v in (data.get("scope") or {}).items()},
        fields=fields,
    )


def reuse_problems(
    report_field: ReportField, contracts: Mapping[str, DatasetContract]
) -> list[str]:
    """Why ``contracts`` cannot fill a platform field (empty: they can): a missing or unshared
    dataset, or a field it does not have."""
    source = report_field.source
    if source is None:
        return [f"{report_field.name} is not filled from the platform"]
    problems: list[str] = []
    wanted = [(source.dataset, [source.field, *(k for k, _ in source.where)])]
    if source.via is not None:
        wanted.append((source.via.dataset, [source.via.key, *(k for k, _ in source.via.where)]))
        wanted.append((source.dataset, [source.via.key]))
    for code, names in wanted:
        contract = contracts.get(code)
        if contract is None:
            problems.append(f"no dataset {code}")
        elif contract.share_type is ShareType.NOT_SHARED:
            problems.append(f"{code} is not shared")
        else:
            problems.extend(
                f"{code} has no field {n}" for n in names if n not in contract.field_names
            )
    return problems
