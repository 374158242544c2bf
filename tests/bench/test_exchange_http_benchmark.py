"""The HTTP benchmark's own machinery: wrk's report is read right, and a tiny run of the whole
benchmark (a real uvicorn with two workers, real wrk) writes both results, with every answered
call audited."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.bench_exchange_http import _ms, main, parse_wrk

WRK_REPORT = """Running 10s test @ http://127.0.0.1:8765/api/v1/datasets/rsj_social_insurance/verify
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    96.23ms  200.11ms   1.99s    94.12%
    Req/Sec    58.40     20.11   121.00     70.00%
  Latency Distribution
     50%   96.23ms
     75%  120.51ms
     90%  180.00ms
     99%    1.55s
  1072 requests in 10.02s, 512.11KB read
  Non-2xx or 3xx responses: 3
Requests/sec:    107.00
Transfer/sec:     51.11KB
"""


def test_a_wrk_report_is_read_in_milliseconds() -> None:
    assert parse_wrk(WRK_REPORT) == {
        "per_s": 107.0,
        "p50_ms": 96.23,
        "p99_ms": 1550.0,
        "answered": 1072.0,
        "non_2xx": 3.0,
    }
    assert (_ms("850.00us"), _ms("2.5s"), _ms("1.00m")) == (0.85, 2500.0, 60000.0)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is installed by infra/system-deps.sh")
def test_a_tiny_run_writes_both_results(tmp_path: Path) -> None:
    main(["--rows", "300", "--seconds", "1", "--out", str(tmp_path)])
    for name in ("exchange_verify_http", "exchange_query_http"):
        result = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))
        assert result["value"] > 0 and result["baseline_value"] > 0, result
        assert result["non_2xx"] == 0, result
        assert result["every_answered_call_audited"] is True, result
