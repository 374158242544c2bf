"""Great Expectations is imported with ``scipy.stats`` and ``altair`` left unloaded until used
(``quality.ge_import``), and a suite still runs inside DuckDB. In a fresh interpreter: the test
process may have loaded either module through something else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import json, sys
import duckdb
import quality
import quality.suite, quality.validate_pass  # these import Great Expectations
assert "great_expectations" in sys.modules
from schemas import load_contract
from tests.quality.factories import good_rows, load

def loaded(name):
    module = sys.modules.get(name)
    return module is not None and type(module).__name__ != "_LazyModule"

before = {name: loaded(name) for name in ("scipy.stats", "altair")}
inner = sorted(m for m in sys.modules if m.startswith(("scipy.stats.", "altair.")))
contract = load_contract("rsj_social_insurance")
con = duckdb.connect()
rows = good_rows(6)
rows[2]["period"] = "2023-13"
load(con, "batch", contract, rows)
quality.ensure_code_tables(con)
result = quality.run_suite(con, "batch", quality.build_suite(contract))
from quality.validate import ge_rule_counts
counts = {k: v for k, v in ge_rule_counts(result).items() if v}
from scipy import stats
cdf = float(stats.norm.cdf(0.0))
print(json.dumps({"before": before, "inner": inner, "counts": counts, "cdf": cdf,
                  "after": loaded("scipy.stats")}))
"""


def test_importing_quality_leaves_scipy_stats_and_altair_unloaded() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["before"] == {"scipy.stats": False, "altair": False}
    assert probe["inner"] == []  # none of their submodules ran either
    assert probe["counts"] == {"month.format": 1}  # the GE suite ran, in DuckDB
    assert probe["cdf"] == 0.5 and probe["after"] is True  # and loads on first use


def test_only_ge_import_imports_great_expectations() -> None:
    """Every package module takes Great Expectations from ``quality.ge_import``, so the lazy
    finder is installed before GE's own imports run."""
    offenders = []
    for package in ("catalog", "quality", "lakehouse", "exchange_api", "dags", "schemas"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "quality" / "ge_import.py":
                continue
            for line in path.read_text(encoding="utf-8").splitlines():
                words = line.split()
                if words[:2] in (["import", "great_expectations"], ["from", "great_expectations"]):
                    offenders.append(f"{path.relative_to(ROOT)}: {line.strip()}")
                elif len(words) > 1 and words[0] in ("import", "from"):
                    if words[1].startswith("great_expectations."):
                        offenders.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    assert offenders == []
