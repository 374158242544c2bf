"""``ingest_e2e_10m``: a whole ingestion of a large GBK extract, against the floor of copying it.

A GBK CSV of ``--rows`` rows (default 10M, about 1 GB) of the social-insurance contract — unique
keys, no defects, the messy shapes real extracts have (``2023年5月`` months, ``1,234.50`` and
``12.30元`` amounts) — is written once. Then, in this process:

- **baseline**: bare DuckDB ``COPY (SELECT * FROM read_csv(<the same rows, UTF-8>)) TO
  'x.parquet'`` — DuckDB cannot read GBK itself, so the baseline is given a UTF-8 copy for free;
- **value**: land → standardise → validate (every rule, Great Expectations included) → publish
  (the lake snapshot and the quarantine), each step as the pipeline runs it
  (``lakehouse.pipeline``'s steps, what ``zhongtai ingest`` and the DAG call), timed one by one:
  the profile by stage the issue asks for.

Writes ``bench/results/ingest_e2e_10m.json``: rows/s of both, the ratio (goal ≥ 0.25), peak RSS
(goal ≤ 1.5 GB) and seconds per stage. ``ingest_rows_per_s`` (``bench_ingest``) leaves out
landing and validation; both are reported so the difference shows.
Run: ``.venv/bin/python -m bench.bench_ingest_e2e --rows 10000000``.
"""

from __future__ import annotations

import argparse
import codecs
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.record import peak_rss_mb, write_result
from catalog.datasets import register_contract
from catalog.db import init_catalog
from catalog.departments import upsert_department
from catalog.settings import Settings, get_settings
from lakehouse.connection import connect, quote_literal
from schemas import load_contract
from schemas.generators import citizen_id, current_division, uscc

NAME = "ingest_e2e_10m"
CONTRACT = "rsj_social_insurance"
_PEOPLE = 100_003  # pairwise coprime pool sizes: (person, employer, month) never repeats
_EMPLOYERS = 997
_MONTHS = ("2023年5月", "202306", "2023/7", "2023.8", "2023-09")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
_CHUNK = 1 << 20


def generate(path: Path, rows: int, header: list[str], seed: int = 7) -> None:
    """A GBK CSV of ``rows`` rows whose key (person, employer, month) is unique."""
    if rows > _PEOPLE * _EMPLOYERS * len(_MONTHS):
        raise ValueError("more rows than unique keys")
    rng = random.Random(seed)
    people: dict[str, None] = {}
    while len(people) < _PEOPLE:
        people[citizen_id(rng)] = None
    ids = list(people)
    names = [
        rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(("", rng.choice(_GIVEN)))
        for _ in range(_PEOPLE)
    ]
    employers = [uscc(rng) for _ in range(_EMPLOYERS)]
    regions = [current_division(rng) for _ in range(200)]
    with path.open("w", encoding="gbk", newline="") as out:
        out.write(",".join(header) + "\r\n")
        lines: list[str] = []
        for i in range(rows):
            person, employer = i % _PEOPLE, i % _EMPLOYERS
            cents = 10_000 + (i * 7919) % 990_000
            amount = f'"{cents // 100:,}.{cents % 100:02d}"' if i % 2 else f"{cents / 100:.2f}元"
            lines.append(
                f"{ids[person]},{names[person]},{employers[employer]},某某有限公司{employer},"
                f"{_MONTHS[i % 5]},{amount},{regions[person % 200]}\r\n"
            )
            if len(lines) == 10_000:
                out.write("".join(lines))
                lines.clear()
        out.write("".join(lines))


def _utf8_copy(source: Path, target: Path) -> None:
    """The baseline's input: the same rows in UTF-8, transcoded in chunks (bounded memory)."""
    decoder = codecs.getincrementaldecoder("gbk")()
    with source.open("rb") as raw, target.open("w", encoding="utf-8", newline="") as out:
        while chunk := raw.read(_CHUNK):
            out.write(decoder.decode(chunk))
        out.write(decoder.decode(b"", final=True))


def _settings(workdir: Path, memory_limit: str = "1GB") -> Settings:
    os.environ["ZHONGTAI_DUCKDB_MEMORY_LIMIT"] = memory_limit  # what keeps peak RSS bounded
    os.environ["ZHONGTAI_VAR_DIR"] = str(workdir / "var")
    os.environ["ZHONGTAI_ENV_FILE"] = str(workdir / "none.env")
    os.environ["ZHONGTAI_ENVIRONMENT"] = "test"
    get_settings.cache_clear()
    return get_settings()


def bench(rows: int, workdir: Path, memory_limit: str = "1GB") -> dict[str, Any]:
    settings = _settings(workdir, memory_limit)
    contract = load_contract(CONTRACT)
    source = workdir / "社保缴费.csv"
    generate(source, rows, [f.source_column for f in contract.fields])
    utf8 = workdir / "source.utf8.csv"
    _utf8_copy(source, utf8)
    with connect(settings, lake=False) as con:
        started = time.perf_counter()
        con.execute(
            f"COPY (SELECT * FROM read_csv('{quote_literal(str(utf8))}')) "
            f"TO '{quote_literal(str(workdir / 'baseline.parquet'))}' (FORMAT parquet)"
        )
        baseline_s = time.perf_counter() - started
    utf8.unlink()
    (workdir / "baseline.parquet").unlink()

    # Imported here: the pipeline's steps load the validation stack, which is not the baseline's.
    from lakehouse.pipeline import land_step, publish_step, standardize_step, validate_step

    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        upsert_department(session, contract.owner_department, "人社局", "330100")
        register_contract(session, contract)
        session.commit()
    stages: dict[str, float] = {}
    started = time.perf_counter()
    landed = land_step(settings, CONTRACT, source)
    stages["land"] = time.perf_counter() - started
    batch_id = int(landed["batch_id"])
    mark = time.perf_counter()
    standardize_step(settings, CONTRACT, batch_id)
    stages["standardize"] = time.perf_counter() - mark
    mark = time.perf_counter()
    checked = validate_step(settings, CONTRACT, batch_id)
    stages["validate"] = time.perf_counter() - mark
    mark = time.perf_counter()
    done = publish_step(
        settings, CONTRACT, batch_id, str(checked["decision"]), checked.get("verdict_path")
    )
    stages["publish"] = time.perf_counter() - mark
    total = time.perf_counter() - started
    if done.get("status") != "published" or done.get("rows_published") != rows:
        raise RuntimeError(f"the batch did not publish every row: {done}")
    value, floor = rows / total, rows / baseline_s
    peak = peak_rss_mb()
    return {
        "name": NAME,
        "description": "land, standardise, validate (every rule, GE) and publish a GBK extract "
        "of the social-insurance contract, unique keys, no defects",
        "unit": "rows/s",
        "value": round(value, 1),
        "baseline_name": "bare DuckDB COPY read_csv(the same rows, UTF-8) TO parquet",
        "baseline_value": round(floor, 1),
        "ratio": round(value / floor, 4),
        "better": "higher",
        "goal": "ratio >= 0.25 and peak RSS <= 1536 MB",
        "goals_met": {"ratio": value / floor >= 0.25, "peak_rss": peak <= 1536},
        "params": {
            "rows": rows,
            "threads": settings.duckdb_threads,
            "duckdb_memory_limit": settings.duckdb_memory_limit,
            "source_mb": round(source.stat().st_size / 1e6, 1),
            "total_s": round(total, 2),
            "baseline_s": round(baseline_s, 2),
            "stages_s": {k: round(v, 2) for k, v in stages.items()},
            "rows_quarantined": done.get("rows_quarantined"),
        },
        "peak_rss_mb": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB's memory_limit")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_ingest_e2e_") as tmp:
        result = bench(args.rows, Path(tmp), args.memory_limit)
    write_result(result)


if __name__ == "__main__":
    main()
