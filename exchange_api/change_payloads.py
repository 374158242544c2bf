"""HTTP bodies of the ``changes`` mode and the snapshot list (beside ``exchange_api.payloads``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from exchange_api.payloads import BIGINT_MAX, BodyIn, ColumnOut, ConditionIn

__all__ = ["ChangeOut", "ChangesIn", "ChangesPage", "SnapshotPublic"]


class ChangesIn(BodyIn):
    """Changes after ``from_snapshot`` up to ``to_snapshot`` (default: the current snapshot)."""

    from_snapshot: int = Field(ge=0, le=BIGINT_MAX, description="Exclusive: changes after it")
    to_snapshot: int | None = Field(
        default=None, ge=0, le=BIGINT_MAX, description="Inclusive; default the current snapshot"
    )
    fields: list[str] | None = Field(default=None, max_length=200)
    filters: list[ConditionIn] = Field(default_factory=list, max_length=20)
    limit: int = Field(default=1000, ge=1, le=10000)
    offset: int = Field(default=0, ge=0, le=BIGINT_MAX)
    grant_id: int | None = Field(
        default=None,
        ge=1,
        le=BIGINT_MAX,
        description="The grant to read through (needed when several are live)",
    )
    cursor: str | None = Field(
        default=None, max_length=1024, description="The previous page's 'next' cursor"
    )


class ChangeOut(BaseModel):
    change: Literal["added", "changed", "removed"]
    snapshot_id: int = Field(description="The snapshot the change happened in")
    row_ref: str = Field(
        description="Follows one row across changes (a keyed hash of its row id for a grantee)"
    )
    row: dict[str, Any] = Field(
        description="added/changed: the row after; removed: the row as the caller last saw it"
    )


class ChangesPage(BaseModel):
    dataset: str
    grant_id: int | None
    from_snapshot: int
    to_snapshot: int
    columns: list[ColumnOut]
    row_count: int
    counts: dict[str, int]
    changes: list[ChangeOut]
    next: str | None = Field(default=None, description="Signed cursor of the following page")


class SnapshotPublic(BaseModel):
    snapshot_id: int
    published_at: dt.datetime | None
    row_count: int | None = Field(
        description="Rows the batch published; null when the grant's row filter hides the total"
    )
    current: bool
