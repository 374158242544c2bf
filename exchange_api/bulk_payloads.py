"""HTTP body of a bulk extract (``POST /api/v1/datasets/{code}/bulk``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from exchange_api.payloads import BIGINT_MAX, BodyIn, ConditionIn

__all__ = ["BulkFormatName", "BulkEncodingName", "BulkIn"]

BulkFormatName = Literal["parquet", "csv", "arrow"]
BulkEncodingName = Literal["utf-8", "gbk", "gb18030"]


class BulkIn(BodyIn):
    """A whole extract with structured filters (as ``/query``: values bound, never pasted)."""

    format: BulkFormatName = "parquet"
    encoding: BulkEncodingName = Field(
        default="utf-8", description="CSV text encoding; Parquet and Arrow are always utf-8"
    )
    fields: list[str] | None = Field(default=None, max_length=200)
    filters: list[ConditionIn] = Field(default_factory=list, max_length=20)
    grant_id: int | None = Field(
        default=None,
        ge=1,
        le=BIGINT_MAX,
        description="The grant to read through (needed when several are live)",
    )
