"""Quality rules at lake scale: our Great Expectations suite inside DuckDB against one SQL query.

Over the synthetic batch of :mod:`bench.quality_data` (``--rows``, default 10M), staged the way
``lakehouse.pipeline`` validates a batch — a DuckDB view over the Parquet file (``--stage table``
loads it into an in-memory table instead, for comparison) — this process measures

- value: ``quality.suite.build_suite`` + ``run_suite`` (GE 1.x, SQL data source over the buffering
  DuckDB dialect): one ``UnexpectedRowCountExpectation`` (GE's ``UnexpectedRowsExpectation``
  resolving only the count) per compiled rule plus the built-ins;
- baseline: the same rules hand-written (here, not compiled) as ONE DuckDB query — ``count_if`` per
  rule, the primary key by ``GROUP BY ... HAVING``;
- context: a bare scan of the same columns, the compiled predicates in one query, and (unless
  ``--no-proposals``) the suite with GE's stock two-metric expectation and a verdict-backed suite.

Runs alternate (scan, baseline, GE) ``--repeats`` times and the fastest of each counts, since other
work shares the machine. Per-rule failure counts of GE and of the hand-written query must be equal.
Every SQL statement GE sends is timed through SQLAlchemy's cursor events, to show where GE's time
goes. Writes ``bench/results/quality_rules_10m.json``. Run:
``.venv/bin/python -m bench.bench_quality_rules_10m --rows 1000000``.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Engine, event

from bench.quality_data import WORK_DIR, bench_contract, bench_settings, ensure_batch
from lakehouse.connection import connect
from quality import build_suite, compile_rules, ensure_code_tables, run_suite
from quality.rules import GB2260_TABLE, Rule, ensure_code_lists, sql_literal, verdict_query
from quality.suite import UnexpectedRowCountExpectation
from quality.validate import ge_rule_counts
from schemas import DatasetContract
from schemas.loader import CODES_DIR

RESULTS = Path(__file__).resolve().parent / "results" / "quality_rules_10m.json"
RELATION = "staged"

# --- the rules, hand-written ---------------------------------------------------------------

_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_CHAR = "[0-9A-HJ-NPQRTUWXY]"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_DIVISIONS = f"(SELECT code FROM {GB2260_TABLE})"
_USCC_TYPES = "bench_uscc_types"
"""GB 32100 table 1 (authority, type) pairs, loaded by :func:`load_reference_tables`."""


def _weighted(column: str, digit: str, weights: tuple[int, ...]) -> str:
    return " + ".join(
        digit.format(f"substr({column}, {i}, 1)") + f" * {w}" for i, w in enumerate(weights, 1)
    )


def _bad_date(ymd: str, *, bounded: bool) -> str:
    """The integer ``ymd`` (yyyymmdd) is no calendar date (or, ``bounded``, outside 1900..today)."""
    y, m, d = f"({ymd} // 10000)", f"({ymd} // 100 % 100)", f"({ymd} % 100)"
    leap = f"(({y} % 4 = 0 AND {y} % 100 <> 0) OR {y} % 400 = 0)"
    days = f"CASE WHEN {m} = 2 THEN 28 + CAST({leap} AS INTEGER) ELSE 30 + ({m} + {m} // 8) % 2 END"
    bad = f"({m} < 1 OR {m} > 12 OR {d} < 1 OR {d} > {days})"
    if not bounded:
        return bad
    today = "(year(current_date) * 10000 + month(current_date) * 100 + day(current_date))"
    return f"({ymd} < 19000101 OR {ymd} > {today} OR {bad})"


def _citizen_id(column: str, qualifier: str) -> dict[str, str]:
    full = f"regexp_full_match({column}, '[0-9]{{17}}[0-9X]')"
    legacy = f"regexp_full_match({column}, '[0-9]{{15}}')"
    # MOD 11-2 over the 17 digits as one BIGINT n: digit at 10^k weighs 2^(k+1) mod 11, so
    # Σ w·d ≡ 2n + 3·Σ_(k≥1) 2^k (n // 10^k) (mod 11); n is bound once by list_transform
    terms = " + ".join(f"(n // {10**k}) * {2**k}" for k in range(1, 17))
    total = (
        f"list_transform([TRY_CAST(substr({column}, 1, 17) AS BIGINT)], "
        f"lambda n: (2 * n + 3 * ({terms})) % 11)[1]"
    )
    c18 = f"substr({column}, 18, 1)"
    check = f"(CASE WHEN {c18} = 'X' THEN 10 ELSE ascii({c18}) - 48 END)"
    birth = _bad_date(f"TRY_CAST(substr({column}, 7, 8) AS INTEGER)", bounded=True)
    legacy_birth = _bad_date(
        f"(19000000 + TRY_CAST(substr({column}, 7, 6) AS INTEGER))", bounded=False
    )
    present = f"{column} <> ''"
    return {
        f"citizen_id.format{qualifier}": f"{present} AND NOT {full} AND NOT {legacy}",
        f"citizen_id.legacy_15{qualifier}": f"{present} AND {legacy}",
        f"citizen_id.check_digit{qualifier}": (
            f"{present} AND CASE WHEN {full} THEN ({total} + {check}) % 11 <> 1 ELSE FALSE END"
        ),
        f"citizen_id.birth_date{qualifier}": (
            f"{present} AND CASE WHEN {full} THEN {birth} WHEN {legacy} THEN {legacy_birth} "
            "ELSE FALSE END"
        ),
        f"citizen_id.region{qualifier}": (
            f"{present} AND ({full} OR {legacy}) AND substr({column}, 1, 6) NOT IN {_DIVISIONS}"
        ),
    }


def _uscc(column: str, qualifier: str) -> dict[str, str]:
    ok = f"regexp_full_match({column}, '{_USCC_CHAR}{{2}}[0-9]{{6}}{_USCC_CHAR}{{10}}')"
    total = _weighted(column, f"(instr('{_USCC}', {{}}) - 1)", _USCC_WEIGHTS)
    org = f"substr({column}, 9, 9)"
    org_total = _weighted(
        org, "(instr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', {}) - 1)", _ORG_WEIGHTS
    )
    org_value = f"11 - ({org_total}) % 11"
    org_check = (
        f"CASE {org_value} WHEN 10 THEN 'X' WHEN 11 THEN '0' ELSE CAST({org_value} AS VARCHAR) END"
    )
    region = f"substr({column}, 3, 6)"
    present = f"{column} <> ''"
    return {
        f"uscc.format{qualifier}": f"{present} AND NOT {ok}",
        f"uscc.check_digit{qualifier}": (
            f"{present} AND {ok} AND substr({column}, 18, 1) <> "
            f"substr('{_USCC}', (31 - ({total}) % 31) % 31 + 1, 1)"
        ),
        f"uscc.authority{qualifier}": (
            f"{present} AND {ok} AND substr({column}, 1, 2) NOT IN (SELECT code FROM {_USCC_TYPES})"
        ),
        f"uscc.org_code{qualifier}": (
            f"{present} AND {ok} AND (NOT regexp_full_match({org}, '[0-9A-Z]{{8}}[0-9X]') "
            f"OR substr({org}, 9, 1) <> {org_check})"
        ),
        f"uscc.region{qualifier}": (
            f"{present} AND {ok} AND {region} <> '100000' AND {region} NOT IN {_DIVISIONS}"
        ),
    }


def _cast(field: str) -> str:
    return f"list_contains(_cast_errors, '{field}')"


def _required(field: str, text: bool = True) -> str:
    missing = f"({field} IS NULL OR {field} = '')" if text else f"{field} IS NULL"
    return f"{missing} AND NOT coalesce({_cast(field)}, false)"


def handwritten_rules() -> dict[str, str]:
    """Rule code -> failing predicate, written for this contract by hand (no quality.rules)."""
    rules: dict[str, str] = {}
    fields = (
        "citizen_id person_name employer_uscc employer_name period amount region "
        "spouse_citizen_id payer_uscc pay_date address"
    ).split()
    for field in fields:
        rules[f"cast:{field}"] = _cast(field)
    for field in ("citizen_id", "person_name", "employer_uscc", "period", "region"):
        rules[f"required:{field}"] = _required(field)
    rules["required:amount"] = _required("amount", text=False)
    rules |= _citizen_id("citizen_id", ":citizen_id")
    rules |= _citizen_id("spouse_citizen_id", ":spouse_citizen_id")
    rules |= _uscc("employer_uscc", ":employer_uscc")
    rules |= _uscc("payer_uscc", ":payer_uscc")
    rules["person_name.length"] = "length(person_name) > 50"
    rules["org_name.length"] = "length(employer_name) > 100"
    rules["address.length"] = "length(address) > 200"
    rules["month.format"] = (
        "period <> '' AND NOT regexp_full_match(period, '[0-9]{4}-(0[1-9]|1[0-2])')"
    )
    rules["amount.range"] = "amount < 0"
    rules["date.range"] = "pay_date < DATE '1949-10-01'"
    rules["admin_division.known"] = f"region <> '' AND region NOT IN {_DIVISIONS}"
    return rules


def load_reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The code lists the hand-written query reads (GB/T 2260 comes from quality)."""
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {_USCC_TYPES} AS SELECT code FROM read_csv($1, "
        "header = true, all_varchar = true)",
        [str(CODES_DIR / "gb32100_types.csv")],
    )


def handwritten_query(relation: str) -> tuple[str, list[str]]:
    """ONE query: ``count_if`` per row rule and the duplicate-key rows; returns (sql, codes)."""
    rules = handwritten_rules()
    codes = [*rules, "primary_key.unique"]
    counts = ",\n  ".join(f"count_if({p})" for p in rules.values())
    duplicates = (
        f"(SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {relation} "
        "GROUP BY citizen_id, employer_uscc, period HAVING count(*) > 1))"
    )
    return f"SELECT\n  {counts},\n  {duplicates}\nFROM {relation}", codes


def compiled_query(relation: str, rules: tuple[Rule, ...]) -> str:
    """The compiled predicates of ``quality.rules`` in one ``count_if`` query (for context)."""
    counts = ", ".join(f"count_if({r.predicate})" for r in rules if "OVER (" not in r.predicate)
    return f"SELECT {counts} FROM {relation}"


def verdict_backed_rules(rules: tuple[Rule, ...], verdict: str) -> tuple[Rule, ...]:
    """The rules re-pointed at a verdict table (one pass, all predicates): the proposed suite."""
    return tuple(
        Rule(
            r.code,
            f"_row IN (SELECT _row FROM {verdict} WHERE list_contains(failed_rules, "
            f"{sql_literal(r.code)}))",
            r.field,
            r.description,
        )
        for r in rules
    )


def stock_suite(suite: Any) -> Any:
    """``suite`` with each count-only rule expectation turned back into GE's stock
    ``UnexpectedRowsExpectation``, which resolves two metrics per rule (the failing rows, then
    their count): what ``quality.suite`` built before, timed for comparison."""
    import great_expectations as gx
    from great_expectations.expectations.core.unexpected_rows_expectation import (
        UnexpectedRowsExpectation,
    )

    expectations = [
        UnexpectedRowsExpectation(
            unexpected_rows_query=e.unexpected_rows_query, description=e.description, meta=e.meta
        )
        if isinstance(e, UnexpectedRowCountExpectation)
        else e
        for e in suite.expectations
    ]
    return gx.ExpectationSuite(name=f"{suite.name}.stock", expectations=expectations)


def scan_query(relation: str, contract: DatasetContract) -> str:
    """A bare scan of the same columns: ``min`` of each (every value is read, nothing checked)."""
    columns = [*contract.field_names, "_cast_errors"]
    return "SELECT count(*), " + ", ".join(f'min("{c}")' for c in columns) + f" FROM {relation}"


# --- measuring ------------------------------------------------------------------------------


class StatementLog:
    """Wall time of every statement any SQLAlchemy engine executes while ``recording``."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, float]] = []
        self._started: dict[int, float] = {}

    def before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self._started[id(cursor)] = time.perf_counter()

    def after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        started = self._started.pop(id(cursor), None)
        if started is not None:
            self.statements.append((statement, time.perf_counter() - started))

    @contextmanager
    def recording(self) -> Iterator[StatementLog]:
        self.statements = []
        event.listen(Engine, "before_cursor_execute", self.before)
        event.listen(Engine, "after_cursor_execute", self.after)
        try:
            yield self
        finally:
            event.remove(Engine, "before_cursor_execute", self.before)
            event.remove(Engine, "after_cursor_execute", self.after)


def _kind(statement: str) -> str:
    text = " ".join(statement.split())
    if text.startswith("SELECT COUNT(*) as unexpected_row_count"):
        return "unexpected_rows_count"
    if "_failed" in text:
        return "unexpected_rows_table"
    return "builtin_metrics"


def statement_profile(
    statements: list[tuple[str, float]], rules: tuple[Rule, ...]
) -> dict[str, Any]:
    """Queries GE sent, grouped by kind, and the rules whose queries took longest."""
    kinds: dict[str, dict[str, float]] = {}
    per_rule: dict[str, float] = {}
    for statement, seconds in statements:
        kind = kinds.setdefault(_kind(statement), {"queries": 0, "seconds": 0.0})
        kind["queries"] += 1
        kind["seconds"] += seconds
        for rule in rules:
            if rule.predicate.replace("{", "").replace("}", "") in statement.replace(
                "{", ""
            ).replace("}", ""):
                per_rule[rule.code] = per_rule.get(rule.code, 0.0) + seconds
                break
    slowest = sorted(per_rule.items(), key=lambda item: -item[1])[:6]
    return {
        "queries": len(statements),
        "sql_s": round(sum(s for _, s in statements), 3),
        "by_kind": {
            k: {"queries": int(v["queries"]), "sql_s": round(v["seconds"], 3)}
            for k, v in kinds.items()
        },
        "slowest_rules_s": {code: round(s, 3) for code, s in slowest},
    }


def _timed(run: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    out = run()
    return time.perf_counter() - started, out


def bench(
    rows: int,
    workdir: Path,
    *,
    repeats: int = 3,
    compiled: bool = False,
    proposal: bool = True,
    stage: str = "view",
    data_dir: Path = WORK_DIR,
) -> dict[str, Any]:
    settings = bench_settings(workdir)
    contract = bench_contract()
    rules = compile_rules(contract)
    assert len(rules) >= 20, f"the benchmark contract compiles to only {len(rules)} rules"
    assert sum(".check_digit" in r.code for r in rules) >= 2
    log = StatementLog()
    with connect(settings, lake=False) as con:
        path = ensure_batch(con, rows, data_dir)
        ensure_code_tables(con)
        ensure_code_lists(con, contract)
        load_reference_tables(con)
        kind = {"view": "VIEW", "table": "TABLE"}[stage]
        load_s, _ = _timed(
            lambda: con.execute(f"CREATE {kind} {RELATION} AS SELECT * FROM read_parquet('{path}')")
        )
        hand_sql, hand_codes = handwritten_query(RELATION)
        assert sorted(hand_codes) == sorted(r.code for r in rules), "hand-written rules differ"
        scan_sql = scan_query(RELATION, contract)
        compiled_sql = compiled_query(RELATION, rules)
        suite = build_suite(contract, rules)
        times: dict[str, list[float]] = {
            "scan": [],
            "handwritten": [],
            "ge": [],
            "compiled": [],
            "verdict_then_ge": [],
            "ge_stock": [],
        }
        profiles: list[dict[str, Any]] = []
        ge_counts: dict[str, int] = {}
        hand_counts: dict[str, int] = {}
        for _ in range(repeats):
            seconds, _ = _timed(lambda: con.execute(scan_sql).fetchall())
            times["scan"].append(seconds)
            seconds, row = _timed(lambda: con.execute(hand_sql).fetchone())
            times["handwritten"].append(seconds)
            hand_counts = dict(zip(hand_codes, map(int, row), strict=True))
            with log.recording():
                seconds, result = _timed(lambda: run_suite(con, RELATION, suite))
            times["ge"].append(seconds)
            ge_counts = ge_rule_counts(result)
            profiles.append(statement_profile(log.statements, rules))
        compiled_counts: dict[str, int] | None = None
        if compiled:
            seconds, row = _timed(lambda: con.execute(compiled_sql).fetchone())
            times["compiled"].append(seconds)
            # count_if cannot hold the key rule's window; GE's count of it is compared below.
            windowless = [r.code for r in rules if "OVER (" not in r.predicate]
            compiled_counts = dict(zip(windowless, map(int, row), strict=True))
        # Proposed: one pass writes the verdict, GE's per-rule queries read it (see the report).
        proposal_counts: dict[str, int] | None = None
        proposal_profile: dict[str, Any] = {}
        verdict_s = 0.0
        if proposal:
            verdict_suite = build_suite(contract, verdict_backed_rules(rules, "_bench_verdict"))
            started = time.perf_counter()
            con.execute(
                f"CREATE OR REPLACE TABLE _bench_verdict AS {verdict_query(RELATION, rules)}"
            )
            verdict_s = time.perf_counter() - started
            with log.recording():
                proposed = run_suite(con, RELATION, verdict_suite)
            times["verdict_then_ge"].append(time.perf_counter() - started)
            proposal_counts = ge_rule_counts(proposed)
            proposal_profile = statement_profile(log.statements, ())
        stock_counts: dict[str, int] | None = None
        stock_profile: dict[str, Any] = {}
        if proposal:
            with log.recording():
                seconds, stock_result = _timed(lambda: run_suite(con, RELATION, stock_suite(suite)))
            times["ge_stock"].append(seconds)
            stock_counts = ge_rule_counts(stock_result)
            stock_profile = statement_profile(log.statements, ())
        threads = con.execute("SELECT current_setting('threads')").fetchone()
        memory_limit = con.execute("SELECT current_setting('memory_limit')").fetchone()

    assert ge_counts == hand_counts, {
        c: (ge_counts.get(c), n) for c, n in hand_counts.items() if ge_counts.get(c) != n
    }
    assert compiled_counts is None or compiled_counts == {
        c: hand_counts[c] for c in compiled_counts
    }
    assert proposal_counts is None or proposal_counts == hand_counts
    assert stock_counts is None or stock_counts == hand_counts
    assert sum(hand_counts.values()) > 0, "the planted defects were not found"
    best = {k: min(v) for k, v in times.items() if v}
    fastest_ge = times["ge"].index(best["ge"])
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "name": "quality_rules_10m",
        "description": "GE suite (count-only UnexpectedRowsExpectation per rule) inside DuckDB",
        "unit": "s",
        "value": round(best["ge"], 3),
        "baseline_name": "the same rules hand-written as one DuckDB query (count_if per rule)",
        "baseline_value": round(best["handwritten"], 3),
        "ratio": round(best["ge"] / best["handwritten"], 3),
        "better": "lower",
        "goal": "ratio <= 1.5",
        "params": {
            "rows": rows,
            "columns": len(contract.fields),
            "rules": len(rules),
            "expectations": len(suite.expectations),
            "threads": int(threads[0]) if threads else None,
            "memory_limit": memory_limit[0] if memory_limit else None,
            "repeats": repeats,
            "stage": stage,
            "rows_per_s": round(rows / best["ge"], 1),
            "baseline_rows_per_s": round(rows / best["handwritten"], 1),
            "load_parquet_s": round(load_s, 3),
            "scan_s": round(best["scan"], 3),
            "compiled_one_query_s": round(best["compiled"], 3) if compiled else None,
            "proposed_verdict_then_ge_s": round(best["verdict_then_ge"], 3) if proposal else None,
            "proposed_verdict_query_s": round(verdict_s, 3) if proposal else None,
            "proposed_ratio": (
                round(best["verdict_then_ge"] / best["handwritten"], 3) if proposal else None
            ),
            "proposed_ge_statements": proposal_profile,
            "stock_two_metric_ge_s": round(best["ge_stock"], 3) if proposal else None,
            "stock_two_metric_ratio": (
                round(best["ge_stock"] / best["handwritten"], 3) if proposal else None
            ),
            "stock_two_metric_statements": stock_profile,
            "ratio_to_scan": round(best["ge"] / best["scan"], 2),
            "times_s": {k: [round(s, 3) for s in v] for k, v in times.items()},
            "ge_statements": profiles[fastest_ge],
            "rule_counts": hand_counts,
            "rows_failing_any_rule_note": "counts are per rule; a row may fail several",
        },
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--compiled", action="store_true", help="also time quality.rules' predicates in one query"
    )
    parser.add_argument(
        "--no-proposals",
        action="store_true",
        help="skip timing the comparison suites (verdict-backed, stock two-metric GE)",
    )
    parser.add_argument(
        "--stage",
        choices=("view", "table"),
        default="view",
        help="a view over the Parquet file (as the pipeline does) or an in-memory table",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_quality_") as tmp:
        result = bench(
            args.rows,
            Path(tmp),
            repeats=args.repeats,
            compiled=args.compiled,
            proposal=not args.no_proposals,
            stage=args.stage,
        )
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
