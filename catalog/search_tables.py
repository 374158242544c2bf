"""The catalog search index: ``search_documents``, one row per dataset (``catalog.search_index``).

The row holds only what a dataset's catalog page shows — titles, description, field titles and
names, data-element names, tags, owner, share type, grade, update cycle — normalised
(``catalog.search_text``), with its pinyin forms and its grams, and never a value of the data.
``doc`` is every searchable column joined by spaces; a query term matches a row when it is a
substring of ``doc``, checked with ``LIKE`` on both engines, so both give the same hits.

The engines' own indexes narrow the rows to check (migration ``0014``):

- SQLite: two FTS5 tables over ``search_documents`` (external content, kept in step by
  triggers): ``search_fts`` on ``doc`` with the ``trigram`` tokenizer for terms of three
  characters or more, ``search_grams`` on ``grams`` (``unicode61``) for shorter ones;
- PostgreSQL: ``pg_trgm`` GIN on ``doc`` for the long terms, a GIN over
  ``string_to_array(grams, ' ')`` for the short ones.

``last_published_at`` (for freshness) is kept by a trigger on ``batches``: whenever a batch is
inserted or its status or publication time changes, the dataset's newest published batch time is
written here, so no publishing code needs to know the index exists.

Those engine-only objects are not on ``Base.metadata``; :data:`ENGINE_ONLY_NAMES` lists them for
the schema comparison of ``tests/catalog/test_migrations.py``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models import Base, utcnow

__all__ = ["ENGINE_ONLY_NAMES", "SearchDocument"]


class SearchDocument(Base):
    """One dataset as the search sees it."""

    __tablename__ = "search_documents"
    __table_args__ = (
        Index("ix_search_documents_owner", "owner_department_id"),
        Index("ix_search_documents_share_type", "share_type"),
        Index("ix_search_documents_grade", "grade"),
        Index("ix_search_documents_cycle", "update_cycle"),
        Index("ix_search_documents_code", "code"),
        Index(
            "ix_search_documents_facets",
            "dataset_id",
            "owner_department_id",
            "share_type",
            "grade",
            "update_cycle",
            "last_published_at",
        ),  # fmt: skip  (facets counted from the index alone: the rows are wide)
    )

    dataset_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False,
    )  # fmt: skip
    code: Mapped[str] = mapped_column(String(64))
    owner_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    share_type: Mapped[str] = mapped_column(String(24))
    grade: Mapped[str] = mapped_column(String(24))
    update_cycle: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(Text)
    """Chinese and English titles, their abbreviation variants, and the code."""
    title_pinyin: Mapped[str] = mapped_column(Text)
    """Pinyin initials and full pinyin of each Chinese title variant."""
    tags: Mapped[str] = mapped_column(Text)
    """Tags and their pinyin forms."""
    fields: Mapped[str] = mapped_column(Text)
    """Field titles and names, data-element names (Chinese and English)."""
    description: Mapped[str] = mapped_column(Text)
    doc: Mapped[str] = mapped_column(Text)
    """Every searchable column above, joined by spaces: what a term must occur in."""
    grams: Mapped[str] = mapped_column(Text)
    """The distinct one- and two-character grams of ``doc``'s words, joined by spaces."""
    last_published_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    """When the dataset's newest published batch was published (the ``batches`` trigger)."""
    indexed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


SQLITE_FTS = ("search_fts", "search_grams")
_FTS_SHADOWS = ("data", "idx", "docsize", "config")

ENGINE_ONLY_NAMES: frozenset[str] = frozenset(
    [
        *SQLITE_FTS,
        *(f"{table}_{shadow}" for table in SQLITE_FTS for shadow in _FTS_SHADOWS),
        "ix_search_documents_doc_trgm",
        "ix_search_documents_grams",
    ]
)
"""Tables and indexes migration ``0014`` makes for one engine only (FTS5; GIN)."""
