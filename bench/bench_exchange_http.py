"""The exchange over HTTP: 核验 calls and 10-row keyed queries per second, against hello-world.

One platform is built in a scratch directory: the demo's departments and accounts, one published
snapshot of ``--rows`` social-insurance rows (with its serving index), and a grant to 商务局 for
``query`` and ``verify`` with ``citizen_id`` as a match key. The app is then served by uvicorn
with two workers on loopback, and ``wrk`` (a bounded load generator: a fixed number of open
connections, each sending its next request when the last is answered) drives three routes in turn,
in the same run:

- baseline: ``GET /api/v1/health``, a hello-world route of the same app;
- ``exchange_verify_http``: ``POST /api/v1/datasets/…/verify`` with one record (ID + name), each
  call decided, run on the serving index, charged and written to the audit chain;
- ``exchange_query_http``: ``POST /api/v1/datasets/…/query`` for 10 rows of one employer, 16
  connections.

After the run the audit chain is verified and its ``data.verified`` / ``data.read`` events are
counted against the calls ``wrk`` saw answered: every call must have written its event. Writes
``bench/results/exchange_verify_http.json`` and ``exchange_query_http.json``. Needs ``wrk``
(Debian package ``wrk``). Run: ``.venv/bin/python -m bench.bench_exchange_http``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.record import peak_rss_mb, write_result
from bench.server import serve
from catalog.audit import verify_chain
from catalog.db import init_catalog
from catalog.models import Account, AuditEvent
from catalog.principals import Principal
from catalog.requests import approve_request, file_request
from catalog.settings import Settings
from exchange_api.demo import DATASET, seed
from lakehouse.pipeline import run_batch
from lakehouse.samples import write_social_insurance_extract

PORT = 8765
GOALS = {
    "exchange_verify_http": {"min_per_s": 1500, "min_ratio": 0.5, "max_p99_ms": 15},
    "exchange_query_http": {"min_per_s": 1000, "max_p99_ms": 20},
}


def _principal(session: Any, name: str) -> Principal:
    account = session.scalars(select(Account).where(Account.name == name)).one()
    return Principal.of(account)


def build(var: Path, rows: int) -> tuple[Settings, dict[str, str], list[dict[str, str]], str]:
    """A published platform with a verify+query grant; returns the tokens, records to verify,
    and an employer to query."""
    settings = Settings(var_dir=var, environment="test", _env_file=None)  # type: ignore[call-arg]
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        tokens = seed(session).by_account
        session.commit()
    extract = var / "inbox" / DATASET / "extract.csv"
    extract.parent.mkdir(parents=True)
    write_social_insurance_extract(extract, rows=rows, defects=False, employers=200)
    batch = run_batch(settings, DATASET, extract)
    assert batch.status == "published", batch
    with sessions() as session:
        filed = file_request(
            session,
            _principal(session, "swj-exchange"),
            DATASET,
            ["citizen_id", "person_name", "employer_uscc", "period", "amount"],
            "benchmark: 核验 of applicants and employer look-ups",
            legal_basis="bench",
            access_modes=["query", "verify"],
            match_fields=["citizen_id", "person_name"],
        )
        approve_request(session, _principal(session, "rsj-exchange"), filed.id)
        session.commit()
    from lakehouse.connection import connect

    with connect(settings) as con:
        sample = con.execute(
            f"SELECT citizen_id, person_name, employer_uscc FROM lake.{DATASET} "
            "USING SAMPLE 64 ROWS (reservoir, 7)"
        ).fetchall()
    records = [{"citizen_id": c, "person_name": n} for c, n, _ in sample]
    return settings, tokens, records, sample[0][2]


_LUA = """
bodies = {}
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
n = 0
request = function()
  n = n %% #bodies + 1
  return wrk.format("POST", nil, nil, bodies[n])
end
"""


def wrk(
    path: str,
    *,
    connections: int,
    seconds: int,
    token: str = "",
    bodies: list[str] | None = None,
    scratch: Path,
) -> dict[str, float]:
    """Run wrk against ``path``; requests/s, p50/p99 in ms, non-2xx and answered count."""
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-H",
        "Content-Type: application/json",
    ]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    if bodies:
        lines = scratch / f"bodies-{abs(hash(path))}.txt"
        lines.write_text("\n".join(bodies) + "\n", encoding="utf-8")
        script = scratch / f"script-{abs(hash(path))}.lua"
        script.write_text(_LUA % {"bodies": lines}, encoding="utf-8")
        command += ["-s", str(script)]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{PORT}{path}"], capture_output=True, text=True, check=True
    ).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> dict[str, float]:
    """wrk's report (with ``--latency``): requests/s, p50/p99 in ms, answered and non-2xx."""
    return {
        "per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "answered": float(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
        "non_2xx": float(m.group(1)) if (m := re.search(r"Non-2xx[^:]*:\s+(\d+)", out)) else 0.0,
    }


def _ms(text: str) -> float:
    value = float(re.match(r"[\d.]+", text).group(0))  # type: ignore[union-attr]
    unit = text[len(re.match(r"[\d.]+", text).group(0)) :]  # type: ignore[union-attr]
    return round(value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit], 3)


def _events(settings: Settings, action: str) -> int:
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        report = verify_chain(session)
        assert report.ok, report.describe()
        count = session.scalar(select(func.count()).where(AuditEvent.action == action))
        return int(count or 0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None, help="results directory")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian package 'wrk'): apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="zt-bench-http-") as scratch_dir:
        scratch = Path(scratch_dir)
        settings, tokens, records, employer = build(scratch / "var", args.rows)
        server = serve(settings, PORT, workers=2)
        try:
            token = tokens["swj-exchange"]
            verify_bodies = [
                json.dumps(
                    {"match_on": ["citizen_id"], "compare": ["person_name"], "records": [r]},
                    ensure_ascii=False,
                )
                for r in records
            ]
            query_body = json.dumps(
                {
                    "filters": [{"field": "employer_uscc", "op": "eq", "value": employer}],
                    "limit": 10,
                }
            )
            check = httpx.post(
                f"http://127.0.0.1:{PORT}/api/v1/datasets/{DATASET}/verify",
                content=verify_bodies[0],
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                timeout=30,
            )
            assert check.status_code == 200 and check.json()["results"][0]["result"] == "match", (
                check.text
            )
            before_verify = _events(settings, "data.verified")
            before_read = _events(settings, "data.read")
            hello = wrk("/api/v1/health", connections=16, seconds=args.seconds, scratch=scratch)
            verify = wrk(
                f"/api/v1/datasets/{DATASET}/verify",
                connections=16,
                seconds=args.seconds,
                token=token,
                bodies=verify_bodies,
                scratch=scratch,
            )
            query = wrk(
                f"/api/v1/datasets/{DATASET}/query",
                connections=16,
                seconds=args.seconds,
                token=token,
                bodies=[query_body],
                scratch=scratch,
            )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
        verified_events = _events(settings, "data.verified") - before_verify
        read_events = _events(settings, "data.read") - before_read
    for name, got, events in (
        ("exchange_verify_http", verify, verified_events),
        ("exchange_query_http", query, read_events),
    ):
        goals = GOALS[name]
        ratio = round(got["per_s"] / hello["per_s"], 3)
        met = got["per_s"] >= goals["min_per_s"] and got["p99_ms"] <= goals["max_p99_ms"]
        if "min_ratio" in goals:
            met = met and ratio >= goals["min_ratio"]
        result = {
            "name": name,
            "unit": "calls/s",
            "value": round(got["per_s"], 1),
            "baseline_name": "hello-world GET /api/v1/health, same app, same run",
            "baseline_value": round(hello["per_s"], 1),
            "ratio": ratio,
            "better": "higher",
            "p50_ms": got["p50_ms"],
            "p99_ms": got["p99_ms"],
            "baseline_p50_ms": hello["p50_ms"],
            "baseline_p99_ms": hello["p99_ms"],
            "non_2xx": got["non_2xx"],
            "answered": got["answered"],
            "audit_events_written": events,
            "every_answered_call_audited": events >= got["answered"],
            "goals": goals,
            "goals_met": met,
            "params": {
                "rows": args.rows,
                "seconds": args.seconds,
                "workers": 2,
                "connections": 16,
                "load": "wrk -t2 -c16",
                "catalog": "SQLite (WAL)",
            },
            "peak_rss_mb": peak_rss_mb(),
        }
        write_result(result, args.out / f"{name}.json" if args.out else None)


if __name__ == "__main__":
    main()
