"""The same quality suite: Great Expectations inside DuckDB (ours) against GE on pandas.

Both sides read the same Parquet batch of :mod:`bench.quality_data` and check the same rules,
each in its own child process so its peak RSS (``ru_maxrss``) is its own; they run one after the
other, never together.

- ours: a ``VIEW`` over the Parquet file (as ``lakehouse.pipeline`` validates a batch), then
  ``quality.suite.build_suite`` + ``run_suite`` through the buffering DuckDB dialect;
- pandas: ``pd.read_parquet`` then a GE suite on a pandas data source. GE's
  ``UnexpectedRowsExpectation`` is SQL-only, so each compiled rule is expressed with a
  pandas-capable expectation: built-ins where one exists (regex, in-set, not-null, between, value
  lengths, compound uniqueness) and, for check characters, embedded codes and the cast list,
  custom GE 1.x column-map expectations whose pandas metrics are vectorised numpy/pandas.

Per-rule failure counts of the two must be equal. value = our rows/s (read + validate), baseline =
GE-on-pandas rows/s, ratio = value / baseline (higher is better; goal >= 3); memory_ratio = pandas
peak RSS / ours (goal >= 5). Writes ``bench/results/quality_vs_pandas.json``. Run:
``.venv/bin/python -m bench.bench_quality_vs_pandas --rows 1000000``.

The built-ins differ from the compiled SQL on inputs this batch does not contain (an empty string
is "missing" for ``required:`` in SQL but not for ``ExpectColumnValuesToNotBeNull``; a NULL that
failed its cast is ``cast:`` only in SQL); the equal-count assertion guards that.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.quality_data import WORK_DIR, bench_contract, bench_settings, ensure_batch
from bench.record import write_result

RESULTS = Path(__file__).resolve().parent / "results" / "quality_vs_pandas.json"
RELATION = "staged"

_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_USCC_CHAR = "[0-9A-HJ-NPQRTUWXY]"
RIC_FULL = "[0-9]{17}[0-9X]"
RIC_LEGACY = "[0-9]{15}"
USCC_FORMAT = f"{_USCC_CHAR}{{2}}[0-9]{{6}}{_USCC_CHAR}{{10}}"


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --- ours: GE inside DuckDB ---------------------------------------------------------------


def run_ours(rows: int, data: Path, workdir: Path) -> dict[str, Any]:
    from lakehouse.connection import connect
    from quality import build_suite, compile_rules, ensure_code_tables, run_suite
    from quality.rules import ensure_code_lists
    from quality.validate import ge_rule_counts

    settings = bench_settings(workdir)
    contract = bench_contract()
    rules = compile_rules(contract)
    suite = build_suite(contract, rules)
    with connect(settings, lake=False) as con:
        ensure_code_tables(con)
        ensure_code_lists(con, contract)
        started = time.perf_counter()
        con.execute(f"CREATE VIEW {RELATION} AS SELECT * FROM read_parquet('{data}')")
        loaded = time.perf_counter()
        result = run_suite(con, RELATION, suite)
        finished = time.perf_counter()
        threads = con.execute("SELECT current_setting('threads')").fetchone()
    return {
        "threads": int(threads[0]) if threads else None,
        "read_s": round(loaded - started, 3),
        "validate_s": round(finished - loaded, 3),
        "total_s": round(finished - started, 3),
        "rows_per_s": round(rows / (finished - started), 1),
        "expectations": len(suite.expectations),
        "rule_counts": ge_rule_counts(result),
        "peak_rss_mb": _peak_rss_mb(),
    }


# --- pandas: custom column-map expectations with vectorised pandas metrics ----------------


def _codes(values: Any, width: int) -> Any:
    """An ``(n, width)`` uint8 array of the ASCII strings ``values`` (all of length ``width``)."""
    import numpy as np

    raw = np.asarray(values, dtype=object).astype(f"S{width}")
    return np.frombuffer(raw.tobytes(), dtype=np.uint8).reshape(-1, width)


def _lookup(alphabet: str) -> Any:
    import numpy as np

    table = np.full(256, -1, dtype=np.int64)
    for position, character in enumerate(alphabet):
        table[ord(character)] = position
    return table


def ric_check_ok(column: Any) -> Any:
    """True unless an 18-character citizen ID has the wrong ISO 7064 MOD 11-2 character."""
    import numpy as np

    text = column.astype(str)
    full = text.str.fullmatch(RIC_FULL).fillna(False).to_numpy(dtype=bool)
    ok = np.ones(len(text), dtype=bool)
    codes = _codes(text.to_numpy()[full], 18)
    total = (codes[:, :17].astype(np.int64) - 48) @ np.array(_RIC_WEIGHTS)
    expected = np.frombuffer(b"10X98765432", dtype=np.uint8)[total % 11]
    ok[full] = codes[:, 17] == expected
    return ok


def ric_birth_ok(column: Any) -> Any:
    """True unless the embedded birth date is not a real date from 1900 to today."""
    import pandas as pd

    text = column.astype(str)
    full = text.str.fullmatch(RIC_FULL).fillna(False)
    legacy = text.str.fullmatch(RIC_LEGACY).fillna(False)
    birth = pd.to_datetime(text.str.slice(6, 14).where(full), format="%Y%m%d", errors="coerce")
    bad_full = full & (
        birth.isna()
        | (birth > pd.Timestamp(dt.date.today()))
        | (birth < pd.Timestamp("1900-01-01"))
    )
    old = pd.to_datetime(
        ("19" + text.str.slice(6, 12)).where(legacy), format="%Y%m%d", errors="coerce"
    )
    return ~(bad_full | (legacy & old.isna()))


def _code_list(name: str) -> list[str]:
    from quality.code_lists import codes

    return list(codes(name))


def ric_region_ok(column: Any, code_list: str) -> Any:
    value_set = _code_list(code_list)
    text = column.astype(str)
    formed = text.str.fullmatch(RIC_FULL).fillna(False) | text.str.fullmatch(RIC_LEGACY).fillna(
        False
    )
    return ~(formed & ~text.str.slice(0, 6).isin(value_set))


def uscc_check_ok(column: Any) -> Any:
    import numpy as np

    text = column.astype(str)
    formed = text.str.fullmatch(USCC_FORMAT).fillna(False).to_numpy(dtype=bool)
    ok = np.ones(len(text), dtype=bool)
    codes = _codes(text.to_numpy()[formed], 18)
    total = _lookup(_USCC)[codes[:, :17]] @ np.array(_USCC_WEIGHTS)
    expected = np.frombuffer(_USCC.encode(), dtype=np.uint8)[(31 - total % 31) % 31]
    ok[formed] = codes[:, 17] == expected
    return ok


def uscc_org_code_ok(column: Any) -> Any:
    """True unless characters 9-17 of a well-formed USCC fail the GB 11714 check."""
    import numpy as np

    text = column.astype(str)
    formed = text.str.fullmatch(USCC_FORMAT).fillna(False).to_numpy(dtype=bool)
    ok = np.ones(len(text), dtype=bool)
    org = _codes(text.to_numpy()[formed], 18)[:, 8:17]
    total = _lookup(_ORG)[org[:, :8]] @ np.array(_ORG_WEIGHTS)
    expected = np.frombuffer(b"123456789X0", dtype=np.uint8)[10 - total % 11]
    ok[formed] = org[:, 8] == expected
    return ok


def uscc_authority_ok(column: Any, code_list: str) -> Any:
    value_set = _code_list(code_list)
    text = column.astype(str)
    formed = text.str.fullmatch(USCC_FORMAT).fillna(False)
    return ~(formed & ~text.str.slice(0, 2).isin(value_set))


def uscc_region_ok(column: Any, code_list: str) -> Any:
    value_set = _code_list(code_list)
    text = column.astype(str)
    formed = text.str.fullmatch(USCC_FORMAT).fillna(False)
    region = text.str.slice(2, 8)
    return ~(formed & (region != "100000") & ~region.isin(value_set))


def cast_ok(column: Any, field: str) -> Any:
    """True unless ``field`` is listed in the row's ``_cast_errors``."""
    import numpy as np

    sizes = column.map(len).to_numpy()
    ok = np.ones(len(column), dtype=bool)
    listed = np.flatnonzero(sizes > 0)
    ok[listed] = [field not in errors for errors in column.to_numpy()[listed]]
    return ok


_CUSTOM: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {
    "ric_check_char": (ric_check_ok, ()),
    "ric_birth_date": (ric_birth_ok, ()),
    "ric_region": (ric_region_ok, ("code_list",)),
    "uscc_check_char": (uscc_check_ok, ()),
    "uscc_org_code": (uscc_org_code_ok, ()),
    "uscc_authority": (uscc_authority_ok, ("code_list",)),
    "uscc_region": (uscc_region_ok, ("code_list",)),
    "cast_succeeded": (cast_ok, ("field",)),
}


def custom_expectations() -> dict[str, type]:
    """One GE column-map metric and expectation per entry of ``_CUSTOM`` (pandas engine only)."""
    from great_expectations.compatibility import pydantic
    from great_expectations.execution_engine import PandasExecutionEngine
    from great_expectations.expectations.expectation import ColumnMapExpectation
    from great_expectations.expectations.metrics.map_metric_provider import (
        ColumnMapMetricProvider,
        column_condition_partial,
    )

    classes: dict[str, type] = {}
    for name, (check, keys) in _CUSTOM.items():
        metric_name = f"column_values.zhongtai_bench_{name}"

        def condition(
            cls: Any, column: Any, _check: Any = check, _keys: Any = keys, **kw: Any
        ) -> Any:
            return _check(column, *(kw[k] for k in _keys))

        type(
            f"ColumnValues{name.title().replace('_', '')}",
            (ColumnMapMetricProvider,),
            {
                "condition_metric_name": metric_name,
                "condition_value_keys": keys,
                "_pandas": column_condition_partial(engine=PandasExecutionEngine)(condition),
            },
        )
        annotations: dict[str, Any] = {}
        fields: dict[str, Any] = {}
        for key in keys:  # strings only: a code list is named, not carried (GE copies params)
            annotations[key] = str
            fields[key] = pydantic.Field(default="")
        expectation = type(
            f"ExpectColumnValuesToPassZhongtaiBench{name.title().replace('_', '')}",
            (ColumnMapExpectation,),
            {
                "__annotations__": annotations,
                **fields,
                "map_metric": metric_name,
                "success_keys": ("mostly", *keys),
                "args_keys": ("column", *keys),
            },
        )
        classes[name] = expectation
    return classes


def pandas_suite(contract: Any, rules: tuple[Any, ...]) -> Any:
    """The contract's rules as pandas-capable GE expectations, ``meta={"rule": code}`` each."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    from quality.code_lists import GB2260_CSV, codes
    from quality.suite import RULE_META_KEY

    custom = custom_expectations()
    divisions = list(codes(GB2260_CSV))
    elements = {f.name: f.element for f in contract.fields}
    lengths = {"person_name": 50, "org_name": 100, "address": 200}

    def expectation(code: str) -> Any:
        base, _, qualifier = code.partition(":")
        if base == "cast":
            return custom["cast_succeeded"](column="_cast_errors", field=qualifier)
        if base == "required":
            return gxe.ExpectColumnValuesToNotBeNull(column=qualifier)
        if base == "primary_key.unique":
            return gxe.ExpectCompoundColumnsToBeUnique(column_list=list(contract.primary_key))
        element, check = base.split(".")
        column = qualifier or next(f for f, e in elements.items() if e == element)
        match element, check:
            case "citizen_id", "format":
                regex = f"^(?:{RIC_FULL}|{RIC_LEGACY})?$"
                return gxe.ExpectColumnValuesToMatchRegex(column=column, regex=regex)
            case "citizen_id", "legacy_15":
                return gxe.ExpectColumnValuesToNotMatchRegex(column=column, regex=f"^{RIC_LEGACY}$")
            case "citizen_id", "check_digit":
                return custom["ric_check_char"](column=column)
            case "citizen_id", "birth_date":
                return custom["ric_birth_date"](column=column)
            case "citizen_id", "region":
                return custom["ric_region"](column=column, code_list=GB2260_CSV)
            case "uscc", "format":
                regex = f"^(?:{USCC_FORMAT})?$"
                return gxe.ExpectColumnValuesToMatchRegex(column=column, regex=regex)
            case "uscc", "check_digit":
                return custom["uscc_check_char"](column=column)
            case "uscc", "authority":
                return custom["uscc_authority"](column=column, code_list="gb32100_types.csv")
            case "uscc", "org_code":
                return custom["uscc_org_code"](column=column)
            case "uscc", "region":
                return custom["uscc_region"](column=column, code_list=GB2260_CSV)
            case "month", "format":
                regex = "^(?:[0-9]{4}-(0[1-9]|1[0-2]))?$"
                return gxe.ExpectColumnValuesToMatchRegex(column=column, regex=regex)
            case "amount", "range":
                return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0)
            case "date", "range":
                return gxe.ExpectColumnValuesToBeBetween(
                    column=column, min_value=dt.date(1949, 10, 1)
                )
            case "admin_division", "known":
                return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=divisions)
            case _, "length":
                return gxe.ExpectColumnValueLengthsToBeBetween(
                    column=column, max_value=lengths[element]
                )
        raise ValueError(f"no pandas expectation for rule {code}")

    expectations: list[Any] = [gxe.ExpectTableRowCountToBeBetween(min_value=1)]
    expectations += [
        gxe.ExpectColumnValuesToNotBeNull(column=f.name) for f in contract.fields if f.required
    ]
    for rule in rules:
        item = expectation(rule.code)
        item.meta = {RULE_META_KEY: rule.code}
        expectations.append(item)
    return gx.ExpectationSuite(name=f"{contract.code}.pandas", expectations=expectations)


def pandas_rule_counts(result: dict[str, Any]) -> dict[str, int]:
    from quality.suite import RULE_META_KEY

    counts: dict[str, int] = {}
    for item in result["results"]:
        info = item.get("exception_info") or {}
        config = item["expectation_config"]
        infos = [info, *(v for v in info.values() if isinstance(v, dict))]
        if any(i.get("raised_exception") for i in infos) or not item.get("result"):
            messages = [i.get("exception_message") for i in infos if i.get("exception_message")]
            raise RuntimeError(f"GE on pandas could not evaluate {config['type']}: {messages}")
        rule = (config.get("meta") or {}).get(RULE_META_KEY)
        if rule is not None:
            counts[rule] = int(item["result"]["unexpected_count"])
    return counts


def run_pandas(rows: int, data: Path) -> dict[str, Any]:
    import great_expectations as gx
    import pandas as pd
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    from quality import compile_rules

    contract = bench_contract()
    suite = pandas_suite(contract, compile_rules(contract))
    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        ),
    )
    asset = context.data_sources.add_pandas(name="bench").add_dataframe_asset(name=RELATION)
    definition = asset.add_batch_definition_whole_dataframe("whole")
    started = time.perf_counter()
    frame = pd.read_parquet(data)
    loaded = time.perf_counter()
    batch = definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format="SUMMARY").to_json_dict()
    finished = time.perf_counter()
    return {
        "read_s": round(loaded - started, 3),
        "validate_s": round(finished - loaded, 3),
        "total_s": round(finished - started, 3),
        "rows_per_s": round(rows / (finished - started), 1),
        "expectations": len(suite.expectations),
        "rule_counts": pandas_rule_counts(result),
        "pandas": pd.__version__,
        "peak_rss_mb": _peak_rss_mb(),
    }


# --- the comparison -------------------------------------------------------------------------


def _side(side: str, rows: int, data: Path, workdir: Path) -> dict[str, Any]:
    """Run one side in a child process; its measurements come back as JSON."""
    out = workdir / f"{side}.json"
    command = [sys.executable, "-m", "bench.bench_quality_vs_pandas", "--side", side]
    command += ["--rows", str(rows), "--data", str(data), "--out", str(out)]
    subprocess.run(command, cwd=Path(__file__).resolve().parent.parent, check=True)
    measured: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return measured


def bench(rows: int, workdir: Path, *, data_dir: Path = WORK_DIR) -> dict[str, Any]:
    from lakehouse.connection import connect

    with connect(bench_settings(workdir), lake=False) as con:
        data = ensure_batch(con, rows, data_dir)
    ours = _side("ours", rows, data, workdir)
    theirs = _side("pandas", rows, data, workdir)
    assert ours["rule_counts"] == theirs["rule_counts"], {
        code: (n, theirs["rule_counts"].get(code))
        for code, n in ours["rule_counts"].items()
        if theirs["rule_counts"].get(code) != n
    }
    assert len(ours["rule_counts"]) >= 20 and sum(ours["rule_counts"].values()) > 0
    return {
        "name": "quality_vs_pandas",
        "description": "GE suite inside DuckDB vs the same rules with GE on pandas, read included",
        "unit": "rows/s",
        "value": ours["rows_per_s"],
        "baseline_name": "Great Expectations on pandas (pd.read_parquet + validate)",
        "baseline_value": theirs["rows_per_s"],
        "ratio": round(ours["rows_per_s"] / theirs["rows_per_s"], 3),
        "better": "higher",
        "goal": "ratio >= 3; memory_ratio >= 5",
        "params": {
            "rows": rows,
            "columns": len(bench_contract().fields),
            "rules": len(ours["rule_counts"]),
            "threads": ours["threads"],
            "ours": {k: v for k, v in ours.items() if k != "rule_counts"},
            "pandas": {k: v for k, v in theirs.items() if k != "rule_counts"},
            "rule_counts": ours["rule_counts"],
        },
        "peak_rss_mb": max(ours["peak_rss_mb"], theirs["peak_rss_mb"]),
        "peak_rss_mb_ours": ours["peak_rss_mb"],
        "peak_rss_mb_pandas": theirs["peak_rss_mb"],
        "memory_ratio": round(theirs["peak_rss_mb"] / ours["peak_rss_mb"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--side", choices=("ours", "pandas"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        with tempfile.TemporaryDirectory(prefix="bench_quality_side_") as tmp:
            measured = (
                run_ours(args.rows, args.data, Path(tmp))
                if args.side == "ours"
                else run_pandas(args.rows, args.data)
            )
        args.out.write_text(json.dumps(measured), encoding="utf-8")
        return
    with tempfile.TemporaryDirectory(prefix="bench_quality_vs_pandas_") as tmp:
        result = bench(args.rows, Path(tmp))
    write_result(result, RESULTS)


if __name__ == "__main__":
    main()
