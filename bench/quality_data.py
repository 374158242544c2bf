"""The synthetic batch both quality benchmarks read: N standardized rows with ~1% planted defects.

Rows are built by one DuckDB ``SELECT ... FROM range(N)`` (no Python loop over rows) and written
once to ``bench/.work/quality_<N>_v<VERSION>.parquet``, reused while it exists. Every value comes
from small valid-by-construction pools made with :mod:`schemas.generators` (50,000 citizen IDs,
5,000 USCCs, the current GB/T 2260 county codes) and is picked per row by index, so the batch is
valid except where a defect is planted on purpose:

====================  =========================================================================
bucket (of 10,000)     defect
====================  =========================================================================
0-7                    citizen_id: wrong check character
8-14                   citizen_id: NULL (required)
15-19                  citizen_id: Excel-mangled ``1.10101E+17``
20-24                  citizen_id: impossible birth date (check character valid)
25-29                  citizen_id: region code not in GB/T 2260 (check character valid)
30-37 / 38-41          employer_uscc: wrong check character / NULL
42-47                  period: month 13 or 00
48-53 / 54-57          amount: negative / NULL
58-63 / 64-67          region: unknown code / NULL
68-73                  the key (citizen_id, employer_uscc, period) of the previous row
74-79                  spouse_citizen_id: wrong check character
80-83 / 96-99          payer_uscc: letter I (format) / wrong check character
84-87                  person_name: NULL
88-91 / 92-95          employer_name longer than 100 / address longer than 200 characters
====================  =========================================================================

The shape is what ``lakehouse.standardize`` writes: ``_row``, the contract fields, typed, and
``_cast_errors VARCHAR[]`` (empty: every value cast).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from pathlib import Path

import duckdb

from catalog.settings import Settings, get_settings
from schemas import DatasetContract
from schemas.generators import citizen_id, division_codes, ric_check_char, uscc
from schemas.loader import parse_contract

HERE = Path(__file__).resolve().parent
WORK_DIR = HERE / ".work"
CONTRACT_PATH = HERE / "contracts" / "quality_bench.yaml"
VERSION = 1
"""Bump when the generated rows change, so stale files under ``bench/.work`` are not reused."""

PERSONS = 50_000
EMPLOYERS = 5_000
POOL_SEED = 20240601
DEFECT_BUCKETS = 10_000

_FAMILY = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华")


def bench_contract() -> DatasetContract:
    return parse_contract(CONTRACT_PATH)


def bench_settings(workdir: Path) -> Settings:
    """Platform settings whose var directory is ``workdir/var`` (as ``bench_ingest`` does)."""
    os.environ["ZHONGTAI_VAR_DIR"] = str(workdir / "var")
    os.environ["ZHONGTAI_ENV_FILE"] = str(workdir / "none.env")
    get_settings.cache_clear()
    return get_settings()


def _unique(make: object, count: int) -> list[str]:
    values: dict[str, None] = {}
    while len(values) < count:
        values[make()] = None  # type: ignore[operator]
    return list(values)


def pools(seed: int = POOL_SEED) -> dict[str, list[str]]:
    """Valid-by-construction values, and IDs with exactly one planted defect each."""
    rng = random.Random(seed)
    regions = [code for code, _, end in division_codes() if end is None]
    ids = _unique(lambda: citizen_id(rng, region=rng.choice(regions)), PERSONS)
    codes = _unique(lambda: uscc(rng, region=rng.choice(regions)), EMPLOYERS)
    bad_birth, bad_region = [], []
    for number in range(1000):
        first17 = f"{rng.choice(regions)}{rng.choice(('19990231', '20991201', '18991231'))}"
        first17 += f"{number % 1000:03d}"
        bad_birth.append(first17 + ric_check_char(first17))
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 40))
        first17 = f"99{rng.randrange(0, 10_000):04d}{birth:%Y%m%d}{number % 1000:03d}"
        bad_region.append(first17 + ric_check_char(first17))
    return {
        "ids": ids,
        "usccs": codes,
        "regions": regions,
        "bad_birth": bad_birth,
        "bad_region": bad_region,
    }


_POOLS = ("ids", "usccs", "regions", "bad_birth", "bad_region")


def _h(salt: int) -> str:
    """A per-row pseudo-random non-negative integer (DuckDB's hash is deterministic)."""
    return f"CAST(hash(i + {salt * 1_000_003}) % 1000000007 AS BIGINT)"


def _wrong_check(value: str) -> str:
    """``value`` with its 18th character replaced by a different one of the same alphabet."""
    return f"substr({value}, 1, 17) || CASE WHEN right({value}, 1) = '0' THEN '1' ELSE '0' END"


def _words(characters: list[str], index: str) -> str:
    literal = "[" + ", ".join(f"'{c}'" for c in characters) + "]"
    return f"{literal}[{index} % {len(characters)} + 1]"


def _indices(sizes: dict[str, int]) -> str:
    """Per row: the defect bucket ``d`` and the index into each pool that the row picks from."""
    person, cycle = f"(i % {PERSONS})", f"(i // {PERSONS})"
    prev_person, prev_cycle = f"((i - 1) % {PERSONS})", f"((i - 1) // {PERSONS})"
    return f"""
      SELECT i, {_h(1)} % {DEFECT_BUCKETS} AS d, {person} AS person, {cycle} % 24 AS month,
        (i - 1) // {PERSONS} % 24 AS prev_month,
        {person} AS k_id, {prev_person} AS k_prev_id, ({person} * 7 + 13) % {PERSONS} AS k_spouse,
        ({person} + {cycle} // 24) % {sizes["usccs"]} AS k_employer,
        ({prev_person} + {prev_cycle} // 24) % {sizes["usccs"]} AS k_prev_employer,
        {_h(5)} % {sizes["usccs"]} AS k_payer, {_h(9)} % {sizes["regions"]} AS k_region,
        {_h(8)} % {sizes["bad_birth"]} AS k_bad
      FROM range($rows) AS t(i)"""


def generation_query(sizes: dict[str, int]) -> str:
    """The SELECT over ``range($rows)`` that builds every row from the ``_pool_*`` tables."""

    def period(month: str) -> str:
        return f"printf('%04d-%02d', 2023 + {month} // 12, {month} % 12 + 1)"

    name = (
        f"{_words(_FAMILY, _h(2))} || {_words(_GIVEN, _h(3))} || "
        f"CASE WHEN {_h(4)} % 2 = 0 THEN {_words(_GIVEN, _h(6))} ELSE '' END"
    )
    amount = f"CAST(({_h(7)} % 990000 + 10000) / 100 AS DECIMAL(18,2))"
    dup = "d BETWEEN 68 AND 73 AND i > 0"
    joins = [
        ("cid", "ids", "k_id"),
        ("prev_cid", "ids", "k_prev_id"),
        ("spouse", "ids", "k_spouse"),
        ("employer", "usccs", "k_employer"),
        ("prev_employer", "usccs", "k_prev_employer"),
        ("payer", "usccs", "k_payer"),
        ("region", "regions", "k_region"),
        ("bad_birth", "bad_birth", "k_bad"),
        ("bad_region", "bad_region", "k_bad"),
    ]
    join_sql = "\n".join(
        f"      LEFT JOIN _pool_{pool} AS {alias} ON {alias}.k = x.{key}"
        for alias, pool, key in joins
    )
    return f"""
    SELECT
      CAST(i + 1 AS BIGINT) AS _row,
      CASE WHEN d < 8 THEN {_wrong_check("cid.v")}
           WHEN d < 15 THEN NULL
           WHEN d < 20 THEN '1.10101E+17'
           WHEN d < 25 THEN bad_birth.v
           WHEN d < 30 THEN bad_region.v
           WHEN {dup} THEN prev_cid.v
           ELSE cid.v END AS citizen_id,
      CASE WHEN d BETWEEN 84 AND 87 THEN NULL ELSE {name} END AS person_name,
      CASE WHEN d BETWEEN 30 AND 37 THEN {_wrong_check("employer.v")}
           WHEN d BETWEEN 38 AND 41 THEN NULL
           WHEN {dup} THEN prev_employer.v
           ELSE employer.v END AS employer_uscc,
      CASE WHEN d BETWEEN 88 AND 91 THEN repeat('某', 101)
           ELSE '杭州市' || CAST(person % {EMPLOYERS} AS VARCHAR) || '号科技有限公司' END
        AS employer_name,
      CASE WHEN d BETWEEN 42 AND 44 THEN '2024-13'
           WHEN d BETWEEN 45 AND 47 THEN '2024-00'
           WHEN {dup} THEN {period("prev_month")}
           ELSE {period("month")} END AS period,
      CASE WHEN d BETWEEN 48 AND 53 THEN -{amount}
           WHEN d BETWEEN 54 AND 57 THEN NULL
           ELSE {amount} END AS amount,
      CASE WHEN d BETWEEN 58 AND 63 THEN '999999'
           WHEN d BETWEEN 64 AND 67 THEN NULL
           ELSE region.v END AS region,
      CASE WHEN d BETWEEN 74 AND 79 THEN {_wrong_check("spouse.v")}
           WHEN {_h(10)} % 10 < 6 THEN spouse.v END AS spouse_citizen_id,
      CASE WHEN d BETWEEN 80 AND 83 THEN 'I' || substr(payer.v, 2)
           WHEN d BETWEEN 96 AND 99 THEN {_wrong_check("payer.v")}
           WHEN {_h(11)} % 10 < 7 THEN payer.v END AS payer_uscc,
      DATE '2023-01-01' + CAST({_h(12)} % 730 AS INTEGER) AS pay_date,
      CASE WHEN d BETWEEN 92 AND 95 THEN repeat('路', 201)
           ELSE '浙江省杭州市西湖区文三路' || CAST({_h(13)} % 999 + 1 AS VARCHAR) || '号' END
        AS address,
      CAST([] AS VARCHAR[]) AS _cast_errors
    FROM ({_indices(sizes)}) AS x
{join_sql}
    ORDER BY _row
    """


def parquet_path(rows: int, work_dir: Path = WORK_DIR) -> Path:
    return work_dir / f"quality_{rows}_v{VERSION}.parquet"


def ensure_batch(con: duckdb.DuckDBPyConnection, rows: int, work_dir: Path = WORK_DIR) -> Path:
    """The Parquet batch of ``rows`` rows, generated on ``con`` if it is not there yet."""
    path = parquet_path(rows, work_dir)
    if path.is_file():
        return path
    work_dir.mkdir(parents=True, exist_ok=True)
    values = pools()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    started = time.perf_counter()
    for pool in _POOLS:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _pool_{pool} AS "
            "SELECT generate_subscripts($v, 1) - 1 AS k, unnest($v) AS v",
            {"v": values[pool]},
        )
    sizes = {pool: len(values[pool]) for pool in _POOLS}
    copy = f"COPY ({generation_query(sizes)}) TO '{temporary}' (FORMAT parquet)"
    con.execute(copy, {"rows": rows})
    os.replace(temporary, path)
    print(f"generated {rows:,} rows in {time.perf_counter() - started:.1f} s: {path}", flush=True)
    return path
