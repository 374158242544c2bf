"""Catalog search: ``search(session, actor, query, filters, limit=, offset=) -> SearchResult``.

A query is split into terms (``catalog.search_text.query_terms``); a dataset matches when every
term occurs, after normalising, in its indexed text (titles and their abbreviation variants and
pinyin, tags, field titles and names, data-element names, description) and it passes the filters
(owner department, share type, grade, update cycle, freshness). The engine's index narrows the
rows (SQLite FTS5 ``trigram`` / ``unicode61``; PostgreSQL ``pg_trgm`` GIN / a GIN over the
grams: ``catalog.search_tables``) and ``LIKE`` decides, so both engines return the same hits.

Ranking: for each term, where it occurs best — title 100, title pinyin 80, tags 60, fields and
data elements 20, description 10 — summed over the terms; ties by dataset code. A title match
always beats a description match.

Freshness is the dataset's newest published batch against its update cycle
(``schemas.loader.FRESHNESS_DAYS``, about two cycles): ``fresh``, ``stale``, ``unpublished``, or
``irregular`` (a cycle with no window), as ``catalog.dataset_freshness.judge`` says on ``main``.
The ``fresh`` filter: True for fresh datasets only, False for all others.

Facets count the matching datasets per value of each filter, for the query and all the filters
given (the total is their sum).

Access: searching is ``dataset.view`` and shows only what a dataset's catalog page shows (the
index holds nothing else). Each hit is decided by ``catalog.policy.authorize`` and dropped if
refused. ``dataset.view`` has no per-dataset condition today (any authenticated account); should
it gain one, the total and facets must be counted over the visible datasets only —
``tests/catalog/test_search_access.py`` fails until they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Text,
    and_,
    bindparam,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog.errors import InvalidInput
from catalog.models import Dataset, DatasetStatus, Department, Field, utcnow
from catalog.policy import Allowed, authorize
from catalog.principals import Principal
from catalog.resources import DatasetTerms, FieldTerms
from catalog.search_filters import SearchFilters
from catalog.search_tables import SearchDocument
from catalog.search_text import TRIGRAM, query_terms
from schemas import Grade, ShareType
from schemas.loader import FRESHNESS_DAYS
from schemas.masks import MaskSpec

__all__ = [
    "MAX_LIMIT",
    "MAX_OFFSET",
    "WEIGHTS",
    "FacetValue",
    "SearchFilters",
    "SearchHit",
    "SearchResult",
    "search",
]

MAX_LIMIT = 100
MAX_OFFSET = 10_000
WEIGHTS: dict[str, int] = {
    "title": 100,
    "title_pinyin": 80,
    "tags": 60,
    "fields": 20,
    "description": 10,
}
"""Where a term occurs → its score; the best place counts, once per term."""

D = SearchDocument


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One dataset found: what its catalog page shows, its score and where the terms occurred."""

    dataset_id: int
    code: str
    title_zh: str
    title_en: str
    description: str
    owner_code: str
    owner_name: str
    share_type: str
    share_basis: str
    grade: str
    update_cycle: str
    status: str
    freshness: str
    last_published_at: dt.datetime | None
    score: int
    matched_in: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    count: int
    label: str = ""


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    terms: tuple[str, ...]
    hits: tuple[SearchHit, ...]
    total: int
    facets: dict[str, tuple[FacetValue, ...]] = field(default_factory=dict)
    limit: int = 20
    offset: int = 0


def _fts_phrase(terms: Sequence[str]) -> str:
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _exact_in_fts(term: str) -> bool:
    """Whether SQLite's FTS5 answer for ``term`` is exactly "a substring of ``doc``": Latin
    letters, digits and Chinese characters only (no separator, nothing a tokenizer folds)."""
    return all(ch.isascii() and ch.isalnum() or "\u4e00" <= ch <= "\u9fff" for ch in term)


def _term_conditions(dialect: str, terms: Sequence[str]) -> list[ColumnElement[bool]]:
    """Every term a substring of ``doc``. SQLite: the FTS5 tables narrow (or, for plain terms,
    decide) and ``LIKE`` checks the rest; PostgreSQL: ``LIKE`` on the trigram-indexed ``doc``
    for long terms, exact gram membership for short ones."""
    long = [t for t in terms if len(t) >= TRIGRAM]
    short = [t for t in terms if len(t) < TRIGRAM]
    if dialect != "sqlite":
        conds: list[ColumnElement[bool]] = [D.doc.contains(t, autoescape=True) for t in long]
        if short:
            words = func.string_to_array(D.grams, literal_column("' '"))
            wanted = cast(postgresql.array([bindparam(None, t) for t in short]), ARRAY(Text))
            conds.append(words.op("@>")(wanted))
        return conds
    conds = [D.doc.contains(t, autoescape=True) for t in terms if not _exact_in_fts(t)]
    short = [t for t in short if _exact_in_fts(t)]  # others ("_", "%"…) may have no token
    for name, group in (("search_fts", long), ("search_grams", short)):
        if group:
            fts = table(name, column(name), column("rowid"))
            match = fts.c[name].op("MATCH")(literal(_fts_phrase(group)))
            conds.append(D.dataset_id.in_(select(fts.c.rowid).where(match)))
    return conds


def _fresh(now: dt.datetime) -> ColumnElement[bool]:
    published = D.last_published_at
    in_time = [
        and_(D.update_cycle == cycle, published >= now - dt.timedelta(days=days))
        for cycle, days in sorted(FRESHNESS_DAYS.items())
    ]
    return and_(published.is_not(None), or_(*in_time))


def _freshness(now: dt.datetime) -> ColumnElement[str]:
    """As ``catalog.dataset_freshness.judge`` says (the dataset page and the scorecards)."""
    return case(
        (D.last_published_at.is_(None), "unpublished"),
        (D.update_cycle.not_in(sorted(FRESHNESS_DAYS)), "irregular"),
        (_fresh(now), "fresh"),
        else_="stale",
    )


def _filter_conditions(
    session: Session, filters: SearchFilters, now: dt.datetime
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if filters.departments:
        ids = session.scalars(
            select(Department.id).where(Department.code.in_(filters.departments))
        ).all()
        conds.append(D.owner_department_id.in_(ids))
    if filters.share_types:
        conds.append(D.share_type.in_(filters.share_types))
    if filters.grades:
        conds.append(D.grade.in_(filters.grades))
    if filters.cycles:
        conds.append(D.update_cycle.in_(filters.cycles))
    if filters.fresh is not None:
        conds.append(_fresh(now) if filters.fresh else not_(_fresh(now)))
    return conds


def _score(terms: Sequence[str]) -> ColumnElement[int]:
    if not terms:
        return literal(0)
    parts = [
        case(
            *[(getattr(D, col).contains(t, autoescape=True), w) for col, w in WEIGHTS.items()],
            else_=0,
        )
        for t in terms
    ]
    total: ColumnElement[int] = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def _page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT or not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(
            f"limit must be 1–{MAX_LIMIT} and offset 0–{MAX_OFFSET}",
            code="search.bad_page",
            limit=limit,
            offset=offset,
        )


def _facets(
    session: Session, where: list[ColumnElement[bool]], now: dt.datetime
) -> tuple[int, dict[str, tuple[FacetValue, ...]]]:
    freshness = _freshness(now).label("freshness")
    keys = (D.owner_department_id, D.share_type, D.grade, D.update_cycle, freshness)
    query = select(*keys, func.count()).where(*where).group_by(*keys)
    counts: dict[str, dict[str, int]] = {
        k: {} for k in ("department", "share_type", "grade", "cycle", "freshness")
    }
    total = 0
    for owner, share, grade, cycle, fresh, n in session.execute(query):
        total += n
        for key, value in zip(counts, (str(owner), share, grade, cycle, fresh), strict=True):
            counts[key][value] = counts[key].get(value, 0) + n
    departments = {
        str(d.id): d
        for d in session.scalars(
            select(Department).where(Department.id.in_([int(i) for i in counts["department"]]))
        )
    }
    facets: dict[str, tuple[FacetValue, ...]] = {}
    for key, values in counts.items():
        if key == "department":
            items = [
                FacetValue(departments[i].code, n, departments[i].name) for i, n in values.items()
            ]
        else:
            items = [FacetValue(v, n) for v, n in values.items()]
        facets[key] = tuple(sorted(items, key=lambda f: (-f.count, f.value)))
    return total, facets


def _matched_in(row: SearchDocument, terms: Sequence[str]) -> tuple[str, ...]:
    return tuple(col for col in WEIGHTS if any(t in getattr(row, col) for t in terms))


def _page_rows(session: Session, ids: list[int]) -> dict[int, tuple[Any, Any, DatasetTerms]]:
    """For a page of hits: each dataset's catalog row (with its owner), its search row, and its
    terms for the access decision — as ``DatasetTerms.of`` builds them, read as plain rows (the
    ORM's objects cost more than the whole query on a page of twenty)."""
    datasets = session.execute(
        select(
            Dataset.id,
            Dataset.code,
            Dataset.title_zh,
            Dataset.title_en,
            Dataset.description,
            Dataset.owner_department_id,
            Dataset.share_type,
            Dataset.share_basis,
            Dataset.grade,
            Dataset.update_cycle,
            Dataset.status,
            Dataset.primary_key,
            Department.code.label("owner_code"),
            Department.name.label("owner_name"),
        )  # fmt: skip
        .join(Department, Department.id == Dataset.owner_department_id)
        .where(Dataset.id.in_(ids))
    ).all()
    documents = {
        d.dataset_id: d
        for d in session.execute(
            select(D.dataset_id, D.last_published_at, *(getattr(D, c) for c in WEIGHTS)).where(
                D.dataset_id.in_(ids)
            )
        )
    }
    fields: dict[int, list[FieldTerms]] = {}
    for f in session.execute(
        select(Field.dataset_id, Field.name, Field.duckdb_type, Field.personal, Field.mask)
        .where(Field.dataset_id.in_(ids))
        .order_by(Field.dataset_id, Field.position)
    ):
        fields.setdefault(f.dataset_id, []).append(
            FieldTerms(f.name, f.duckdb_type, f.personal, MaskSpec.parse(f.mask))
        )
    out: dict[int, tuple[Any, Any, DatasetTerms]] = {}
    for d in datasets:
        terms = DatasetTerms(
            dataset_id=d.id, code=d.code, owner_department_id=d.owner_department_id,
            share_type=ShareType(d.share_type), share_basis=d.share_basis,
            fields=tuple(fields.get(d.id, ())),
            primary_key=tuple(str(k) for k in d.primary_key or ()),
        )  # fmt: skip
        out[d.id] = (d, documents[d.id], terms)
    return out


def search(
    session: Session,
    actor: Principal,
    query: str,
    filters: SearchFilters | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    now: dt.datetime | None = None,
) -> SearchResult:
    """The datasets matching ``query`` and ``filters`` that ``actor`` may view, best first."""
    now = now or utcnow()
    filters = filters or SearchFilters()
    _page(limit, offset)
    terms = query_terms(query)
    dialect = session.get_bind().dialect.name
    where = [*_term_conditions(dialect, terms), *_filter_conditions(session, filters, now)]
    total, facets = _facets(session, where, now)
    score = _score(terms).label("score")
    ranked = session.execute(  # ids only: whole rows would be carried through the sort
        select(D.dataset_id, score, _freshness(now).label("freshness"))
        .where(*where)
        .order_by(score.desc(), D.code)
        .limit(limit)
        .offset(offset)
    ).all()
    ids = [row.dataset_id for row in ranked]
    pages = _page_rows(session, ids)
    hits = []
    for dataset_id, points, freshness in ranked:
        dataset, row, terms_of = pages[dataset_id]
        decision = authorize(actor, act.DATASET_VIEW, terms_of, now=now)
        if not isinstance(decision, Allowed):
            continue
        hits.append(
            SearchHit(
                dataset_id=dataset_id,
                code=dataset.code,
                title_zh=dataset.title_zh,
                title_en=dataset.title_en,
                description=dataset.description,
                owner_code=dataset.owner_code,
                owner_name=dataset.owner_name,
                share_type=ShareType(dataset.share_type).value,
                share_basis=dataset.share_basis,
                grade=Grade(dataset.grade).value,
                update_cycle=dataset.update_cycle,
                status=DatasetStatus(dataset.status).value,
                freshness=str(freshness),
                last_published_at=row.last_published_at,
                score=int(points),
                matched_in=_matched_in(row, terms),
            )
        )
    return SearchResult(
        query=query,
        terms=tuple(terms),
        hits=tuple(hits),
        total=total,
        facets=facets,
        limit=limit,
        offset=offset,
    )
