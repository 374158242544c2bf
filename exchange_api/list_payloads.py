"""HTTP bodies of the responsibility and demand lists (``exchange_api.routes.lists``), and the
public shape of each item that the API, the CLI (``--json``) and the portal all show.

Bodies share ``exchange_api.payloads.BodyIn`` (unknown keys refused, every string plain text);
their lengths, cycles and scores are checked once, in ``catalog.list_input``, with stable codes.
A demand shows its scenario, legal duty, fields wanted, decline reason and share request only to
those ``demand.view`` allows (``whole``); to the rest of the platform those are ``null``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from catalog.list_tables import DemandItem, DemandStatus, ResponsibilityItem
from catalog.models import Dataset
from exchange_api.payloads import BIGINT_MAX, BodyIn

__all__ = [
    "DemandCreate",
    "DemandPatch",
    "DemandPublic",
    "ResponsibilityCreate",
    "ResponsibilityPatch",
    "ResponsibilityPublic",
    "demand_public",
    "responsibility_public",
]

_TEXT = 4000  # a generous outer bound; catalog.list_input says the exact limits and why
_CODE = 64


class ResponsibilityCreate(BodyIn):
    """A duty put on a department's responsibility list (admins)."""

    department: str = Field(max_length=_CODE, description="The responsible department's code")
    title_zh: str = Field(max_length=_TEXT, description="名称 (at most 200 characters)")
    title_en: str = Field("", max_length=_TEXT)
    duty: str = Field(max_length=_TEXT, description="What must be provided (at most 2,000)")
    legal_basis: str = Field(max_length=_TEXT, description="The legal basis (at most 2,000)")
    update_cycle: str = Field(max_length=_CODE, description="daily, weekly, monthly … (contracts')")
    min_quality_score: float = Field(description="Minimum quality score, 0–100")


class _Link(BodyIn):
    op: Literal["link"]
    dataset: str = Field(max_length=_CODE, description="The department's own dataset's code")


class _Retire(BodyIn):
    op: Literal["retire"]
    reason: str = Field(max_length=_TEXT)


ResponsibilityPatch = Annotated[_Link | _Retire, Field(discriminator="op")]


class DemandCreate(BodyIn):
    """A demand for data, filed for the caller's own department."""

    title: str = Field(max_length=_TEXT, description="What is wanted (at most 200 characters)")
    scenario: str = Field(max_length=_TEXT, description="应用场景")
    legal_duty: str = Field(max_length=_TEXT, description="法定职责 and its legal basis")
    fields_wanted: list[Annotated[str, Field(max_length=_TEXT)]] = Field(
        default_factory=list, max_length=200, description="Data items wanted (at most 50)"
    )
    department: str | None = Field(
        None, max_length=_CODE, description="The requesting department: only the caller's own"
    )


class _Match(BodyIn):
    op: Literal["match"]
    dataset: str = Field(max_length=_CODE, description="Another department's dataset")


class _Request(BodyIn):
    op: Literal["request"]
    request_id: int = Field(ge=1, le=BIGINT_MAX, description="The share request filed for it")


class _Fulfil(BodyIn):
    op: Literal["fulfil"]


class _Decline(BodyIn):
    op: Literal["decline"]
    reason: str = Field(max_length=_TEXT)


DemandPatch = Annotated[_Match | _Request | _Fulfil | _Decline, Field(discriminator="op")]


class ResponsibilityPublic(BaseModel):
    id: int
    department: str
    department_name: str
    title_zh: str
    title_en: str
    duty: str
    legal_basis: str
    dataset: str | None
    update_cycle: str
    min_quality_score: float
    created_at: dt.datetime
    linked_at: dt.datetime | None
    retired_at: dt.datetime | None
    retire_reason: str


class DemandPublic(BaseModel):
    id: int
    requester_department: str
    requester_department_name: str
    title: str
    status: DemandStatus
    dataset: str | None
    dataset_owner: str | None
    created_at: dt.datetime
    matched_at: dt.datetime | None
    requested_at: dt.datetime | None
    fulfilled_at: dt.datetime | None
    declined_at: dt.datetime | None
    whole: bool = Field(description="Whether the parts below are shown to the caller")
    scenario: str | None
    legal_duty: str | None
    fields_wanted: list[str] | None
    decline_reason: str | None
    share_request_id: int | None
    candidates: list[str] | None = Field(
        None, description="Datasets that could answer an open demand (its parties only)"
    )


def responsibility_public(item: ResponsibilityItem) -> ResponsibilityPublic:
    return ResponsibilityPublic(
        id=item.id,
        department=item.department.code,
        department_name=item.department.name,
        title_zh=item.title_zh,
        title_en=item.title_en,
        duty=item.duty,
        legal_basis=item.legal_basis,
        dataset=item.dataset.code if item.dataset is not None else None,
        update_cycle=item.update_cycle,
        min_quality_score=item.min_quality_score,
        created_at=item.created_at,
        linked_at=item.linked_at,
        retired_at=item.retired_at,
        retire_reason=item.retire_reason,
    )


def demand_public(
    item: DemandItem, *, whole: bool, candidates: list[Dataset] | None = None
) -> DemandPublic:
    dataset = item.dataset
    return DemandPublic(
        id=item.id,
        requester_department=item.requester.code,
        requester_department_name=item.requester.name,
        title=item.title,
        status=item.status,
        dataset=dataset.code if dataset is not None else None,
        dataset_owner=dataset.owner.code if dataset is not None else None,
        created_at=item.created_at,
        matched_at=item.matched_at,
        requested_at=item.requested_at,
        fulfilled_at=item.fulfilled_at,
        declined_at=item.declined_at,
        whole=whole,
        scenario=item.scenario if whole else None,
        legal_duty=item.legal_duty if whole else None,
        fields_wanted=[str(f) for f in item.fields_wanted] if whole else None,
        decline_reason=item.decline_reason if whole else None,
        share_request_id=item.share_request_id if whole else None,
        candidates=[d.code for d in candidates] if whole and candidates is not None else None,
    )
