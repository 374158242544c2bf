"""The tables of the request workflow beyond the request itself: objections (异议) to refusals.

Kept apart from ``catalog.models`` (which imports this module at its end, so the table is on
``Base.metadata`` wherever the models are); ``catalog.objections`` is the service over it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Base, ObjectionStatus, ShareRequest, _enum

__all__ = ["RequestObjection"]


class RequestObjection(Base):
    """异议: the requesting department objects to a refusal; the owner answers by a deadline."""

    __tablename__ = "request_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("share_requests.id"))
    filed_by_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    reason: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[dt.datetime] = mapped_column()
    due_at: Mapped[dt.datetime] = mapped_column()
    due_provisional: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[ObjectionStatus] = mapped_column(_enum(ObjectionStatus, 16))
    answered_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id"), default=None
    )
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    request: Mapped[ShareRequest] = relationship(back_populates="objections")

    def overdue(self, now: dt.datetime) -> bool:
        return self.status is ObjectionStatus.OPEN and self.due_at <= now
