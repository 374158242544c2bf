"""``catalog_search_100k``: p50/p95 of 1,000 mixed catalog searches over 100k generated datasets
with realistic Chinese titles and descriptions (``bench.search_corpus``), on SQLite and on
PostgreSQL (a throwaway server, as ``bench_lineage`` starts one); baseline: a primary-key lookup
of one dataset in the same run. Goal: p95 ≤ 20 ms on both.

The datasets, their fields and their search rows (``catalog.search_index.document_values``, the
function ``index_dataset`` writes through) are inserted in bulk into a migrated catalog, a third
of them with a batch published recently, a third long ago. The queries are the library's own
(``catalog.search.search``, first page of 20 hits, with total and facets) as a signed-in
requester, a mix of: Chinese substrings of one to six characters of a dataset's topic or
district, pinyin initials and full pinyin of a topic, English words, and a filter (department,
share type, grade, cycle, freshness) on about a third of them, alone or with words.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.bench_lineage import postgres_server
from bench.record import peak_rss_mb, write_result
from bench.search_corpus import DEPARTMENTS, DISTRICTS, TOPICS, CorpusDataset, corpus
from catalog.db import init_catalog
from catalog.departments import upsert_department
from catalog.models import Batch, DataElement, Dataset, DatasetStatus, Field, Role
from catalog.principals import Principal
from catalog.search import SearchFilters, search
from catalog.search_index import document_values
from catalog.search_tables import SearchDocument
from catalog.search_text import pinyin_forms
from catalog.tokens import issue_account
from schemas import Grade, ShareType
from schemas.loader import load_elements

NAME = "catalog_search_100k"
GOAL_MS = 20.0
NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
_CHUNK = 2_000


Rows = tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]


def _rows(
    spec: CorpusDataset, dataset_id: int, owner: int, elements: dict[str, DataElement]
) -> Rows:
    fields = [
        Field(name=name, title_zh=title, data_element=elements[e] if e else None)
        for name, title, e in spec.fields
    ]
    dataset = Dataset(
        id=dataset_id, code=spec.code, title_zh=spec.title_zh, title_en=spec.title_en,
        description=spec.description, owner_department_id=owner,
        share_type=ShareType(spec.share_type), grade=Grade(spec.grade),
        update_cycle=spec.update_cycle, status=DatasetStatus.PUBLISHED, fields=fields,
    )  # fmt: skip
    setattr(dataset, "tags", list(spec.tags))  # noqa: B010  (Dataset.tags: not yet a column)
    row = {
        "id": dataset_id, "code": spec.code, "title_zh": spec.title_zh, "title_en": spec.title_en,
        "description": spec.description, "owner_department_id": owner, "steward": "",
        "share_type": spec.share_type, "share_basis": "《政务数据共享条例》",
        "open_type": "not_open",
        "grade": spec.grade, "update_cycle": spec.update_cycle, "status": "published",
        "contract_sha256": "", "primary_key": [], "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    field_rows = [
        {"dataset_id": dataset_id, "position": n, "name": name, "title_zh": title,
         "data_element_id": elements[e].id if e else None, "duckdb_type": "VARCHAR",
         "required": False, "personal": False, "mask": "none"}
        for n, (name, title, e) in enumerate(spec.fields, start=1)
    ]  # fmt: skip
    return row, field_rows, document_values(dataset)


Prepared = list[Rows]


def prepare(count: int) -> Prepared:
    """The rows of ``count`` datasets (dataset, fields, search row), built once for both engines;
    data-element ids are their order in ``schemas/elements`` (as :func:`load` inserts them)."""
    elements = {}
    for n, (code, spec) in enumerate(sorted(load_elements().items()), start=1):
        elements[code] = DataElement(id=n, code=code, name_zh=spec.name_zh, name_en=spec.name_en)
    owners = {code: n for n, code in enumerate(DEPARTMENTS, start=1)}
    return [
        _rows(spec, n, owners[spec.department], elements)
        for n, spec in enumerate(corpus(count), start=1)
    ]


def load(sessions: sessionmaker[Session], prepared: Prepared) -> Principal:
    """The prepared datasets with fields, search rows and batches; returns a requester."""
    with sessions() as session:
        for n, (code, name) in enumerate(DEPARTMENTS.items(), start=1):
            assert upsert_department(session, code, name, "330100").id == n
        for n, (code, spec) in enumerate(sorted(load_elements().items()), start=1):
            session.add(
                DataElement(
                    id=n, code=code, name_zh=spec.name_zh, name_en=spec.name_en,
                    standard=spec.standard, version=spec.version, check=spec.check,
                    personal=spec.personal,
                )
            )  # fmt: skip
        requester = upsert_department(session, "330100BENCH", "基准测试使用方", "330100")
        account, _ = issue_account(session, requester, "bench-requester", (Role.REQUESTER,))
        principal = Principal.of(account)
        session.commit()
    engine = sessions.kw["bind"]
    tables = (Dataset.__table__, Field.__table__, SearchDocument.__table__, Batch.__table__)
    with engine.begin() as connection:
        chunk: tuple[list[Any], list[Any], list[Any], list[Any]] = ([], [], [], [])
        count = len(prepared)
        for n, (row, fields, doc) in enumerate(prepared, start=1):
            chunk[0].append(row)
            chunk[1].extend(fields)
            chunk[2].append(doc)
            if n % 3 != 2:
                age = dt.timedelta(hours=12) if n % 3 == 0 else dt.timedelta(days=800)
                chunk[3].append(
                    {"dataset_id": n, "source_name": "x.csv", "source_sha256": f"{n:064x}",
                     "raw_path": "raw", "size_bytes": 1, "status": "published",
                     "landed_at": NOW - age, "published_at": NOW - age, "staging_path": "",
                     "error": "", "source_kind": "csv", "encoding": ""}
                )  # fmt: skip
            if n % _CHUNK == 0 or n == count:
                for table, rows in zip(tables, chunk, strict=True):
                    if rows:
                        connection.execute(insert(table), rows)
                    rows.clear()
        if engine.dialect.name == "postgresql":
            for table in ("datasets", "fields", "batches", "data_elements"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT max(id) FROM {table}))")
                )  # fmt: skip
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    return principal


def queries(count: int, seed: int) -> list[tuple[str, SearchFilters]]:
    """The mixed query load, the same for the same seed."""
    rng = random.Random(seed)
    words = ["pension", "tax", "housing", "registration", "insurance", "permits", "vaccination",
             "air quality", "enterprise", "allowance"]  # fmt: skip
    out: list[tuple[str, SearchFilters]] = []
    for _ in range(count):
        topic = rng.choice(TOPICS)
        core = topic.title_zh.removesuffix("信息")
        kind = rng.random()
        if kind < 0.45:
            length = rng.randint(1, min(6, len(core)))
            start = rng.randint(0, len(core) - length)
            query = core[start : start + length]
        elif kind < 0.55:
            query = rng.choice(DISTRICTS)[: rng.randint(2, 3)]
        elif kind < 0.72:
            initials = pinyin_forms(core)[0]
            length = rng.randint(2, min(6, len(initials)))
            query = initials[:length]
        elif kind < 0.78:
            query = pinyin_forms(core)[1][: rng.randint(4, 12)]
        elif kind < 0.88:
            query = rng.choice(words)
        else:
            query = ""
        filters = SearchFilters()
        if query == "" or rng.random() < 0.3:
            choice = rng.randrange(5)
            filters = SearchFilters.parse(
                departments=[topic.department] if choice == 0 else [],
                share_types=[rng.choice(["unconditional", "conditional"])] if choice == 1 else [],
                grades=[rng.choice(["general", "important", "core"])] if choice == 2 else [],
                cycles=[topic.cycle] if choice == 3 else [],
                fresh=True if choice == 4 else None,
            )
        out.append((query, filters))
    return out


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def run_engine(url: str, prepared: Prepared, runs: int, seed: int) -> dict[str, Any]:
    sessions = init_catalog(url)
    try:
        started = time.perf_counter()
        count = len(prepared)
        principal = load(sessions, prepared)
        load_s = round(time.perf_counter() - started, 1)
        load_mixed = queries(runs, seed)
        rng = random.Random(seed)
        timings: list[float] = []
        lookups: list[float] = []
        hits_total = 0
        broad: list[float] = []
        narrow: list[float] = []
        with sessions() as session:
            for query, filters in load_mixed[:20]:  # warm the caches
                search(session, principal, query, filters, now=NOW)
            for query, filters in load_mixed:
                t0 = time.perf_counter()
                result = search(session, principal, query, filters, now=NOW)
                timings.append((time.perf_counter() - t0) * 1000)
                hits_total += result.total
                (broad if result.total > count // 100 else narrow).append(timings[-1])
                session.expunge_all()
            for _ in range(runs):
                wanted = rng.randint(1, count)
                t0 = time.perf_counter()
                found = session.scalars(select(Dataset).where(Dataset.id == wanted)).one()
                lookups.append((time.perf_counter() - t0) * 1000)
                assert found.id == wanted
                session.expunge_all()
        return {
            "load_s": load_s,
            "search_p50_ms": _p(timings, 0.50),
            "search_p95_ms": _p(timings, 0.95),
            "search_max_ms": round(max(timings), 2),
            "lookup_p50_ms": _p(lookups, 0.50),
            "lookup_p95_ms": _p(lookups, 0.95),
            "mean_total_hits": round(hits_total / len(load_mixed), 1),
            "broad_queries": len(broad),
            "broad_p95_ms": _p(broad, 0.95) if broad else None,
            "narrow_p50_ms": _p(narrow, 0.50) if narrow else None,
            "narrow_p95_ms": _p(narrow, 0.95) if narrow else None,
        }
    finally:
        sessions.kw["bind"].dispose()


def bench_catalog_search(
    folder: Path,
    count: int,
    runs: int,
    *,
    postgres_url: str | None = None,
    seed: int = 20261201,
) -> dict[str, Any]:
    started = time.perf_counter()
    prepared = prepare(count)
    prepare_s = round(time.perf_counter() - started, 1)
    sqlite_url = f"sqlite:///{folder / 'catalog.sqlite'}"
    engines = {"sqlite": run_engine(sqlite_url, prepared, runs, seed)}
    if postgres_url is not None:
        engines["postgresql"] = run_engine(postgres_url, prepared, runs, seed)
    else:
        with postgres_server() as url:
            engines["postgresql"] = run_engine(url, prepared, runs, seed)
    worst = max(e["search_p95_ms"] for e in engines.values())
    baseline = max(e["lookup_p95_ms"] for e in engines.values())
    result = {
        "name": NAME,
        "description": "catalog search (catalog.search: Chinese substrings, pinyin, English, "
        "filters; first page with total and facets) over generated datasets, worst p95 of "
        "SQLite and PostgreSQL",
        "unit": "ms",
        "value": worst,
        "baseline_name": "a primary-key lookup of one dataset (p95, same run)",
        "baseline_value": baseline,
        "ratio": round(worst / baseline, 1) if baseline else None,
        "better": "lower",
        "goal": f"p95 <= {GOAL_MS:g} ms on both engines",
        "goals_met": {"p95": worst <= GOAL_MS},
        "params": {
            "datasets": count,
            "queries": runs,
            "prepare_documents_s": prepare_s,
            "broad_means": "more than 1 % of the datasets match",
            **{f"{engine}_{k}": v for engine, got in engines.items() for k, v in got.items()},
        },
        "peak_rss_mb": peak_rss_mb(),
    }
    write_result(result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="search-bench-") as folder:
        bench_catalog_search(Path(folder), args.datasets, args.queries)


if __name__ == "__main__":
    main()
