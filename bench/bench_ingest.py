"""Ingest throughput: our standardize + publish against bare DuckDB CSV→Parquet on the same file.

Generates a GBK CSV of ``--rows`` rsj_social_insurance rows once (valid-by-construction values in
the messy shapes real extracts have), then in this process measures

- baseline: bare DuckDB ``COPY (SELECT * FROM read_csv(<UTF-8 copy>)) TO 'x.parquet'``;
- value: ``standardize`` then ``publish`` into a fresh DuckLake (rows/s over both).

and writes ``bench/results/ingest_rows_per_s.json``. Run:
``.venv/bin/python -m bench.bench_ingest --rows 200000``.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

from bench.record import peak_rss_mb, write_result
from catalog.datasets import register_contract
from catalog.db import init_catalog
from catalog.departments import upsert_department
from catalog.settings import Settings, get_settings
from lakehouse.connection import connect
from lakehouse.land import land
from lakehouse.publish import publish
from lakehouse.standardize import standardize as standardize_batch
from schemas import load_contract
from schemas.generators import citizen_id, current_division, uscc

CONTRACT = "rsj_social_insurance"
RESULTS = Path(__file__).resolve().parent / "results" / "ingest_rows_per_s.json"
_NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"


def generate(path: Path, rows: int, header: list[str], seed: int = 1) -> None:
    """A GBK CSV of ``rows`` rows; IDs and USCCs come from small valid pools (fast to build)."""
    rng = random.Random(seed)
    ids = [citizen_id(rng) for _ in range(5000)]
    codes = [uscc(rng) for _ in range(500)]
    regions = [current_division(rng) for _ in range(200)]
    months = ["2023年5月", "202306", "2023/7", "2023.8", "2023-09"]
    with path.open("w", encoding="gbk", newline="") as out:
        out.write(",".join(header) + "\r\n")
        for i in range(rows):
            name = rng.choice(_NAMES) + rng.choice(_GIVEN) + rng.choice(("", rng.choice(_GIVEN)))
            cents = rng.randrange(10_000, 1_000_000)
            amount = f'"{cents // 100:,}.{cents % 100:02d}"' if i % 2 else f"{cents / 100:.2f}元"
            out.write(
                f"{ids[i % 5000]},{name},{codes[i % 500]},某某有限公司{i % 500},"
                f"{months[i % 5]},{amount},{regions[i % 200]}\r\n"
            )


def bench(rows: int, workdir: Path) -> dict[str, object]:
    os.environ["ZHONGTAI_VAR_DIR"] = str(workdir / "var")
    os.environ["ZHONGTAI_ENV_FILE"] = str(workdir / "none.env")
    get_settings.cache_clear()
    settings: Settings = get_settings()
    contract = load_contract(CONTRACT)
    source = workdir / "source.csv"
    generate(source, rows, [f.source_column for f in contract.fields])

    # Baseline: bare DuckDB turning the same rows, already UTF-8, into Parquet (the floor any
    # ingestion pays). Ours starts from the GBK file and also transcodes, normalises and types.
    utf8 = workdir / "source.utf8.csv"
    utf8.write_text(source.read_text(encoding="gbk"), encoding="utf-8")
    with connect(settings, lake=False) as con:
        started = time.perf_counter()
        con.execute(
            f"COPY (SELECT * FROM read_csv('{utf8}', all_varchar=true)) "
            f"TO '{workdir / 'baseline.parquet'}' (FORMAT parquet)"
        )
        baseline = rows / (time.perf_counter() - started)

    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        upsert_department(session, contract.owner_department, "人社局", "330100")
        dataset = register_contract(session, contract)
        landing = land(session, settings, dataset, source)
        session.commit()
        started = time.perf_counter()
        staged = standardize_batch(settings, contract, landing.batch_id, landing.raw_path)
        standardized_at = time.perf_counter()
        published = publish(
            session, settings, contract, landing.batch_id, staged.staging_path, None
        )
        session.commit()
        finished = time.perf_counter()
    assert published.rows_published + published.rows_quarantined == rows
    value = rows / (finished - started)
    return {
        "name": "ingest_rows_per_s",
        "description": "standardize + publish of a GBK social-insurance extract",
        "unit": "rows/s",
        "value": round(value, 1),
        "baseline_name": "bare DuckDB COPY read_csv(UTF-8 copy, all_varchar) TO parquet",
        "baseline_value": round(baseline, 1),
        "ratio": round(value / baseline, 4),
        "better": "higher",
        "params": {
            "rows": rows,
            "threads": settings.duckdb_threads,
            "source_mb": round(source.stat().st_size / 1e6, 1),
            "standardize_s": round(standardized_at - started, 2),
            "publish_s": round(finished - standardized_at, 2),
            "rows_quarantined": published.rows_quarantined,
        },
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        result = bench(args.rows, Path(tmp))
    write_result(result, RESULTS)


if __name__ == "__main__":
    main()
