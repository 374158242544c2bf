"""HTTP shapes of the catalog's entries, departments and contract versions (GB/T 21063 fields)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from catalog.contract_tables import DatasetVersion
from catalog.models import Dataset
from catalog.models import Field as FieldRow
from exchange_api.payloads import BodyIn, DatasetPublic
from schemas.catalog_fields import gbt_data_type

__all__ = [
    "DatasetEntryPublic",
    "DepartmentCreate",
    "DepartmentPublic",
    "FieldEntryPublic",
    "GrantEffectPublic",
    "RevisionPublic",
    "VersionPublic",
    "dataset_entry",
]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FieldEntryPublic(_Out):
    name: str
    title_zh: str
    duckdb_type: str
    data_type_zh: str = Field(description="GB/T 21063.3 data type (字符型, 数值型, 日期型 …)")
    data_type_code: str = Field(description="Its letter: C, N, I, F, D, T, L, G")
    data_element: str | None
    personal: bool
    required: bool
    mask: str


class DatasetEntryPublic(DatasetPublic):
    """A catalog entry: the dataset with its national catalog fields."""

    fields: list[FieldEntryPublic]  # type: ignore[assignment]
    resource_code: str | None
    classification: str
    provider: str
    provider_code: str
    resource_format: str
    share_conditions: str
    share_method: list[str]
    open_conditions: str
    publication_date: dt.date | None
    related_resources: list[str]
    tags: list[str]
    grade_zh: str
    steward: str
    version: int
    region_field: str | None = Field(
        default=None,
        description="数据回流: the GB/T 2260 field a grant outside the owner's division is "
        "bound by (each department sees its own division's rows)",
    )


_GRADE_ZH = {"core": "核心数据", "important": "重要数据", "general": "一般数据"}


def _field(f: FieldRow) -> FieldEntryPublic:
    label, letter = gbt_data_type(f.duckdb_type)
    return FieldEntryPublic(
        name=f.name,
        title_zh=f.title_zh,
        duckdb_type=f.duckdb_type,
        data_type_zh=label,
        data_type_code=letter,
        data_element=f.data_element.code if f.data_element else None,
        personal=f.personal,
        required=f.required,
        mask=f.mask,
    )


def dataset_entry(dataset: Dataset) -> DatasetEntryPublic:
    return DatasetEntryPublic(
        code=dataset.code,
        title_zh=dataset.title_zh,
        title_en=dataset.title_en,
        description=dataset.description,
        owner_department=dataset.owner.code,
        share_type=dataset.share_type,
        share_type_zh=dataset.share_type.label_zh,
        share_basis=dataset.share_basis,
        open_type=dataset.open_type,
        grade=dataset.grade,
        update_cycle=dataset.update_cycle,
        status=dataset.status.value,
        current_snapshot_id=dataset.current_snapshot_id,
        fields=[_field(f) for f in dataset.fields],
        resource_code=dataset.resource_code,
        classification=dataset.classification,
        provider=dataset.owner.name,
        provider_code=dataset.provider_code,
        resource_format=dataset.resource_format,
        share_conditions=dataset.share_conditions,
        share_method=[str(m) for m in dataset.share_method],
        open_conditions=dataset.open_conditions,
        publication_date=dataset.publication_date,
        related_resources=[str(r) for r in dataset.related_resources],
        tags=[str(t) for t in dataset.tags],
        grade_zh=_GRADE_ZH[dataset.grade.value],
        steward=dataset.steward,
        version=dataset.version,
        region_field=dataset.region_field,
    )


class DepartmentCreate(BodyIn):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_]+$")
    name: str = Field(min_length=1, max_length=200)
    region_code: str = Field(min_length=6, max_length=6, pattern=r"^[0-9]{6}$")


class DepartmentPublic(_Out):
    code: str
    name: str
    region_code: str


class VersionPublic(_Out):
    version: int
    contract_sha256: str
    registered_by: str
    registered_at: dt.datetime
    change_summary: str
    changes: dict[str, Any]
    contract_text: str

    @classmethod
    def of(cls, row: DatasetVersion) -> VersionPublic:
        return cls.model_validate(row)


class GrantEffectPublic(BaseModel):
    grant_id: int
    grantee_department_id: int
    effect: str = Field(description="narrowed (fields dropped) or revoked")
    fields_dropped: list[str]
    match_fields_dropped: list[str]
    reason: str


class RevisionPublic(BaseModel):
    dataset: DatasetEntryPublic
    version: int
    applied: bool = Field(description="false for a dry run (or an unchanged contract)")
    unchanged: bool
    change_summary: str
    affected_grants: list[GrantEffectPublic]
