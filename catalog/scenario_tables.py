"""The table of scenario requests (应用场景): several share requests under one purpose and duty.

Kept apart from ``catalog.models`` (which imports this module at its end, so the table is on
``Base.metadata`` wherever the models are); ``catalog.scenarios`` is the service over it. Each
member is an ordinary :class:`catalog.models.ShareRequest` whose ``scenario_id`` names the
scenario; the requester's own dataset, when the scenario includes one, is its *anchor* and needs
no request (a department reads its own data as its owner).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Base, Dataset, Department, ShareRequest

__all__ = ["ScenarioRequest"]


class ScenarioRequest(Base):
    """应用场景: one purpose and legal duty, several datasets joined on one field."""

    __tablename__ = "scenario_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    requester_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    filed_by_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    join_field: Mapped[str] = mapped_column(String(64))
    """The field every member is joined on (the same person's citizen ID in every dataset)."""
    anchor_dataset_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id"), default=None)
    """The requester's own dataset in the scenario, read as its owner; None when it has none."""
    anchor_fields: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[dt.datetime] = mapped_column()

    requester: Mapped[Department] = relationship()
    anchor: Mapped[Dataset | None] = relationship()
    members: Mapped[list[ShareRequest]] = relationship(
        primaryjoin="ShareRequest.scenario_id == ScenarioRequest.id",
        foreign_keys="ShareRequest.scenario_id",
        order_by="ShareRequest.id",
        viewonly=True,
    )
