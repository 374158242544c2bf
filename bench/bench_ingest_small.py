"""``ingest_small_2000``: the wall time of ``zhongtai ingest`` for a 2,000-row GBK extract.

A small batch is all fixed cost: starting Python, importing the CLI, the catalog and the
validation stack (Great Expectations), attaching the lake. Each run is a real ``zhongtai ingest
DATASET FILE --quiet --json`` subprocess on a fresh 2,000-row GBK extract of the social-insurance
contract (unique keys, no defects: every row published), into one catalog and lake; the median of
``--runs`` (default 3) is the value. Baselines in the same run, also subprocesses: ``python -c
pass`` (the interpreter alone) and a bare DuckDB ``COPY`` of the same rows (UTF-8) to Parquet.
CPU seconds (user + system) of the ingest processes are reported beside the wall time, since a
busy machine stretches the wall time and not the CPU time.

Writes ``bench/results/ingest_small_2000.json``; goal: median under 5 s on a quiet machine.
Run: ``.venv/bin/python -m bench.bench_ingest_small``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_ingest_e2e import generate
from bench.record import peak_rss_mb, write_result

NAME = "ingest_small_2000"
CONTRACT = "rsj_social_insurance"
GOAL_S = 5.0


def _env(workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ZHONGTAI_VAR_DIR": str(workdir / "var"),
        "ZHONGTAI_ENV_FILE": str(workdir / "none.env"),
        "ZHONGTAI_ENVIRONMENT": "test",
    }


def _prepare(workdir: Path, env: dict[str, str]) -> None:
    """The catalog migrated, the owner department and the contract registered (a subprocess:
    this process keeps its settings its own)."""
    script = (
        "from catalog.datasets import register_contract\n"
        "from catalog.db import init_catalog\n"
        "from catalog.departments import upsert_department\n"
        "from catalog.settings import get_settings\n"
        "from schemas import load_contract\n"
        f"c = load_contract({CONTRACT!r})\n"
        "with init_catalog(get_settings().resolved_catalog_url)() as s:\n"
        "    upsert_department(s, c.owner_department, '人社局', '330100')\n"
        "    register_contract(s, c)\n"
        "    s.commit()\n"
    )
    subprocess.run([sys.executable, "-c", script], env=env, check=True, cwd=workdir)


def _zhongtai() -> list[str]:
    script = Path(sys.executable).with_name("zhongtai")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from exchange_api.cli import main; main()"]


def _timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system) and stdout of one subprocess."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} exited {done.returncode}: {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def bench(rows: int, runs: int, workdir: Path) -> dict[str, Any]:
    env = _env(workdir)
    _prepare(workdir, env)
    header_script = (
        f"from schemas import load_contract; print(','.join(f.source_column for f in "
        f"load_contract({CONTRACT!r}).fields))"
    )
    header = subprocess.run(
        [sys.executable, "-c", header_script], capture_output=True, text=True, check=True
    ).stdout.strip()
    columns = header.split(",")
    sources = []
    for seed in range(runs):
        path = workdir / f"社保_{seed}.csv"
        generate(path, rows, columns, seed=seed)
        sources.append(path)

    python = [_timed([sys.executable, "-c", "pass"], env, workdir)[0] for _ in range(runs)]
    utf8 = workdir / "copy.utf8.csv"
    utf8.write_text(sources[0].read_text(encoding="gbk"), encoding="utf-8")
    copy = (
        "import duckdb; duckdb.connect().execute(\"COPY (SELECT * FROM read_csv('copy.utf8.csv'))"
        " TO 'copy.parquet' (FORMAT parquet)\")"
    )
    duck = [_timed([sys.executable, "-c", copy], env, workdir)[0] for _ in range(runs)]

    walls, cpus, records = [], [], []
    for source in sources:
        command = [*_zhongtai(), "ingest", CONTRACT, str(source), "--quiet", "--json"]
        wall, cpu, out = _timed(command, env, workdir)
        record = json.loads(out)
        if record["outcome"] != "published" or record["rows_published"] != rows:
            raise RuntimeError(f"the batch did not publish every row: {record}")
        walls.append(wall)
        cpus.append(cpu)
        records.append(record)
    value = statistics.median(walls)
    floor = statistics.median(duck)
    middle = records[walls.index(value)] if value in walls else records[0]
    return {
        "name": NAME,
        "description": f"wall time of zhongtai ingest of a {rows}-row GBK extract (subprocess, "
        f"median of {runs})",
        "unit": "s",
        "value": round(value, 2),
        "baseline_name": "bare DuckDB COPY of the same rows (UTF-8) to Parquet, a subprocess",
        "baseline_value": round(floor, 2),
        "ratio": round(value / floor, 2),
        "better": "lower",
        "goal": f"median < {GOAL_S} s on a quiet machine",
        "goals_met": {"wall": value < GOAL_S},
        "params": {
            "rows": rows,
            "runs": runs,
            "walls_s": [round(w, 2) for w in walls],
            "cpu_s": [round(c, 2) for c in cpus],
            "python_pass_s": round(statistics.median(python), 3),
            "stages_s": middle.get("stages_s", {}),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_ingest_small_") as tmp:
        result = bench(args.rows, args.runs, Path(tmp))
    write_result(result)


if __name__ == "__main__":
    main()
