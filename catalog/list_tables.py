"""The tables of two of the three lists (三张清单): the responsibility list and the demand list.

- ``responsibility_items`` (责任清单): what a department must provide (``duty``), on what legal
  basis, how often (``update_cycle``, the contracts' values) and at what quality
  (``min_quality_score``, the 0–100 scale of ``QualityReport.score``); ``dataset_id`` names the
  dataset that fulfils it once one is registered and linked. Retired, never deleted.
- ``demand_items`` (需求清单): what a department asked for, the scenario (应用场景) and legal duty
  (法定职责) it asked for it under and the fields it wants; the dataset matched to it, the share
  request filed for it, and where it stands (:class:`DemandStatus`), with who did each step and
  when.

Kept apart from ``catalog.models``, which imports this module at its end so the tables are on
``Base.metadata`` wherever the models are. ``catalog.responsibilities`` and ``catalog.demands``
are the services over them.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Base, Dataset, Department, _enum, utcnow

__all__ = ["UPDATE_CYCLES", "DemandItem", "DemandStatus", "ResponsibilityItem"]

UPDATE_CYCLES: tuple[str, ...] = (
    "realtime",
    "daily",
    "weekly",
    "monthly",
    "quarterly",
    "yearly",
    "irregular",
)
"""The update cycles a contract may name (``schemas.loader``), in order of frequency."""


class DemandStatus(StrEnum):
    OPEN = "open"  # filed; no dataset matched yet
    MATCHED = "matched"  # a dataset that could answer it is named
    REQUESTED = "requested"  # a share request for that dataset was filed for it
    FULFILLED = "fulfilled"  # that request was approved
    DECLINED = "declined"  # cannot be met, with the reason


class ResponsibilityItem(Base):
    """责任清单: one thing a department must provide, how often and at what quality."""

    __tablename__ = "responsibility_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    duty: Mapped[str] = mapped_column(Text)
    """What must be provided (the data, its coverage), in the department's words."""
    legal_basis: Mapped[str] = mapped_column(Text)
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id"), default=None)
    """The dataset that fulfils it, once registered and linked (always the department's own)."""
    update_cycle: Mapped[str] = mapped_column(String(16))
    min_quality_score: Mapped[float] = mapped_column(Float)
    """The lowest acceptable ``QualityReport.score`` (share of rows passed, 0–100)."""
    created_by_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    linked_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id"), default=None
    )
    linked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    retired_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    retired_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id"), default=None
    )
    retire_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    department: Mapped[Department] = relationship()
    dataset: Mapped[Dataset | None] = relationship()


class DemandItem(Base):
    """需求清单: what a department asked for and why, matched to a dataset, and where it stands."""

    __tablename__ = "demand_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    scenario: Mapped[str] = mapped_column(Text)
    """应用场景: what the data will be used for."""
    legal_duty: Mapped[str] = mapped_column(Text)
    """法定职责: the legal duty (and its basis) the data is needed for."""
    fields_wanted: Mapped[list[Any]] = mapped_column(default=list)
    """The data items wanted, in the requester's words (a list of short texts)."""
    dataset_id: Mapped[int | None] = mapped_column(
        ForeignKey("datasets.id"), default=None, index=True
    )
    """The dataset matched to it (another department's)."""
    share_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("share_requests.id"), default=None
    )
    status: Mapped[DemandStatus] = mapped_column(_enum(DemandStatus, 16), default=DemandStatus.OPEN)
    decline_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    filed_by_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    matched_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id"), default=None
    )
    matched_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    requested_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id"), default=None
    )
    requested_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    fulfilled_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id"), default=None
    )
    fulfilled_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    declined_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id"), default=None
    )
    declined_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    requester: Mapped[Department] = relationship()
    dataset: Mapped[Dataset | None] = relationship()
