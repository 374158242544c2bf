"""The whole definition of a data element (数据元) as the catalog holds it (migration 0011),
mixed into :class:`catalog.models.DataElement`; ``catalog.elements`` reads and writes it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["ElementDefinition"]


class ElementDefinition:
    """Columns of a data element beyond its code, names, standard, check and personal flag."""

    duckdb_type: Mapped[str] = mapped_column(
        String(32), default="VARCHAR", server_default="VARCHAR"
    )
    params: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    default_mask: Mapped[str] = mapped_column(String(40), default="none", server_default="none")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    origin: Mapped[str] = mapped_column(String(16), default="", server_default="")
    """``shipped`` (seeded from ``schemas/elements/``), ``admin``, or empty: an older mirror."""
    definition_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    added_by_account_id: Mapped[int | None] = mapped_column(Integer, default=None)
    """The admin's account (no foreign key: the column is added in place to a table others
    reference, which SQLite could otherwise only do by rebuilding it)."""
    added_at: Mapped[dt.datetime | None] = mapped_column(default=None)
