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
    region_field: region              # 数据回流 and 民呼我为 row scoping: schemas.contract_scope
    handler_field: handling_department

``id_birth_date`` checks that characters 7-14 of an 18-character citizen ID equal the birth-date
column; ``id_sex`` that character 17 (odd: male ``1``, even: female ``2``) agrees with a sex
column holding a GB/T 2261.1 code. Code-list membership is an element check, not a key here.

The ``source:`` block (format, encoding, delimiter, header line, sheet …) is parsed by
:mod:`schemas.source_format`; the ``publish:`` block (``mode: append|merge|replace``,
``duplicate_keys: quarantine|keep_first|keep_last``) by :mod:`schemas.publish_mode`.

A field's ``mask:`` (default: its element's ``default_mask:``) is one mask written as text, e.g.
``mask: keep:3:4`` or ``mask: hash``; :mod:`schemas.masks` lists the forms. A bad one is refused.

The national catalog keys (``resource_code``, ``classification``, ``share_conditions`` …) and the
share rules — no conditional or not-shared contract without a legal basis — are parsed by
:mod:`schemas.catalog_fields`; :mod:`schemas.contract_text` reads the YAML (size, UTF-8, no
aliases). :func:`parse_contract_text` parses a contract that is not a file (the catalog's stored
text, an upload).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from schemas.catalog_fields import CatalogFieldError, CatalogFields, check_share_terms
from schemas.catalog_fields import parse_catalog_fields as _parse_catalog_fields
from schemas.contract_quality import CROSS_FIELD_RULES as CROSS_FIELD_RULES
from schemas.contract_quality import FRESHNESS_DAYS as FRESHNESS_DAYS
from schemas.contract_quality import (
    CrossFieldRule,
    Freshness,
    RowCountChange,
    cross_field_rules,
    freshness_of,
    row_count_change_of,
)
from schemas.contract_scope import handler_field_of, region_field_of
from schemas.contract_text import ContractError as ContractError
from schemas.contract_text import decode_contract, load_contract_yaml
from schemas.contract_text import require as _require
from schemas.masks import MaskKind, MaskSpec
from schemas.publish_mode import PublishOptions, parse_publish
from schemas.source_format import SourceFormat, parse_source

SCHEMAS_DIR = Path(__file__).resolve().parent
ELEMENTS_DIR = SCHEMAS_DIR / "elements"
DATASETS_DIR = SCHEMAS_DIR / "datasets"
CODES_DIR = SCHEMAS_DIR / "codes"


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
    catalog: CatalogFields = CatalogFields()
    region_field: str | None = None
    """The GB/T 2260 field rows are returned to lower levels by (``catalog.regions``)."""
    handler_field: str | None = None
    """The field naming the department that handles a row (its personal fields: clear to it)."""
    text: str = field(default="", repr=False, compare=False)
    """The YAML text the contract was parsed from (stored by the catalog as a version)."""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

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


def _catalog_fields(data: dict[str, Any], where: Path) -> CatalogFields:
    share_type = str(data.get("share_type", ""))
    try:
        fields = _parse_catalog_fields(data, shared=share_type != ShareType.NOT_SHARED.value)
        basis = data.get("share_basis") or ""
        check_share_terms(share_type, str(basis), str(data.get("open_type", "")), fields)
    except CatalogFieldError as exc:
        raise ContractError(f"{where.name}: {exc}", code=exc.code) from None
    return fields


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
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ContractError(f"{path.name}: cannot read: {exc}") from exc
    try:
        text = decode_contract(raw)
    except ContractError as exc:
        raise ContractError(f"{path.name}: {exc}", code=exc.code) from None
    return parse_contract_text(text, elements, path=path)


def parse_contract_text(
    text: str,
    elements: dict[str, DataElement] | None = None,
    *,
    path: Path | None = None,
    name: str = "contract",
) -> DatasetContract:
    """A contract from its YAML ``text`` (``path``: the file it came from, if any)."""
    elements = load_elements() if elements is None else elements
    where = path if path is not None else Path(name)
    try:
        data = load_contract_yaml(text)
    except ContractError as exc:
        raise ContractError(f"{where.name}: {exc}", code=exc.code) from None
    contract = _parse_mapping(data, elements, where)
    return dataclasses.replace(contract, path=path, text=text)


def _parse_mapping(
    data: dict[str, Any], elements: dict[str, DataElement], path: Path
) -> DatasetContract:
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
        cross_field=cross_field_rules(data, names, path),
        row_count_change=row_count_change_of(quality, path),
        freshness=freshness_of(quality, names, cycle, path),
        batch_checks_block=bool(quality.get("batch_checks_block", False)),
        publish=_publish(data, bool(primary_key), path),
        catalog=_catalog_fields(data, path),
        region_field=region_field_of(data, fields, path),
        handler_field=handler_field_of(data, fields, path),
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
