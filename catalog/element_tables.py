"""The tables of the data-element registry beyond ``data_elements``: code lists (代码表).

Kept apart from ``catalog.models`` (which imports this module at its end, so the tables are on
``Base.metadata`` wherever the models are); ``catalog.elements`` is the service over them. The
columns ``data_elements`` gained for whole definitions are on ``catalog.models.DataElement``.

A code list is written once, whole, with all its entries (``catalog.elements.add_code_list``);
nothing here is updated in place afterwards.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Base

__all__ = ["CodeList", "CodeListEntry"]


class CodeList(Base):
    """代码表: a named list of codes with their labels, from a standard (GB/T 2261.1 …)."""

    __tablename__ = "code_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    """``[a-z][a-z0-9_]*``; an element's ``params.code_list`` names it (``name``/``name.csv``)."""
    title: Mapped[str] = mapped_column(String(200), default="")
    standard: Mapped[str] = mapped_column(String(100), default="")
    version: Mapped[str] = mapped_column(String(32), default="")
    origin: Mapped[str] = mapped_column(String(16))
    """``shipped`` (seeded from ``schemas/codes/``) or ``admin``."""
    content_sha256: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the file's bytes as received (the shipped file, or the upload)."""
    entry_count: Mapped[int] = mapped_column(Integer)
    added_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    added_at: Mapped[dt.datetime] = mapped_column()

    entries: Mapped[list[CodeListEntry]] = relationship(
        order_by="CodeListEntry.position", cascade="all, delete-orphan"
    )


class CodeListEntry(Base):
    """One code of a list: ``code`` (normalised: full-width folded, trimmed), ``label``, and the
    code of its ``parent`` in the same list (empty for none)."""

    __tablename__ = "code_list_entries"
    __table_args__ = (UniqueConstraint("code_list_id", "code", name="uq_code_list_entries_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_list_id: Mapped[int] = mapped_column(ForeignKey("code_lists.id"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    parent: Mapped[str] = mapped_column(String(64), default="", server_default="")
