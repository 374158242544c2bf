"""Typed loader for data-element standards and dataset contracts.

The YAML files under ``schemas/elements/`` and ``schemas/datasets/`` are the source of truth; this
module turns them into frozen dataclasses and refuses anything malformed with a ``ContractError``
that names the file and the problem. Nothing here touches a database.

Dataset contract keys beyond the fields (all optional; absent means "not checked")::

    cross_field:                      # row-level rules over two columns (quality.dataset_rules)
      - {rule: id_birth_date, id_field: citizen_id, birth_date_field: birth_date}
      - {rule: id_sex, id_field: citizen_id, sex_field: sex}
    quality:
      max_failure_ratio: 0.05         # share of quarantined rows above which a batch is rejected
      row_count_change:               # rows in vs the previous PUBLISHED batch of the dataset
        max_ratio: 0.5                #   within ±50 %; skipped for the first batch
      freshness:                      # newest value of a month/date field vs the landing date
        field: period                 #   a field of the contract (YYYY-MM text, DATE, TIMESTAMP)
        max_age_days: 62              #   optional; default two update cycles (see FRESHNESS_DAYS)
      batch_checks_block: false       # true: a failed batch-level check rejects the batch;
                                      # false (default): it is reported as a warning only

``id_birth_date`` checks that characters 7-14 of an 18-character citizen ID equal the birth-date
column; ``id_sex`` that character 17 (odd: male ``1``, even: female ``2``) agrees with a sex
column holding a GB/T 2261.1 code. Code-list membership is an element check, not a key here.

The ``source:`` block (format, encoding, delimiter, header line, sheet …) is parsed by
:mod:`schemas.source_format`; the ``publish:`` block (``mode: append|merge|replace``,
``duplicate_keys: quarantine|keep_first|keep_last``) by :mod:`schemas.publish_mode`.

A field's ``mask:`` (default: its element's ``default_mask:``) is one mask written as text, e.g.
``mask: keep:3:4`` or ``mask: hash``; :mod:`schemas.masks` lists the forms. A bad one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from schemas.errors import ZhongtaiError
from schemas.masks import MaskKind, MaskSpec
from schemas.publish_mode import PublishOptions, parse_publish
from schemas.source_format import SourceFormat, parse_source

SCHEMAS_DIR = Path(__file__).resolve().parent
ELEMENTS_DIR = SCHEMAS_DIR / "elements"
DATASETS_DIR = SCHEMAS_DIR / "datasets"
CODES_DIR = SCHEMAS_DIR / "codes"


class ContractError(ZhongtaiError, ValueError):
    """A data-element or dataset contract file is malformed (or names no contract).

    Also a ``ValueError``, as it was before the project had one exception family."""

    code = "contract.invalid"
    status = 422


class ShareType(StrEnum):
    """共享类型 (GB/T 21063 / 政务信息资源共享管理暂行办法)."""

    UNCONDITIONAL = "unconditional"  # 无条件共享
    CONDITIONAL = "conditional"  # 有条件共享
    NOT_SHARED = "not_shared"  # 不予共享

    @property
    def label_zh(self) -> str:
        return {
            "unconditional": "无条件共享",
            "conditional": "有条件共享",
            "not_shared": "不予共享",
        }[self.value]


class OpenType(StrEnum):
    """开放类型: whether the dataset may be opened to the public."""

    OPEN = "open"  # 无条件开放
    CONDITIONAL_OPEN = "conditional_open"  # 有条件开放
    NOT_OPEN = "not_open"  # 不予开放


class Grade(StrEnum):
    """数据分级 per GB/T 43697-2024."""

    CORE = "core"  # 核心数据
    IMPORTANT = "important"  # 重要数据
    GENERAL = "general"  # 一般数据


@dataclass(frozen=True, slots=True)
class DataElement:
    """数据元: a standard field definition and the check that enforces it."""

    code: str
    name_zh: str
    name_en: str
    standard: str
    version: str
    duckdb_type: str
    check: str
    personal: bool = False
    default_mask: MaskSpec = MaskSpec(MaskKind.NONE)
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One column of a dataset contract."""

    name: str
    title_zh: str
    source_column: str
    duckdb_type: str
    element: str | None = None
    required: bool = False
    personal: bool = False
    mask: MaskSpec = MaskSpec(MaskKind.NONE)
    description: str = ""


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


@dataclass(frozen=True, slots=True)
class DatasetContract:
    """信息资源 contract: fields mapped to data elements, keys, rules, masking, sharing terms."""

    code: str
    title_zh: str
    title_en: str
    description: str
    owner_department: str
    steward: str
    share_type: ShareType
    share_basis: str
    open_type: OpenType
    grade: Grade
    update_cycle: str
    fields: tuple[FieldSpec, ...]
    primary_key: tuple[str, ...]
    source: SourceFormat
    max_failure_ratio: float = 0.05
    path: Path | None = None
    cross_field: tuple[CrossFieldRule, ...] = ()
    row_count_change: RowCountChange | None = None
    freshness: Freshness | None = None
    batch_checks_block: bool = False
    publish: PublishOptions = PublishOptions()

    @property
    def table_name(self) -> str:
        return self.code

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


_UPDATE_CYCLES = {"realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular"}


def _require(data: dict[str, Any], key: str, where: Path) -> Any:
    if key not in data or data[key] in (None, ""):
        raise ContractError(f"{where.name}: missing required key '{key}'")
    return data[key]


def _enum(cls: type[StrEnum], value: Any, key: str, where: Path) -> Any:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise ContractError(
            f"{where.name}: '{key}' is '{value}', expected one of {allowed}"
        ) from None


def _mask(value: Any, key: str, where: Path) -> MaskSpec:
    try:
        return MaskSpec.parse(value)
    except ValueError as exc:
        raise ContractError(f"{where.name}: {key}: {exc}") from None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContractError(f"{path.name}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise ContractError(f"{path.name}: expected a mapping at the top level")
    return data


def parse_element(path: Path) -> DataElement:
    data = _read_yaml(path)
    return DataElement(
        code=_require(data, "code", path),
        name_zh=_require(data, "name_zh", path),
        name_en=_require(data, "name_en", path),
        standard=_require(data, "standard", path),
        version=str(_require(data, "version", path)),
        duckdb_type=data.get("duckdb_type", "VARCHAR"),
        check=_require(data, "check", path),
        personal=bool(data.get("personal", False)),
        default_mask=_mask(data.get("default_mask", "none"), "default_mask", path),
        params=dict(data.get("params") or {}),
        description=data.get("description", ""),
    )


@lru_cache(maxsize=4)
def load_elements(directory: Path = ELEMENTS_DIR) -> dict[str, DataElement]:
    """Every data element by code."""
    elements: dict[str, DataElement] = {}
    for path in sorted(directory.glob("*.yaml")):
        element = parse_element(path)
        if element.code in elements:
            raise ContractError(f"{path.name}: duplicate element code '{element.code}'")
        elements[element.code] = element
    return elements


def _cross_field(data: dict[str, Any], names: list[str], where: Path) -> tuple[CrossFieldRule, ...]:
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


def _row_count_change(quality: dict[str, Any], where: Path) -> RowCountChange | None:
    raw = quality.get("row_count_change")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ContractError(f"{where.name}: 'quality.row_count_change' must be a mapping")
    ratio = float(_require(raw, "max_ratio", where))
    if ratio < 0:
        raise ContractError(f"{where.name}: row_count_change.max_ratio must not be negative")
    return RowCountChange(ratio)


def _freshness(
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


def _source(data: dict[str, Any], where: Path) -> SourceFormat:
    try:
        return parse_source(data.get("source"))
    except ValueError as exc:
        raise ContractError(f"{where.name}: source: {exc}") from None


def _publish(data: dict[str, Any], keyed: bool, where: Path) -> PublishOptions:
    try:
        return parse_publish(data.get("publish"), keyed=keyed)
    except ValueError as exc:
        raise ContractError(f"{where.name}: publish: {exc}") from None


def parse_contract(path: Path, elements: dict[str, DataElement] | None = None) -> DatasetContract:
    elements = load_elements() if elements is None else elements
    data = _read_yaml(path)
    raw_fields = _require(data, "fields", path)
    if not isinstance(raw_fields, list):
        raise ContractError(f"{path.name}: 'fields' must be a list")
    fields: list[FieldSpec] = []
    for raw in raw_fields:
        name = _require(raw, "name", path)
        element_code = raw.get("element")
        element = None
        if element_code is not None:
            if element_code not in elements:
                raise ContractError(
                    f"{path.name}: field '{name}' names unknown element '{element_code}'"
                )
            element = elements[element_code]
        personal = bool(raw.get("personal", element.personal if element else False))
        default_mask = element.default_mask if element else MaskSpec(MaskKind.NONE)
        mask = _mask(raw.get("mask", str(default_mask)), f"field '{name}' mask", path)
        fields.append(
            FieldSpec(
                name=name,
                title_zh=_require(raw, "title_zh", path),
                source_column=raw.get("source_column", raw["title_zh"]),
                duckdb_type=raw.get("type", element.duckdb_type if element else "VARCHAR"),
                element=element_code,
                required=bool(raw.get("required", False)),
                personal=personal,
                mask=mask,
                description=raw.get("description", ""),
            )
        )
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise ContractError(f"{path.name}: duplicate field names")
    primary_key = tuple(data.get("primary_key") or ())
    for key in primary_key:
        if key not in names:
            raise ContractError(f"{path.name}: primary key '{key}' is not a field")
    cycle = _require(data, "update_cycle", path)
    if cycle not in _UPDATE_CYCLES:
        raise ContractError(f"{path.name}: update_cycle '{cycle}' not in {sorted(_UPDATE_CYCLES)}")
    quality = data.get("quality") or {}
    return DatasetContract(
        code=_require(data, "code", path),
        title_zh=_require(data, "title_zh", path),
        title_en=_require(data, "title_en", path),
        description=data.get("description", ""),
        owner_department=_require(data, "owner_department", path),
        steward=data.get("steward", ""),
        share_type=_enum(ShareType, _require(data, "share_type", path), "share_type", path),
        share_basis=data.get("share_basis", ""),
        open_type=_enum(OpenType, data.get("open_type", "not_open"), "open_type", path),
        grade=_enum(Grade, data.get("grade", "general"), "grade", path),
        update_cycle=cycle,
        fields=tuple(fields),
        primary_key=primary_key,
        source=_source(data, path),
        max_failure_ratio=float(quality.get("max_failure_ratio", 0.05)),
        path=path,
        cross_field=_cross_field(data, names, path),
        row_count_change=_row_count_change(quality, path),
        freshness=_freshness(quality, names, cycle, path),
        batch_checks_block=bool(quality.get("batch_checks_block", False)),
        publish=_publish(data, bool(primary_key), path),
    )


@lru_cache(maxsize=4)
def load_contracts(directory: Path = DATASETS_DIR) -> dict[str, DatasetContract]:
    """Every dataset contract by code."""
    elements = load_elements()
    contracts: dict[str, DatasetContract] = {}
    for path in sorted(directory.glob("*.yaml")):
        contract = parse_contract(path, elements)
        if contract.code in contracts:
            raise ContractError(f"{path.name}: duplicate dataset code '{contract.code}'")
        contracts[contract.code] = contract
    return contracts


def load_contract(code: str) -> DatasetContract:
    contracts = load_contracts()
    if code not in contracts:
        raise ContractError(f"no dataset contract with code '{code}'")
    return contracts[code]
