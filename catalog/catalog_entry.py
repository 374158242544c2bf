"""The national catalog columns of a dataset (GB/T 21063 style), mixed into
:class:`catalog.models.Dataset`; :mod:`schemas.catalog_fields` says what each means and
:mod:`catalog.contracts` fills them from a contract.

``resource_code`` (信息资源代码) is unique; it is ``None`` only on rows made without a contract
(bare test rows, and rows from before migration 0010 until their next revision gives them one).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["CatalogEntry"]


class CatalogEntry:
    """Columns of the catalog entry beyond title, summary, owner, share and open type, grade."""

    resource_code: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    classification: Mapped[str] = mapped_column(String(20), default="", server_default="")
    provider_code: Mapped[str] = mapped_column(String(32), default="", server_default="")
    resource_format: Mapped[str] = mapped_column(String(100), default="", server_default="")
    share_conditions: Mapped[str] = mapped_column(Text, default="", server_default="")
    share_method: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    open_conditions: Mapped[str] = mapped_column(Text, default="", server_default="")
    publication_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    related_resources: Mapped[list[Any]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """The contract version the row holds (1 on registration; ``dataset_versions`` keeps each)."""
