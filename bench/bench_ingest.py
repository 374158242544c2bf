"""Ingest throughput: our standardize + publish against bare DuckDB CSV→Parquet on the same file.

Generates a GBK CSV of ``--rows`` rsj_social_insurance rows once (valid-by-construction values in
the messy shapes real extracts have), then in this process measures

- baseline: bare DuckDB ``COPY (SELECT * FROM read_csv(<UTF-8 copy>)) TO 'x.parquet'``;
- value: ``standardize`` (which also checks every row rule) then ``publish`` into a fresh
  DuckLake (rows/s over both; landing and the GE validation are left out: ``ingest_e2e_10m``).

and writes ``bench/results/ingest_rows_per_s.json``. Run:
``.venv/bin/python -m bench.bench_ingest --rows 200000``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench.bench_ingest_e2e import generate as generate_unique
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

CONTRACT = "rsj_social_insurance"
RESULTS = Path(__file__).resolve().parent / "results" / "ingest_rows_per_s.json"


def generate(path: Path, rows: int, header: list[str], seed: int = 1) -> None:
    """A GBK CSV of ``rows`` valid rows whose key is unique (``bench_ingest_e2e``'s generator).

    The pools this benchmark once drew from repeated every key every 5,000 rows; that passed
    only because this benchmark published without a verdict. Standardising now checks every
    rule, so the rows must be valid for the contract (the run asserts none is quarantined)."""
    generate_unique(path, rows, header, seed=seed)


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
    assert published.rows_quarantined == 0, "the generated rows must be valid"
    value = rows / (finished - started)
    return {
        "name": "ingest_rows_per_s",
        "description": "standardize (which checks every row rule since the one pass) + publish "
        "of a GBK social-insurance extract; no landing, no GE",
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
