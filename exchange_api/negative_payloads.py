"""HTTP bodies of the negative list (负面清单): what an entry is added or lifted with, and how an
entry is shown."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from catalog.negative_list import MAX_TEXT, EntryView
from exchange_api.payloads import BodyIn

__all__ = ["NegativeEntryIn", "NegativeEntryPublic", "NegativeLiftIn", "entry_public"]


class NegativeEntryIn(BodyIn):
    dataset: str = Field(min_length=1, max_length=64, description="Dataset code")
    field: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="The field to list; omitted or null lists the whole dataset",
    )
    legal_basis: str = Field(
        min_length=1,
        max_length=MAX_TEXT,
        description="The law or rule that bars sharing it (required)",
        examples=["《中华人民共和国个人信息保护法》第二十八条"],
    )
    review_date: dt.date = Field(description="When the entry is to be reviewed (YYYY-MM-DD)")


class NegativeLiftIn(BodyIn):
    reason: str = Field(min_length=1, max_length=MAX_TEXT, description="Why it is lifted")


class NegativeEntryPublic(BaseModel):
    id: int
    dataset: str
    dataset_title: str
    owner_department: str
    field: str | None = Field(description="null: the whole dataset is listed")
    field_title: str
    legal_basis: str
    review_date: dt.date
    due_for_review: bool = Field(description="Past its review date: still in force")
    added_at: dt.datetime
    lifted_at: dt.datetime | None
    lift_reason: str


def entry_public(view: EntryView) -> NegativeEntryPublic:
    return NegativeEntryPublic(
        id=view.entry_id,
        dataset=view.dataset_code,
        dataset_title=view.dataset_title,
        owner_department=view.owner_department,
        field=view.field,
        field_title=view.field_title,
        legal_basis=view.legal_basis,
        review_date=view.review_date,
        due_for_review=view.due_for_review,
        added_at=view.added_at,
        lifted_at=view.lifted_at,
        lift_reason=view.lift_reason,
    )
