"""``dataset_versions``: every contract text a dataset was registered or revised with.

The newest version's text is what :func:`catalog.contracts.current_contract` parses at run time;
older ones are the record (who changed what, when, and which grants it touched).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models import Base, utcnow

__all__ = ["DatasetVersion"]


class DatasetVersion(Base):
    """One registered version of a dataset's contract, as it was sent."""

    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("dataset_id", "version", name="uq_dataset_versions"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    contract_text: Mapped[str] = mapped_column(Text)
    contract_sha256: Mapped[str] = mapped_column(String(64))
    registered_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id"), default=None
    )
    registered_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    """Who: the account's name, or ``platform`` for the platform itself."""
    registered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    change_summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    """Fields added, removed, retyped; share type before and after; the grants it touched."""
