"""The fixture catalog of the search tests: the three shipped contracts plus 200 generated
datasets (``bench.search_corpus``), with published batches by the labelled set's freshness rule
(``tests.data.make_search_queries.freshness_of``), built once per engine per module."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bench.search_corpus import corpus, load_corpus
from catalog.datasets import register_contract
from catalog.db import init_catalog
from catalog.models import Batch, BatchStatus, Dataset, Role
from catalog.principals import Principal
from catalog.search import SearchFilters, search
from schemas import load_contract
from tests.catalog import factories
from tests.data.make_search_queries import FIXTURE_SIZE, SHIPPED, freshness_of

NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
QUERIES: list[dict[str, Any]] = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "search_queries.json").read_text("utf-8")
)


def _publish(session: Session, dataset: Dataset, at: dt.datetime) -> None:
    session.add(
        Batch(
            dataset=dataset, source_name="extract.csv", source_sha256=f"{dataset.id:064x}",
            raw_path="raw/x", size_bytes=1, status=BatchStatus.PUBLISHED, published_at=at,
        )
    )  # fmt: skip


def build(session: Session) -> Principal:
    """Fill an empty catalog; returns a requester of a department that owns nothing."""
    specs = list(corpus(FIXTURE_SIZE))
    load_corpus(session, specs)
    for code in SHIPPED:
        register_contract(session, load_contract(code))
    by_code = {d.code: d for d in session.query(Dataset)}
    for index, spec in enumerate(specs):
        state = freshness_of(index)
        if state != "unpublished":
            ago = dt.timedelta(hours=12) if state == "fresh" else dt.timedelta(days=800)
            _publish(session, by_code[spec.code], NOW - ago)
    outsider = factories.department(session, "330100TEST")
    principal = factories.actor(session, outsider, Role.REQUESTER).principal
    session.commit()
    return principal


@contextmanager
def fixture_catalog(url: str) -> Iterator[tuple[sessionmaker[Session], Principal]]:
    factory = init_catalog(url)
    try:
        with factory() as session:
            principal = build(session)
        yield factory, principal
    finally:
        factory.kw["bind"].dispose()


def filters_of(raw: dict[str, Any]) -> SearchFilters:
    return SearchFilters.parse(
        departments=raw.get("department", ()), share_types=raw.get("share_type", ()),
        grades=raw.get("grade", ()), cycles=raw.get("cycle", ()), fresh=raw.get("fresh"),
    )  # fmt: skip


def all_hits(
    session: Session, principal: Principal, query: str, filters: SearchFilters
) -> list[Any]:
    """Every hit of a query, page by page, in rank order."""
    hits: list[Any] = []
    offset = 0
    while True:
        page = search(session, principal, query, filters, limit=100, offset=offset, now=NOW)
        hits += page.hits
        offset += 100
        if offset >= page.total:
            assert len(hits) == page.total
            return hits
