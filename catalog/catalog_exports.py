"""Exporting the catalog: the public part as DCAT-AP 3, the whole of it as a spreadsheet.

- :func:`public_catalog` — JSON-LD or Turtle of the entries whose open type lets the public see
  them (``catalog.dcat``); no actor, nothing recorded: it is public by construction.
- :func:`export_catalog` — the full catalog as XLSX (two sheets: 信息资源目录, 信息项) or CSV
  (UTF-8 with a BOM), decided as ``catalog.export`` (``catalog.policy_exports``) and recorded
  as ``catalog.exported`` with the SHA-256 of the file.

Both read the catalog rows at the moment of the export (no cache) through
:func:`catalog_records`, which also judges each entry's freshness from its latest published
batch. A format that is not one of the above is ``InvalidInput`` (``catalog.bad_export_format``);
a bad page number or size ``catalog.bad_page``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog import actions as act
from catalog import audit
from catalog.catalog_record import CatalogRecord, catalog_record
from catalog.catalog_sheet import catalog_table, field_table
from catalog.dataset_freshness import freshness_of
from catalog.dcat import MEDIA_TYPES, Paging, RdfFormat, catalog_graph, public_records, serialize
from catalog.errors import InvalidInput
from catalog.export_events import CatalogExported
from catalog.guard import ensure
from catalog.models import Dataset, DatasetStatus, Field, utcnow
from catalog.principals import Principal
from catalog.resources import PLATFORM
from catalog.usage_files import FileFormat, csv_bytes, xlsx_bytes
from schemas import OpenType

__all__ = [
    "MAX_PAGE_SIZE",
    "PAGE_SIZE",
    "PUBLIC_FORMATS",
    "SHEET_FORMATS",
    "CatalogFile",
    "catalog_records",
    "export_catalog",
    "public_catalog",
]

PUBLIC_FORMATS: tuple[RdfFormat, ...] = ("jsonld", "ttl")
PAGE_SIZE = 200
MAX_PAGE_SIZE = 1000
SHEET_FORMATS: tuple[str, ...] = ("xlsx", "csv")


@dataclass(frozen=True, slots=True)
class CatalogFile:
    """An exported catalog: its file name, media type and bytes, how many entries it holds, the
    SHA-256 of the bytes, and the audit event that recorded it (None: the public catalog)."""

    name: str
    media_type: str
    body: bytes
    row_count: int
    sha256: str
    event_id: int | None = None


def _format(value: str, allowed: tuple[str, ...]) -> str:
    text = (value or "").strip().lower()
    if text not in allowed:
        raise InvalidInput(
            f"format must be one of {', '.join(allowed)}",
            code="catalog.bad_export_format",
            value=text[:20],
        )
    return text


def catalog_records(session: Session, *, now: dt.datetime) -> list[CatalogRecord]:
    """Every dataset's export record, by code, with its freshness at ``now``."""
    datasets = list(
        session.scalars(
            select(Dataset)
            .options(
                selectinload(Dataset.owner),
                selectinload(Dataset.fields).joinedload(Field.data_element),
            )
            .order_by(Dataset.code)
        )
    )
    fresh = freshness_of(session, datasets, now)
    return [catalog_record(d, freshness=fresh.get(d.id)) for d in datasets]


def _public_records(session: Session) -> list[CatalogRecord]:
    """Every entry the public may see, by code, without fields (DCAT-AP carries none)."""
    # Paging stays in Python (``public_records`` decides which entries the public may see,
    # conditions included); a contract cannot be saved conditional_open without conditions.
    datasets = session.scalars(
        select(Dataset)
        .options(selectinload(Dataset.owner))
        .where(
            Dataset.open_type.in_((OpenType.OPEN, OpenType.CONDITIONAL_OPEN)),
            Dataset.status != DatasetStatus.RETIRED,
        )
        .order_by(Dataset.code)
    )
    return public_records(catalog_record(d, with_fields=False) for d in datasets)


def _whole(value: int | str | None, what: str, low: int, high: int) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or not low <= int(text) <= high:
        raise InvalidInput(
            f"{what} must be a whole number from {low} to {high}", code="catalog.bad_page"
        )
    return int(text)


def public_catalog(
    session: Session,
    fmt: str,
    *,
    base_url: str,
    now: dt.datetime | None = None,
    page: int | str | None = None,
    per_page: int | str = PAGE_SIZE,
) -> CatalogFile:
    """The public part of the catalog as DCAT-AP 3 in ``jsonld`` or ``ttl``: all of it, or
    one ``page`` (from 1) of ``per_page`` entries (1 to :data:`MAX_PAGE_SIZE`) with Hydra links.
    A page past the last is empty (its links lead back); bad numbers are ``catalog.bad_page``."""
    chosen = _format(fmt, PUBLIC_FORMATS)
    now = now or utcnow()
    records = _public_records(session)
    listed = frozenset(r.code for r in records)
    paging = None
    if page is not None:
        number = _whole(page, "page", 1, 10**8)
        size = _whole(per_page, "per_page", 1, MAX_PAGE_SIZE)
        paging = Paging(f"api/v1/catalog/dcat.{chosen}", number, size, len(records))
        records = records[(number - 1) * size : number * size]
    graph = catalog_graph(records, base_url=base_url, now=now, listed=listed, paging=paging)
    rdf: RdfFormat = "jsonld" if chosen == "jsonld" else "ttl"
    body = serialize(graph, rdf)
    digest = hashlib.sha256(body).hexdigest()
    return CatalogFile(f"catalog.{chosen}", MEDIA_TYPES[chosen], body, len(records), digest)


def export_catalog(
    session: Session, actor: Principal, fmt: str, *, now: dt.datetime | None = None
) -> CatalogFile:
    """The whole catalog as ``xlsx`` or ``csv``, if ``actor`` may export it; recorded."""
    now = now or utcnow()
    ensure(session, actor, act.CATALOG_EXPORT, PLATFORM, now=now)
    chosen = FileFormat(_format(fmt, SHEET_FORMATS))
    records = catalog_records(session, now=now)
    entries = catalog_table(records)
    fields = field_table(records)
    body = xlsx_bytes([entries, fields]) if chosen is FileFormat.XLSX else csv_bytes(entries)
    digest = hashlib.sha256(body).hexdigest()
    event = audit.record(
        session,
        CatalogExported(
            format=chosen.value,
            row_count=len(entries.rows),
            field_count=len(fields.rows),
            bytes_sent=len(body),
            content_sha256=digest,
        ),
        actor=actor,
        now=now,
    )
    stamp = now.strftime("%Y%m%d")
    name = f"catalog-{stamp}.{chosen.value}"
    return CatalogFile(name, chosen.media_type, body, len(records), digest, event.id)
