"""A dataset fed from a database: extract since the last watermark, land, run the pipeline.

:func:`ingest_from_db` reads a table or query from a SQLAlchemy URL (the contract's ``source:``
block, or the caller's ``table``/``query``/``watermark``, which win) incrementally through
:func:`lakehouse.sources.database.extract`, lands the extract as a batch and carries it through
the pipeline like any delivered file, all under the dataset's ingest lock.

**Where the watermark lives.** On the batch, without a new column: the batch's recorded source
(``Batch.source_name``) of a database extract is ``db:`` followed by a small JSON object — the URL
with its password masked, the table (or the SHA-256 of the query), the watermark column, and the
range read, ``since`` (exclusive) and ``through`` (inclusive, the largest value read). The next
extract continues from the ``through`` of the dataset's latest *published* batch of the same
source, so a batch that is rejected, fails, or dies half-way does not advance it: its rows are
read again next time (the same bytes then retry the refused batch). The lake's
``max(watermark)`` would be the other candidate, but the watermark column (``updated_at`` …) is
usually not a field of the contract, so it is not in the lake to ask.

The password never leaves this module: messages and the recorded source show ``***``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select

from catalog.datasets import get_dataset
from catalog.models import Batch, BatchStatus
from catalog.principals import SYSTEM, Principal
from catalog.settings import Settings
from lakehouse.errors import LakehouseError, MalformedSource
from lakehouse.locks import dataset_lock
from lakehouse.pipeline import BatchSummary, advance, contract_of, land_step, sessions
from lakehouse.progress import stage_started
from lakehouse.sources.database import extract
from schemas.source_format import SourceFormat

__all__ = ["DB_PREFIX", "DbIngest", "DbSourceError", "ingest_from_db", "last_watermark", "mask"]

DB_PREFIX = "db:"
_SOURCE_LIMIT = 500  # Batch.source_name


class DbSourceError(LakehouseError):
    """The source database could not be read (connection, SQL, or a missing table)."""

    code = "source.database"
    status = 502


@dataclass(frozen=True, slots=True)
class DbIngest:
    """What one database ingest did: ``summary`` is None when there was nothing new."""

    source: str
    """The recorded source, password masked."""
    rows: int
    since: str | None
    through: str | None
    summary: BatchSummary | None


def mask(url: str) -> str:
    """``url`` with its password shown as ``***`` (SQLAlchemy's own rendering)."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(an unreadable database URL)"


def _password(url: str) -> str | None:
    try:
        return sa.make_url(url).password
    except sa.exc.ArgumentError:
        return None


def _source(
    contract_source: SourceFormat,
    table: str | None,
    query: str | None,
    watermark: str | None,
) -> SourceFormat:
    """The contract's source with the caller's table or query (which replaces both) and
    watermark column, when given."""
    source = contract_source
    if table is not None or query is not None:
        source = dataclasses.replace(source, table=table, query=query)
    if watermark is not None:
        source = dataclasses.replace(source, watermark=watermark)
    if (source.table is None) == (source.query is None):
        raise MalformedSource("database source", "give exactly one of a table or a query")
    return source


def _identity(masked: str, source: SourceFormat) -> dict[str, Any]:
    what: dict[str, Any] = {"db": masked[:200]}
    if source.table:
        what["table"] = source.table
    else:
        what["query_sha256"] = hashlib.sha256((source.query or "").encode()).hexdigest()[:16]
    what["watermark"] = source.watermark
    return what


def _recorded(identity: dict[str, Any], since: str | None, through: str | None) -> str:
    text = DB_PREFIX + json.dumps(
        {**identity, "since": since, "through": through}, ensure_ascii=False, sort_keys=True
    )
    if len(text) > _SOURCE_LIMIT:
        raise MalformedSource("database source", "the source description is too long to record")
    return text


def last_watermark(session: Any, dataset_id: int, identity: dict[str, Any]) -> str | None:
    """The ``through`` of the latest published batch of the same database source, if any."""
    names = session.scalars(
        select(Batch.source_name)
        .where(
            Batch.dataset_id == dataset_id,
            Batch.status == BatchStatus.PUBLISHED,
            Batch.source_name.startswith(DB_PREFIX),
        )
        .order_by(Batch.id.desc())
    )
    for name in names:
        try:
            recorded = json.loads(name.removeprefix(DB_PREFIX))
        except ValueError:
            continue
        if {k: recorded.get(k) for k in identity} == identity:
            through = recorded.get("through")
            return None if through is None else str(through)
    return None


def _layout(source: SourceFormat) -> dict[str, Any]:
    """How the extract is written so that standardising reads it as the contract declares."""
    if source.format == "sql":
        return {"encoding": "utf-8", "delimiter": ",", "title_lines": 0}
    if source.format not in ("csv", "auto"):
        raise MalformedSource(
            "database source",
            f"the contract reads {source.format} extracts; a database extract lands as CSV "
            "(declare format: sql or csv)",
        )
    encoding = "utf-8" if source.encoding.lower() == "auto" else source.encoding
    return {
        "encoding": encoding,
        "delimiter": "," if source.delimiter == "auto" else source.delimiter,
        "title_lines": source.header_line - 1,
    }


def ingest_from_db(
    settings: Settings,
    dataset_code: str,
    url: str,
    *,
    table: str | None = None,
    query: str | None = None,
    watermark: str | None = None,
    actor: Principal = SYSTEM,
) -> DbIngest:
    """Extract what is new since the last published extract of this source, land it and carry
    it through the pipeline (see the module docstring)."""
    contract = contract_of(settings, dataset_code)
    source = _source(contract.source, table, query, watermark)
    masked = mask(url)
    identity = _identity(masked, source)
    stage_started("extract")
    with dataset_lock(settings, dataset_code):
        with sessions(settings)() as session:
            dataset = get_dataset(session, dataset_code)
            since = last_watermark(session, dataset.id, identity) if source.watermark else None
        settings.staging_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".db-extract-", dir=settings.staging_dir) as tmp:
            target = Path(tmp) / f"{source.table or 'query'}.csv"
            got = _extract(url, masked, source, target, since)
            recorded = _recorded(identity, since, got.watermark)
            if got.rows == 0:
                return DbIngest(recorded, 0, since, got.watermark, None)
            stage_started("land", total_bytes=target.stat().st_size)
            landed = land_step(settings, dataset_code, target, actor=actor)
        batch_id = int(landed["batch_id"])
        with sessions(settings)() as session:
            batch = session.get(Batch, batch_id)
            assert batch is not None
            if not landed["duplicate"]:
                batch.source_name = recorded
                session.commit()
        if landed["duplicate"]:
            summary = BatchSummary(
                dataset_code,
                batch_id,
                True,
                "duplicate",
                outcome="duplicate",
                reason=f"the same rows were published before as batch {batch_id}",
            )
        else:
            summary = advance(
                settings,
                dataset_code,
                batch_id,
                resumed=bool(landed["resumed"]),
                retry_of=landed["retry_of"],
            )
    return DbIngest(recorded, got.rows, since, got.watermark, summary)


def _extract(url: str, masked: str, source: SourceFormat, target: Path, since: str | None) -> Any:
    try:
        return extract(url, source, target, since=since, **_layout(source))
    except sa.exc.SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        password = _password(url)
        if password:
            detail = detail.replace(password, "***")
        raise DbSourceError(f"{masked}: {detail}") from None
