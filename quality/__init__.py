"""Data quality: contract rules compiled to DuckDB SQL, Great Expectations suites run inside
DuckDB, per-row verdicts for quarantine, and the batch's quality report."""

from quality.errors import EngineFailure, QualityError, RelationMismatch, UnsupportedContract
from quality.ge_duckdb import (
    ZhongtaiDuckDBDialect,
    datasource_kwargs,
    make_engine,
    register_dialect,
)
from quality.reports import save_report
from quality.rules import Rule, compile_rules, quote_ident
from quality.suite import build_suite, run_suite
from quality.validate import QualityOutcome, decide, ensure_code_tables, validate, write_verdict

__all__ = [
    "EngineFailure",
    "QualityError",
    "QualityOutcome",
    "RelationMismatch",
    "Rule",
    "UnsupportedContract",
    "ZhongtaiDuckDBDialect",
    "build_suite",
    "compile_rules",
    "datasource_kwargs",
    "decide",
    "ensure_code_tables",
    "make_engine",
    "quote_ident",
    "register_dialect",
    "run_suite",
    "save_report",
    "validate",
    "write_verdict",
]
