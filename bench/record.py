"""Writing a benchmark's result file, and the process's peak memory, the same way everywhere."""

from __future__ import annotations

import json
import resource
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def write_result(result: dict[str, Any], path: Path | None = None) -> Path:
    """Write ``result`` to ``bench/results/<name>.json`` (or ``path``) and echo it."""
    target = path or RESULTS_DIR / f"{result['name']}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    target.write_text(text, encoding="utf-8")
    print(text, end="")
    return target
