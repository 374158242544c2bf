"""Run every benchmark (``bench/bench_*.py``), each in its own process so peak memory is its own.

Each benchmark measures its baseline in the same process and writes ``bench/results/<name>.json``
with name, unit, value, baseline_name, baseline_value, ratio, better, params and peak_rss_mb.
``python -m bench`` runs them all; ``python -m bench ingest`` runs the ones whose name matches.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = argv[1:]
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if wanted:
        modules = [m for m in modules if any(w in m for w in wanted)]
    failed = []
    for module in modules:
        print(f"== {module}", flush=True)
        done = subprocess.run(
            [sys.executable, "-m", f"bench.{module}"], cwd=HERE.parent, check=False
        )
        if done.returncode != 0:
            failed.append(module)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
