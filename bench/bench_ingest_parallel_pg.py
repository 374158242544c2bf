"""``ingest_parallel_pg``: four datasets ingested at once on the production shape, against the same
four one after another, in the same run.

The production shape: the Zhongtai catalog and the DuckLake metadata in a real PostgreSQL (a
throwaway cluster from the machine's binaries, ``bench.bench_lineage.postgres_server``), the lake's
Parquet files in an S3-compatible store (moto's server on loopback, **a stand-in**:
``bench.object_store``). The four datasets are the three shipped contracts (social insurance,
household register, enterprise register) and the social-insurance contract registered again
under a new code (``rsj_social_insurance_copy``): the repo ships three. Each gets a GBK extract
of ``--rows`` rows (default 500,000), valid throughout, in the shapes real extracts have.

Every ingest is a separate process, as separate Airflow workers would run it: ``zhongtai ingest
CODE FILE --quiet --json`` (land → standardise → validate → publish). Each phase gets a fresh
world (its own catalog database, lake database and bucket, the four contracts registered, the
lake created) so both start alike:

- **baseline, sequential**: the four ingests one after another;
- **value, parallel**: the four started together, the phase ending when the last one does.

Start-up is measured apart: ``zhongtai --help`` (the interpreter and the CLI's imports) and a
100-row ingest of each dataset in a third world (everything an ingest pays whatever its size).
By default both phases run twice (``--rounds``), in the opposite order the second time: the
machine may be shared, and its load drifts.

Writes ``bench/results/ingest_parallel_pg.json``: rows/s of both phases, the ratio (the speed-up;
goal >= 1.6 on 2 cores), each phase's wall and CPU seconds, each ingest's wall, CPU and stage
times, the machine's cores and its load.
Run: ``.venv/bin/python -m bench.bench_ingest_parallel_pg``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bench.bench_ingest_e2e import generate
from bench.bench_lineage import postgres_server
from bench.object_store import LoopbackStore, moto_store
from bench.parallel_extracts import ENTERPRISE, HOUSEHOLD, write_enterprise, write_household
from bench.record import peak_rss_mb, write_result
from schemas import load_contract

NAME = "ingest_parallel_pg"
GOAL = 1.6
SOCIAL = "rsj_social_insurance"
EXTRA = "rsj_social_insurance_copy"
DATASETS = (SOCIAL, HOUSEHOLD, ENTERPRISE, EXTRA)
STARTUP_ROWS = 100

_PREPARE = """
import json, sys
from catalog.contracts import register_dataset
from catalog.datasets import register_contract
from catalog.db import init_catalog
from catalog.departments import upsert_department
from catalog.principals import SYSTEM
from catalog.settings import get_settings
from lakehouse.connection import connect
from schemas import load_contract
social, extra, others = sys.argv[1], sys.argv[2], sys.argv[3:]
settings = get_settings()
sessions = init_catalog(settings.resolved_catalog_url)
with sessions() as session:
    for code in (social, *others):
        contract = load_contract(code)
        upsert_department(session, contract.owner_department, contract.owner_department, "330100")
        register_contract(session, contract)
    text = load_contract(social).text.replace(f"code: {social}\\n", f"code: {extra}\\n", 1)
    register_dataset(session, text, SYSTEM)
    session.commit()
sessions.kw["bind"].dispose()
with connect(settings):  # the lake exists before the first publishes race to create it
    pass
facts = {"threads": settings.duckdb_threads, "memory_limit": settings.duckdb_memory_limit}
print(json.dumps(facts))
"""


@dataclass(frozen=True, slots=True)
class World:
    label: str
    env: dict[str, str]
    bucket: str


@dataclass(frozen=True, slots=True)
class Run:
    dataset: str
    start_s: float
    """Seconds from the phase's start to this process's start."""
    wall_s: float
    cpu_s: float
    """User + system CPU seconds of the process."""
    rows_published: int
    snapshot_id: int
    stages_s: dict[str, float]


def _zhongtai() -> list[str]:
    script = Path(sys.executable).with_name("zhongtai")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "exchange_api.cli"]


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU jiffies of the whole machine so far (every process, not only ours)."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _busy_cores(before: tuple[int, int], after: tuple[int, int]) -> float:
    busy, total = after[0] - before[0], after[1] - before[1]
    return round((os.cpu_count() or 1) * busy / total, 2) if total else 0.0


def _world(
    label: str, admin: Any, store: LoopbackStore, workdir: Path, threads: int | None
) -> World:
    url = make_url(admin)
    names = {}
    import psycopg

    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    ) as con:
        for role in ("catalog", "lake"):
            names[role] = f"{label}_{role}"
            con.execute(f'CREATE DATABASE "{names[role]}"')
    bucket = store.create_bucket(label.replace("_", "-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHONGTAI_")}
    env.update(store.environment(bucket))
    env.update(
        ZHONGTAI_VAR_DIR=str(workdir / label / "var"),
        ZHONGTAI_ENV_FILE=os.devnull,
        ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_CATALOG_URL=str(url.set(database=names["catalog"]).render_as_string(False)),
        ZHONGTAI_LAKE_CATALOG=(
            f"postgres:dbname={names['lake']} host={url.host} port={url.port} user={url.username}"
        ),
    )
    for name in ("ZHONGTAI_DUCKDB_THREADS", "ZHONGTAI_DUCKDB_MEMORY_LIMIT"):
        if name in os.environ:
            env[name] = os.environ[name]
    if threads is not None:
        env["ZHONGTAI_DUCKDB_THREADS"] = str(threads)
    return World(label, env, bucket)


def _prepare(world: World) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _PREPARE, SOCIAL, EXTRA, HOUSEHOLD, ENTERPRISE],
        env=world.env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"preparing {world.label} failed: {done.stderr[-3000:]}")
    facts: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return facts


def _ingest(world: World, dataset: str, source: Path, origin: float) -> Run:
    """One ``zhongtai ingest`` process, reaped with its own resource usage."""
    log = source.with_suffix(f".{world.label}.stderr")
    with log.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [*_zhongtai(), "ingest", dataset, str(source), "--quiet", "--json"],
            env=world.env,
            stdout=subprocess.PIPE,
            stderr=err,
        )
        assert process.stdout is not None
        out = process.stdout.read()
        process.stdout.close()
        _, status, usage = os.wait4(process.pid, 0)
        ended = time.perf_counter()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(
            f"{dataset} ({world.label}) exited {process.returncode}: "
            f"{log.read_text(encoding='utf-8', errors='replace')[-3000:]}"
        )
    record = json.loads(out)
    if record["outcome"] != "published":
        raise RuntimeError(f"{dataset} ({world.label}) was not published: {record}")
    return Run(
        dataset=dataset,
        start_s=round(started - origin, 2),
        wall_s=round(ended - started, 2),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 2),
        rows_published=int(record["rows_published"]),
        snapshot_id=int(record["snapshot_id"]),
        stages_s={k: round(float(v), 2) for k, v in record.get("stages_s", {}).items()},
    )


def _phase(world: World, sources: dict[str, Path], *, parallel: bool) -> dict[str, Any]:
    before = _machine_jiffies()
    origin = time.perf_counter()
    if parallel:
        with ThreadPoolExecutor(len(sources)) as pool:
            futures = [pool.submit(_ingest, world, d, p, origin) for d, p in sources.items()]
            runs = [f.result() for f in futures]
    else:
        runs = [_ingest(world, d, p, origin) for d, p in sources.items()]
    wall = time.perf_counter() - origin
    cpu = sum(r.cpu_s for r in runs)
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "cores_used_by_ingests": round(cpu / wall, 2),
        "machine_busy_cores": _busy_cores(before, _machine_jiffies()),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "runs": [asdict(r) for r in runs],
    }


def _check(world: World, phase: dict[str, Any], rows: int, store: LoopbackStore) -> None:
    """Every dataset published in full, once, in a snapshot of its own, into the bucket."""
    runs = phase["runs"]
    if sorted(r["dataset"] for r in runs) != sorted(DATASETS):
        raise RuntimeError(f"{world.label}: ran {[r['dataset'] for r in runs]}")
    if any(r["rows_published"] != rows for r in runs):
        raise RuntimeError(f"{world.label}: not every row was published: {runs}")
    if len({r["snapshot_id"] for r in runs}) != len(runs):
        raise RuntimeError(f"{world.label}: two publishes share a snapshot: {runs}")
    keys = store.keys(world.bucket, "lake/main/")
    for dataset in DATASETS:
        if not any(k.startswith(f"lake/main/{dataset}/") for k in keys):
            raise RuntimeError(f"{world.label}: no Parquet file of {dataset} in the bucket")


def _extracts(folder: Path, rows: int, today: dt.date) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    header = [f.source_column for f in load_contract(SOCIAL).fields]
    writers: dict[str, Callable[[Path], None]] = {
        SOCIAL: lambda p: generate(p, rows, header, seed=7),
        HOUSEHOLD: lambda p: write_household(p, rows, today),
        ENTERPRISE: lambda p: write_enterprise(p, rows, today),
        EXTRA: lambda p: generate(p, rows, header, seed=8),
    }
    paths = {}
    for dataset, write in writers.items():
        paths[dataset] = folder / f"{dataset}_{rows}.csv"
        write(paths[dataset])
    return paths


def bench(
    rows: int, workdir: Path, *, rounds: int = 1, threads: int | None = None
) -> dict[str, Any]:
    load_before = [round(x, 2) for x in os.getloadavg()]
    today = dt.date.today()
    started = time.perf_counter()
    small = _extracts(workdir / "small", STARTUP_ROWS, today)
    big = _extracts(workdir / "big", rows, today)
    generate_s = time.perf_counter() - started
    help_walls = []
    for _ in range(3):
        mark = time.perf_counter()
        subprocess.run([*_zhongtai(), "--help"], capture_output=True, check=True)
        help_walls.append(time.perf_counter() - mark)

    with postgres_server() as admin, moto_store(workdir / "moto.log") as store:
        startup_world = _world("startup", admin, store, workdir, threads)
        facts = _prepare(startup_world)
        startup = _phase(startup_world, small, parallel=False)
        _check(startup_world, startup, STARTUP_ROWS, store)
        phases: list[dict[str, Any]] = []
        for number in range(rounds):
            order = (False, True) if number % 2 == 0 else (True, False)
            for parallel in order:
                kind = "parallel" if parallel else "sequential"
                world = _world(f"r{number}_{kind}", admin, store, workdir, threads)
                _prepare(world)
                phase = _phase(world, big, parallel=parallel)
                _check(world, phase, rows, store)
                phases.append({"round": number, "kind": kind, **phase})

    sequential = sum(p["wall_s"] for p in phases if p["kind"] == "sequential")
    parallel = sum(p["wall_s"] for p in phases if p["kind"] == "parallel")
    total_rows = rows * len(DATASETS) * rounds
    value, baseline = total_rows / parallel, total_rows / sequential
    ratio = value / baseline
    cores = os.cpu_count()
    return {
        "name": NAME,
        "description": "four datasets ingested at once (four zhongtai ingest processes) on the "
        "PostgreSQL catalogs and the object store (moto on loopback, a stand-in), against the "
        "same four one after another",
        "unit": "rows/s",
        "value": round(value, 1),
        "baseline_name": "the same four ingests one after another (same run, fresh world)",
        "baseline_value": round(baseline, 1),
        "ratio": round(ratio, 3),
        "better": "higher",
        "goal": f"ratio >= {GOAL} on 2 cores",
        "goals_met": {"ratio": ratio >= GOAL},
        "params": {
            "rows_per_dataset": rows,
            "datasets": list(DATASETS),
            "rounds": rounds,
            "cores": cores,
            "duckdb_threads": facts["threads"],
            "duckdb_memory_limit": facts["memory_limit"],
            "sequential_wall_s": round(sequential, 2),
            "parallel_wall_s": round(parallel, 2),
            "startup": {
                "zhongtai_help_s": round(statistics.median(help_walls), 2),
                f"ingest_{STARTUP_ROWS}_rows_s": {
                    r["dataset"]: r["wall_s"] for r in startup["runs"]
                },
                f"ingest_{STARTUP_ROWS}_rows_cpu_s": {
                    r["dataset"]: r["cpu_s"] for r in startup["runs"]
                },
            },
            "phases": phases,
            "generate_s": round(generate_s, 1),
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=500_000, help="rows per dataset")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="ZHONGTAI_DUCKDB_THREADS")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_ingest_parallel_pg_") as tmp:
        result = bench(args.rows, Path(tmp), rounds=args.rounds, threads=args.threads)
    write_result(result)


if __name__ == "__main__":
    main()
