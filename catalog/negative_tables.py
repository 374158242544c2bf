"""The negative list's table: ``negative_list_entries``, one row per listed dataset or field.

Kept apart from ``catalog.models``, which imports this module at its end, so the table is on
``Base.metadata`` wherever the models are. ``catalog.negative_list`` is the service over it;
:func:`live_terms` is how ``catalog.resources.DatasetTerms.of`` reads the live entries of a
dataset from the catalog at the moment of each act (no cache: an entry added or lifted in one
worker applies to the next act in every worker).

An entry is live until it is lifted (``lifted_at``); one past its ``review_date`` stays in force
and is only flagged as due for review.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Date, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session, relationship

from catalog.models import Account, Base, Dataset, utcnow
from catalog.negative_check import NegativeTerms

__all__ = ["NegativeListEntry", "live_terms", "live_terms_by_dataset"]


class NegativeListEntry(Base):
    """负面清单: a dataset (``field_name`` NULL) or one of its fields that may not be shared."""

    __tablename__ = "negative_list_entries"
    __table_args__ = (Index("ix_negative_list_entries_dataset", "dataset_id", "lifted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    field_name: Mapped[str | None] = mapped_column(String(64), default=None)
    legal_basis: Mapped[str] = mapped_column(Text)
    review_date: Mapped[dt.date] = mapped_column(Date)
    added_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    lifted_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id"), default=None
    )
    lift_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    dataset: Mapped[Dataset] = relationship()
    added_by: Mapped[Account | None] = relationship(foreign_keys=[added_by_account_id])
    lifted_by: Mapped[Account | None] = relationship(foreign_keys=[lifted_by_account_id])

    def terms(self) -> NegativeTerms:
        return NegativeTerms(self.id, self.field_name, self.legal_basis, self.review_date)


def live_terms(dataset: Dataset) -> tuple[NegativeTerms, ...]:
    """The live entries of ``dataset``, read from its session now.

    Fails closed: a stored dataset row that is no longer attached to a session cannot say
    which entries apply, so building its terms is a programming error rather than a read
    without the list.
    """
    session = object_session(dataset)
    if session is None:
        if dataset.id is None:
            return ()  # not stored yet: nothing can list it
        raise RuntimeError(f"terms of dataset {dataset.code} must be built inside a session")
    with session.no_autoflush:
        rows = session.scalars(
            select(NegativeListEntry)
            .where(NegativeListEntry.dataset_id == dataset.id)
            .where(NegativeListEntry.lifted_at.is_(None))
            .order_by(NegativeListEntry.id)
        )
        return tuple(row.terms() for row in rows)


def live_terms_by_dataset(
    session: Session, dataset_ids: Sequence[int]
) -> dict[int, tuple[NegativeTerms, ...]]:
    """The live entries of each of ``dataset_ids`` in one query (every id a key): what
    :func:`live_terms` reads for one dataset, for pages that decide over many at once."""
    found: dict[int, list[NegativeTerms]] = {i: [] for i in dataset_ids}
    if dataset_ids:
        with session.no_autoflush:
            rows = session.scalars(
                select(NegativeListEntry)
                .where(NegativeListEntry.dataset_id.in_(list(dataset_ids)))
                .where(NegativeListEntry.lifted_at.is_(None))
                .order_by(NegativeListEntry.id)
            )
            for row in rows:
                found[row.dataset_id].append(row.terms())
    return {i: tuple(terms) for i, terms in found.items()}
