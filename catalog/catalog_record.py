"""One dataset's catalog entry in GB/T 21063 terms (政务信息资源目录): the record every export is
made of — the DCAT-AP catalog (``catalog.dcat``), the spreadsheet (``catalog.catalog_sheet``) and
the portal's dataset page.

:func:`catalog_record` is the only place that reads a ``catalog.models.Dataset`` for an export,
so the national catalog fields the catalog is gaining (migration 0010: resource code,
classification, provider code, format, share conditions and method, open conditions,
publication date, related resources, tags, contract version) are read here and nowhere else.

Data types are named as GB/T 21063.3 names them (字符型, 数值型, 日期型, 日期时间型, 逻辑型,
二进制型), from the field's DuckDB type.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from catalog.dataset_freshness import Freshness
from catalog.models import Dataset

__all__ = ["CatalogRecord", "FieldRecord", "catalog_record", "data_type_of"]

_DATA_TYPES: tuple[tuple[str, str, str], ...] = (
    (r"(VARCHAR|TEXT|CHAR|STRING|UUID|JSON)", "字符型", "character"),
    (r"(DECIMAL|NUMERIC|INTEGER|INT|BIGINT|SMALLINT|TINYINT|HUGEINT|DOUBLE|FLOAT|REAL)", "数值型",
     "numeric"),
    (r"DATE", "日期型", "date"),
    (r"(TIMESTAMP|DATETIME)( WITH TIME ZONE|TZ)?", "日期时间型", "date-time"),
    (r"TIME", "时间型", "time"),
    (r"(BOOLEAN|BOOL)", "逻辑型", "boolean"),
    (r"(BLOB|BYTEA)", "二进制型", "binary"),
)  # fmt: skip


def data_type_of(duckdb_type: str) -> tuple[str, str]:
    """The GB/T 21063.3 data type of a DuckDB column type, in Chinese and English."""
    base = duckdb_type.strip().upper().split("(", 1)[0].strip()
    for pattern, zh, en in _DATA_TYPES:
        if re.fullmatch(pattern, base):
            return zh, en
    return "其他", "other"


@dataclass(frozen=True, slots=True)
class FieldRecord:
    """信息项: one field of a dataset, with its data element (数据元) where it is bound to one."""

    position: int
    name: str
    title_zh: str
    duckdb_type: str
    data_type_zh: str
    data_type_en: str
    element_code: str
    element_name_zh: str
    element_name_en: str
    element_standard: str
    required: bool
    personal: bool
    mask: str


@dataclass(frozen=True, slots=True)
class CatalogRecord:
    """Every catalog field of one dataset, as plain values (no session needed to read it)."""

    code: str
    resource_code: str
    """信息资源代码 (empty until the catalog assigns one; :attr:`identifier` falls back)."""
    classification: str
    """类.项.目.细目, dotted digits such as ``2.01.003.001``; empty when not classified."""
    title_zh: str
    title_en: str
    description: str
    provider_name: str
    provider_code: str
    owner_department_code: str
    region_code: str
    steward: str
    resource_format: str
    share_type: str
    share_basis: str
    share_conditions: str
    share_method: tuple[str, ...]
    open_type: str
    open_conditions: str
    grade: str
    update_cycle: str
    publication_date: dt.date | None
    related_resources: tuple[str, ...]
    tags: tuple[str, ...]
    version: int
    status: str
    published: bool
    updated_at: dt.datetime
    fields: tuple[FieldRecord, ...]
    freshness: Freshness | None = None

    @property
    def identifier(self) -> str:
        """The resource code, or the dataset's own code while it has none."""
        return self.resource_code or self.code

    @property
    def open_to_public(self) -> bool:
        """The open type lets the public see this entry: open, or conditionally open with its
        conditions stated (they become the entry's access rights). Never ``not_open``."""
        if self.open_type == "open":
            return True
        return self.open_type == "conditional_open" and bool(self.open_conditions.strip())


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _strings(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(str(v) for v in value)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _field(field: Any) -> FieldRecord:
    element = field.data_element
    zh, en = data_type_of(field.duckdb_type)
    return FieldRecord(
        position=field.position,
        name=field.name,
        title_zh=field.title_zh,
        duckdb_type=field.duckdb_type,
        data_type_zh=zh,
        data_type_en=en,
        element_code=element.code if element is not None else "",
        element_name_zh=element.name_zh if element is not None else "",
        element_name_en=element.name_en if element is not None else "",
        element_standard=element.standard if element is not None else "",
        required=bool(field.required),
        personal=bool(field.personal),
        mask=field.mask or "",
    )


def catalog_record(
    dataset: Dataset, *, freshness: Freshness | None = None, with_fields: bool = True
) -> CatalogRecord:
    """The export record of ``dataset`` (its owner and, unless ``with_fields`` is false — the
    DCAT-AP catalog needs none — its fields loaded with it)."""
    owner = dataset.owner
    resource_code = _text(dataset.resource_code)
    classification = _text(dataset.classification)
    provider_code = _text(dataset.provider_code) or owner.code
    resource_format = _text(dataset.resource_format)
    share_conditions = _text(dataset.share_conditions)
    share_method = _strings(dataset.share_method)
    open_conditions = _text(dataset.open_conditions)
    publication_date = _date(dataset.publication_date)
    related_resources = _strings(dataset.related_resources)
    tags = _strings(dataset.tags)
    version = int(dataset.version or 1)
    return CatalogRecord(
        code=dataset.code,
        resource_code=resource_code,
        classification=classification,
        title_zh=dataset.title_zh,
        title_en=dataset.title_en,
        description=dataset.description or "",
        provider_name=owner.name,
        provider_code=provider_code,
        owner_department_code=owner.code,
        region_code=owner.region_code,
        steward=dataset.steward or "",
        resource_format=resource_format,
        share_type=dataset.share_type.value,
        share_basis=dataset.share_basis or "",
        share_conditions=share_conditions,
        share_method=share_method,
        open_type=dataset.open_type.value,
        open_conditions=open_conditions,
        grade=dataset.grade.value,
        update_cycle=dataset.update_cycle,
        publication_date=publication_date,
        related_resources=related_resources,
        tags=tags,
        version=version,
        status=dataset.status.value,
        published=dataset.current_snapshot_id is not None,
        updated_at=dataset.updated_at,
        fields=tuple(_field(f) for f in dataset.fields) if with_fields else (),
        freshness=freshness,
    )
