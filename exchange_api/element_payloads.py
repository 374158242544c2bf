"""HTTP shapes of the data-element registry (``exchange_api.routes.elements``, the CLI's --json).

An element is submitted as the mapping of a ``schemas/elements/*.yaml`` file
(:class:`ElementCreate`, checked whole by ``catalog.element_spec``); a code list as its CSV
file's bytes in base64 (:class:`CodeListCreate`), so a GBK file arrives byte for byte.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from catalog.element_tables import CodeList
from catalog.errors import InvalidInput
from catalog.models import DataElement

__all__ = [
    "CodeListCreate",
    "CodeListDetail",
    "CodeListEntryPublic",
    "CodeListPublic",
    "ElementCreate",
    "ElementPublic",
    "code_list_detail",
    "code_list_out",
    "element_out",
]


class ElementCreate(BaseModel):
    """A data element's definition, keyed as in ``schemas/elements/*.yaml``."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=64, examples=["district"])
    name_zh: str = Field(max_length=100, examples=["辖区代码"])
    name_en: str = Field(max_length=200, examples=["District code"])
    standard: str = Field(max_length=100, examples=["DB33/T 0001-2026"])
    version: str = Field(max_length=32, examples=["2026"])
    check: str = Field(max_length=32, examples=["code_list"])
    duckdb_type: str = Field("VARCHAR", max_length=32)
    personal: bool = False
    default_mask: str = Field("none", max_length=40)
    params: dict[str, Any] = Field(default_factory=dict, examples=[{"code_list": "zj_districts"}])
    description: str = Field("", max_length=4000)


class ElementPublic(BaseModel):
    code: str
    name_zh: str
    name_en: str
    standard: str
    version: str
    duckdb_type: str
    check: str
    personal: bool
    default_mask: str
    params: dict[str, Any]
    description: str
    origin: str
    """``shipped`` (seeded from ``schemas/elements``) or ``admin``."""
    added_at: dt.datetime | None


class CodeListCreate(BaseModel):
    """A code list: its name and its CSV file (``code,label[,parent]``; UTF-8 or GBK) in base64."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=64, examples=["zj_districts"])
    title: str = Field("", max_length=200, examples=["浙江省辖区代码"])
    standard: str = Field("", max_length=100)
    version: str = Field("", max_length=32)
    csv_base64: str = Field(description="The CSV file's bytes, base64-encoded.")

    def csv_bytes(self) -> bytes:
        try:
            return base64.b64decode(self.csv_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("csv_base64 is not base64", code="code_list.bad_encoding") from None


class CodeListPublic(BaseModel):
    name: str
    title: str
    standard: str
    version: str
    entries: int
    origin: str
    content_sha256: str
    added_at: dt.datetime


class CodeListEntryPublic(BaseModel):
    code: str
    label: str
    parent: str


class CodeListDetail(CodeListPublic):
    codes: list[CodeListEntryPublic]


def element_out(row: DataElement) -> ElementPublic:
    return ElementPublic(
        code=row.code,
        name_zh=row.name_zh,
        name_en=row.name_en,
        standard=row.standard,
        version=row.version,
        duckdb_type=row.duckdb_type,
        check=row.check,
        personal=row.personal,
        default_mask=row.default_mask,
        params=dict(row.params or {}),
        description=row.description,
        origin=row.origin,
        added_at=row.added_at,
    )


def code_list_out(found: CodeList) -> CodeListPublic:
    return CodeListPublic(
        name=found.name,
        title=found.title,
        standard=found.standard,
        version=found.version,
        entries=found.entry_count,
        origin=found.origin,
        content_sha256=found.content_sha256,
        added_at=found.added_at,
    )


def code_list_detail(found: CodeList) -> CodeListDetail:
    return CodeListDetail(
        **code_list_out(found).model_dump(),
        codes=[
            CodeListEntryPublic(code=e.code, label=e.label, parent=e.parent) for e in found.entries
        ],
    )
