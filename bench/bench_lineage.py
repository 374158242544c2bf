"""``lineage_traverse_1m``: depth-5 upstream and downstream traversal of the lineage graph over 1M
stored OpenLineage events, p95, on SQLite and on PostgreSQL (a throwaway server started as the
``postgres`` user, as the test fixture does); baseline: a single indexed lookup of one stored
event in the same run. Goal: p95 ≤ 100 ms.

The graph: ``datasets`` lake tables, each fed by ingestion runs (a COMPLETE event: landed file →
batch → table, two edges) and read by deliveries (a COMPLETE event: table → a department's
delivery, one edge), 40 % ingestions and 60 % deliveries. Events and edges are written straight
into ``lineage_events`` and ``lineage_edges`` of a migrated catalog (executemany on SQLite, COPY
on PostgreSQL), not through the client one by one; column-level edges are left out (they sit
on the same indexes, under another field). Traversal is the library's own
(``catalog.lineage_query.traverse``): upstream from a random delivery (delivery → table → its
batches → their files) and downstream from a random landed file (file → batch → table → its
deliveries), each a few hundred edges.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from bench.record import peak_rss_mb, write_result
from catalog.db import init_catalog
from catalog.lineage_edges import dataset_node
from catalog.lineage_query import traverse
from catalog.models import LineageEdge, LineageEvent

NAME = "lineage_traverse_1m"
GOAL_MS = 100.0
_T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_CHUNK = 20_000


def _payload(kind: str, n: int) -> str:
    return (
        f'{{"eventType":"COMPLETE","eventTime":"2026-01-01T00:00:00Z","run":{{"runId":'
        f'"{uuid.UUID(int=n)}"}},"job":{{"namespace":"zhongtai","name":"{kind}.{n}"}},'
        f'"inputs":[],"outputs":[],"producer":"https://github.com/zhongtai/zhongtai",'
        f'"schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"}}'
    )


def plan(events: int, datasets: int) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(event row, its edge rows) for every synthetic event, ids from 1."""
    ingestions = events * 2 // 5
    for n in range(1, events + 1):
        table = dataset_node(f"ds_{n % datasets:05d}")
        at = _T0 + dt.timedelta(seconds=n)
        run = str(uuid.UUID(int=n))
        common = {"event_id": n, "run_id": run, "event_time": at, "source_field": "",
                  "target_field": "", "department": ""}  # fmt: skip
        if n <= ingestions:
            kind, file = "ingest", f"file:{n:064x}"
            edges = [
                {**common, "source": file, "target": f"batch:{n}", "snapshot_id": None,
                 "batch_id": n},
                {**common, "source": f"batch:{n}", "target": table, "snapshot_id": n,
                 "batch_id": n},
            ]  # fmt: skip
        else:
            kind, department = "delivery", f"3301{n % 50:02d}DEPT"
            edges = [
                {**common, "source": table, "target": f"delivery:{department}/{n}",
                 "snapshot_id": n, "batch_id": None, "department": department}
            ]  # fmt: skip
        event = {"id": n, "run_id": run, "job_name": f"zhongtai/{kind}.{n}",
                 "event_type": "COMPLETE", "event_time": at,
                 "payload": _payload(kind, n)}  # fmt: skip
        yield event, edges


def _load_sqlite(sessions: sessionmaker[Session], rows: Iterator[Any]) -> None:
    engine = sessions.kw["bind"]
    events, edges = LineageEvent.__table__, LineageEdge.__table__
    with engine.begin() as connection:
        batch_events: list[dict[str, Any]] = []
        batch_edges: list[dict[str, Any]] = []
        for event, its_edges in rows:
            batch_events.append({**event, "payload": json.loads(event["payload"])})
            batch_edges.extend(its_edges)
            if len(batch_events) >= _CHUNK:
                connection.execute(insert(events), batch_events)
                connection.execute(insert(edges), batch_edges)
                batch_events, batch_edges = [], []
        if batch_events:
            connection.execute(insert(events), batch_events)
            connection.execute(insert(edges), batch_edges)


def _load_postgres(url: str, events: int, datasets: int) -> None:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    event_cols = ("id", "run_id", "job_name", "event_type", "event_time", "payload")
    edge_cols = ("event_id", "source", "source_field", "target", "target_field", "run_id",
                 "event_time", "snapshot_id", "batch_id", "department")  # fmt: skip
    with psycopg.connect(dsn) as con, con.cursor() as cur:
        with cur.copy(f"COPY lineage_events ({', '.join(event_cols)}) FROM STDIN") as copy:
            for event, _ in plan(events, datasets):
                copy.write_row([_naive(event[c]) for c in event_cols])
        with cur.copy(f"COPY lineage_edges ({', '.join(edge_cols)}) FROM STDIN") as copy:
            for _, its_edges in plan(events, datasets):
                for edge in its_edges:
                    copy.write_row([_naive(edge[c]) for c in edge_cols])
        cur.execute("SELECT setval('lineage_events_id_seq', (SELECT max(id) FROM lineage_events))")
        cur.execute("ANALYZE lineage_events")
        cur.execute("ANALYZE lineage_edges")
        con.commit()


def _naive(value: Any) -> Any:
    """Timestamps as the catalog stores them: naive UTC."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def measure(
    sessions: sessionmaker[Session], events: int, datasets: int, runs: int, seed: int
) -> dict[str, Any]:
    """p50 and p95 (ms) of the traversals and of the baseline lookup."""
    rng = random.Random(seed)
    ingestions = events * 2 // 5
    times: dict[str, list[float]] = {"up": [], "down": [], "lookup": []}
    edges_seen: dict[str, int] = {"up": 0, "down": 0}
    with sessions() as session:
        for _ in range(runs):
            n = rng.randint(1, events)
            start = time.perf_counter()
            session.execute(select(LineageEvent).where(LineageEvent.id == n)).scalar_one()
            times["lookup"].append(time.perf_counter() - start)
            delivery = rng.randint(ingestions + 1, events)
            node = f"delivery:3301{delivery % 50:02d}DEPT/{delivery}"
            start = time.perf_counter()
            up = traverse(session, node, direction="up", depth=5)
            times["up"].append(time.perf_counter() - start)
            edges_seen["up"] = max(edges_seen["up"], len(up.edges))
            start = time.perf_counter()
            down = traverse(session, f"file:{rng.randint(1, ingestions):064x}", direction="down")
            times["down"].append(time.perf_counter() - start)
            edges_seen["down"] = max(edges_seen["down"], len(down.edges))
            session.expunge_all()
    out: dict[str, Any] = {f"{k}_p95_ms": _p(v, 0.95) for k, v in times.items()}
    out |= {f"{k}_p50_ms": _p(v, 0.5) for k, v in times.items()}
    out |= {f"{k}_edges_max": v for k, v in edges_seen.items()}
    return out


def run_engine(url: str, events: int, datasets: int, runs: int, seed: int) -> dict[str, Any]:
    sessions = init_catalog(url)
    try:
        start = time.perf_counter()
        if url.startswith("sqlite"):
            _load_sqlite(sessions, plan(events, datasets))
        else:
            _load_postgres(url, events, datasets)
        loaded = round(time.perf_counter() - start, 1)
        return {"load_s": loaded, **measure(sessions, events, datasets, runs, seed)}
    finally:
        sessions.kw["bind"].dispose()


def _as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL (trust auth, fsync off) and the URL of a fresh database in it."""
    bindir = Path(
        subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        or "/usr/lib/postgresql/15/bin"
    )
    if not (bindir / "initdb").is_file():
        bindir = Path("/usr/lib/postgresql/15/bin")
    root = Path(tempfile.mkdtemp(prefix="zhongtai-bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres", group="postgres")
    data = root / "data"
    initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
              "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]  # fmt: skip
    subprocess.run(_as_postgres(*initdb), check=True, capture_output=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    options = f"-h 127.0.0.1 -p {port} -k {root} -F -c fsync=off -c full_page_writes=off"
    ctl = str(bindir / "pg_ctl")
    start = [ctl, "-D", str(data), "-l", str(root / "log"), "-o", options, "-w", "start"]
    subprocess.run(_as_postgres(*start), check=True, capture_output=True)
    try:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True
        ) as admin:
            admin.execute('CREATE DATABASE "lineage_bench"')
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/lineage_bench"
    finally:
        stop = [ctl, "-D", str(data), "-m", "fast", "-w", "stop"]
        subprocess.run(_as_postgres(*stop), capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


def bench_lineage(
    folder: Path, events: int, datasets: int, runs: int, seed: int = 20261130
) -> dict[str, Any]:
    engines = {
        "sqlite": run_engine(f"sqlite:///{folder / 'catalog.sqlite'}", events, datasets, runs, seed)
    }
    with postgres_server() as url:
        engines["postgresql"] = run_engine(url, events, datasets, runs, seed)
    worst = max(e[f"{d}_p95_ms"] for e in engines.values() for d in ("up", "down"))
    baseline = max(e["lookup_p95_ms"] for e in engines.values())
    result = {
        "name": NAME,
        "description": "depth-5 upstream and downstream lineage traversal (catalog.lineage_query)"
        " over 1M stored OpenLineage events, worst p95 of SQLite and PostgreSQL",
        "unit": "ms",
        "value": worst,
        "baseline_name": "a single indexed lookup of one stored event (p95, same run)",
        "baseline_value": baseline,
        "ratio": round(worst / baseline, 1) if baseline else None,
        "better": "lower",
        "goal": f"p95 <= {GOAL_MS:g} ms",
        "goals_met": {"p95": worst <= GOAL_MS},
        "params": {
            "events": events,
            "datasets": datasets,
            "runs": runs,
            "depth": 5,
            **{f"{engine}_{k}": v for engine, got in engines.items() for k, v in got.items()},
        },  # fmt: skip
        "peak_rss_mb": peak_rss_mb(),
    }
    write_result(result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--datasets", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lineage-bench-") as folder:
        bench_lineage(Path(folder), args.events, args.datasets, args.runs)


if __name__ == "__main__":
    main()
