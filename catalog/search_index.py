"""Keeping the search index (``search_documents``) in step with the catalog.

- :func:`search_document` — the one place a :class:`~catalog.models.Dataset` becomes the text the
  search indexes (a frozen :class:`SearchText`): what its catalog page shows, normalised, with
  pinyin forms and grams; nothing else.
- :func:`index_dataset` — write (insert or replace) a dataset's row; called whenever a dataset is
  registered or revised (``catalog.datasets.register_contract``), in the same transaction.
- :func:`reindex_all` — rebuild every row (``zhongtai search reindex``), e.g. after an upgrade
  that changes how documents are built.

Freshness needs no call from here on: a trigger on ``batches`` keeps ``last_published_at``
(``catalog.search_tables``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalog.models import Batch, BatchStatus, Dataset, utcnow
from catalog.search_tables import SearchDocument
from catalog.search_text import grams, normalize, pinyin_forms, title_variants

__all__ = [
    "SearchText",
    "dataset_tags",
    "document_values",
    "index_dataset",
    "reindex_all",
    "search_document",
]


@dataclass(frozen=True, slots=True)
class SearchText:
    """The searchable text of one dataset, column by column (all normalised)."""

    title: str
    title_pinyin: str
    tags: str
    fields: str
    description: str

    @property
    def doc(self) -> str:
        return " ".join(
            p
            for p in (self.title, self.title_pinyin, self.tags, self.fields, self.description)
            if p
        )


def dataset_tags(dataset: Dataset) -> list[str]:
    """The dataset's tags (``Dataset.tags``, from its contract)."""
    return [str(t) for t in dataset.tags or [] if str(t).strip()]


def _join(parts: Iterable[str]) -> str:
    return normalize(" ".join(dict.fromkeys(p for p in parts if p)))


def search_document(dataset: Dataset) -> SearchText:
    """What the search indexes of ``dataset``: only what its catalog page shows."""
    variants = title_variants(dataset.title_zh)
    tags = dataset_tags(dataset)
    names: list[str] = []
    for field in dataset.fields:
        names += [field.title_zh, field.name]
        if field.data_element is not None:
            names += [field.data_element.name_zh, field.data_element.name_en]
    return SearchText(
        title=_join([*variants, dataset.title_en, dataset.code]),
        title_pinyin=_join(form for v in variants for form in pinyin_forms(v)),
        tags=_join([*tags, *(form for t in tags for form in pinyin_forms(t))]),
        fields=_join(names),
        description=normalize(dataset.description),
    )


def _last_published(session: Session, dataset_id: int) -> dt.datetime | None:
    return session.scalar(
        select(func.max(Batch.published_at)).where(
            Batch.dataset_id == dataset_id, Batch.status == BatchStatus.PUBLISHED
        )
    )


def document_values(dataset: Dataset) -> dict[str, object]:
    """The ``search_documents`` row of ``dataset`` but its publication time, as column values."""
    text = search_document(dataset)
    return {
        "dataset_id": dataset.id,
        "code": dataset.code,
        "owner_department_id": dataset.owner_department_id,
        "share_type": str(dataset.share_type.value),
        "grade": str(dataset.grade.value),
        "update_cycle": dataset.update_cycle,
        "status": str(dataset.status.value),
        "title": text.title,
        "title_pinyin": text.title_pinyin,
        "tags": text.tags,
        "fields": text.fields,
        "description": text.description,
        "doc": text.doc,
        "grams": " ".join(grams(text.doc)),
        "indexed_at": utcnow(),
    }


def index_dataset(session: Session, dataset: Dataset) -> SearchDocument:
    """Write ``dataset``'s search row (insert or replace) in the caller's transaction."""
    if dataset.id is None:
        session.flush()
    values = document_values(dataset)
    row = session.get(SearchDocument, dataset.id)
    if row is None:
        row = SearchDocument(dataset_id=dataset.id)
        session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.last_published_at = _last_published(session, dataset.id)
    session.flush()
    return row


def reindex_all(session: Session, *, chunk: int = 500) -> int:
    """Rebuild every dataset's row; returns how many were indexed."""
    done = 0
    last_id = 0
    while True:
        datasets = session.scalars(
            select(Dataset)
            .where(Dataset.id > last_id)
            .order_by(Dataset.id)
            .limit(chunk)
            .options(selectinload(Dataset.fields))
        ).all()
        if not datasets:
            return done
        for dataset in datasets:
            index_dataset(session, dataset)
        done += len(datasets)
        last_id = datasets[-1].id
