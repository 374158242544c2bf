"""Search quality on the labelled query set (``tests/data/search_queries.json``, ≥ 50 queries:
Chinese substrings of one to six characters, pinyin initials and full pinyin, English words,
field titles and data-element names, with filters) over the fixture catalog, on SQLite and
PostgreSQL: recall ≥ 0.95, a title match ranked above a description match, and the same hits in
the same order on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from catalog.principals import Principal
from catalog.search import SearchFilters, search
from tests.catalog.search_fixture import NOW, QUERIES, all_hits, filters_of, fixture_catalog
from tests.fixtures.postgres import PostgresServer

Catalogs = dict[str, tuple[sessionmaker[Session], Principal]]


@pytest.fixture(scope="module")
def catalogs(
    tmp_path_factory: pytest.TempPathFactory, postgresql_server: PostgresServer
) -> Iterator[Catalogs]:
    sqlite_url = f"sqlite:///{Path(tmp_path_factory.mktemp('search')) / 'catalog.sqlite'}"
    name = postgresql_server.create_database("search")
    try:
        with (
            fixture_catalog(sqlite_url) as lite,
            fixture_catalog(postgresql_server.url(name)) as pg,
        ):
            yield {"sqlite": lite, "postgresql": pg}
    finally:
        with postgresql_server.admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _results(catalogs: Catalogs, engine: str) -> list[list[Any]]:
    factory, principal = catalogs[engine]
    with factory() as session:
        return [all_hits(session, principal, q["query"], filters_of(q["filters"])) for q in QUERIES]


def test_the_labelled_set_is_large_and_varied() -> None:
    assert len(QUERIES) >= 50
    lengths = {len(q["query"]) for q in QUERIES if q["query"].isascii() is False}
    assert {1, 2, 3, 4, 5, 6} <= lengths  # Chinese substrings of one to six characters
    assert sum(1 for q in QUERIES if q["filters"]) >= 5
    assert all(q["relevant"] for q in QUERIES)


@pytest.mark.postgres
def test_recall_and_identical_hits_on_both_engines(catalogs: Catalogs) -> None:
    by_engine = {engine: _results(catalogs, engine) for engine in ("sqlite", "postgresql")}
    recalls = []
    misses = {}
    for q, hits in zip(QUERIES, by_engine["sqlite"], strict=True):
        found = {h.code for h in hits}
        relevant = set(q["relevant"])
        recalls.append(len(found & relevant) / len(relevant))
        if relevant - found:
            misses[(q["query"], str(q["filters"]))] = sorted(relevant - found)
    recall = sum(recalls) / len(recalls)
    assert recall >= 0.95, (recall, misses)
    sqlite_codes = [[(h.code, h.score) for h in hits] for hits in by_engine["sqlite"]]
    postgres_codes = [[(h.code, h.score) for h in hits] for hits in by_engine["postgresql"]]
    for q, a, b in zip(QUERIES, sqlite_codes, postgres_codes, strict=True):
        assert a == b, q["query"]


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_title_match_beats_a_description_match(catalogs: Catalogs, engine: str) -> None:
    factory, principal = catalogs[engine]
    with factory() as session:
        hits = all_hits(session, principal, "参保", SearchFilters())
    in_title = [h.code for h in hits if "title" in h.matched_in]
    only_described = [h.code for h in hits if h.matched_in == ("description",)]
    assert in_title and only_described  # 养老保险参保登记 vs 社会保险缴费 (参保单位 …)
    order = [h.code for h in hits]
    assert max(order.index(c) for c in in_title) < min(order.index(c) for c in only_described)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_facets_count_the_query_per_filter_value(catalogs: Catalogs, engine: str) -> None:
    factory, principal = catalogs[engine]
    with factory() as session:
        result = search(session, principal, "保险", SearchFilters(), limit=5, now=NOW)
        hits = all_hits(session, principal, "保险", SearchFilters())
    assert len(result.hits) == 5 and result.total == len(hits)
    for key, attribute in (("share_type", "share_type"), ("grade", "grade"),
                           ("cycle", "update_cycle"), ("freshness", "freshness"),
                           ("department", "owner_code")):  # fmt: skip
        expected: dict[str, int] = {}
        for h in hits:
            expected[getattr(h, attribute)] = expected.get(getattr(h, attribute), 0) + 1
        assert {f.value: f.count for f in result.facets[key]} == expected
    assert {f.value for f in result.facets["freshness"]} == {"fresh", "stale", "unpublished"}
