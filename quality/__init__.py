"""Data quality: contract rules compiled to DuckDB SQL, Great Expectations suites run inside
DuckDB, per-row verdicts for quarantine, and the batch's quality report.

Importing the package is cheap: the names that need Great Expectations (seconds to import) are
loaded on first use (:func:`__getattr__`), so the ingestion steps before validation, and a run
killed before it, never pay for them. ``validate`` is not re-exported here, because the
submodule of that name would shadow it: import it from :mod:`quality.validate` (or use
:func:`quality.validate_pass.validate_pass`, which the pipeline runs).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from quality.errors import EngineFailure, QualityError, RelationMismatch, UnsupportedContract
from quality.outcome import QualityOutcome, decide
from quality.rules import Rule, compile_rules, quote_ident

_LAZY = {
    "ZhongtaiDuckDBDialect": "quality.ge_duckdb",
    "datasource_kwargs": "quality.ge_duckdb",
    "make_engine": "quality.ge_duckdb",
    "register_dialect": "quality.ge_duckdb",
    "save_report": "quality.reports",
    "build_suite": "quality.suite",
    "run_suite": "quality.suite",
    "ensure_code_tables": "quality.validate",
    "write_verdict": "quality.validate",
}

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
    "write_verdict",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'quality' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
