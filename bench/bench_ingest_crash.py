"""``ingest_crash_100``: kill real ``zhongtai ingest`` processes with SIGKILL and check that nothing
a reader or auditor can see was half-done.

Every trial delivers a new social-insurance extract (``--rows`` rows, no defects, its own bytes) to
one long-lived catalog and lake, and kills the ``zhongtai ingest`` process that ingests it:

- at a **fault point** (``ZHONGTAI_INGEST_FAULT_POINTS``, test settings only: the process
  SIGKILLs itself there) — the first ``2 × len(POINTS)`` trials take every point of
  :data:`lakehouse.faults.POINTS` twice, ``lake_committed`` (between the DuckLake and the catalog
  commits) included;
- or at a **random moment** (the rest): SIGKILL from outside after a uniform random delay over
  the length of an undisturbed run (it may finish first: then it is a trial of the rerun's
  duplicate answer).

Right after the kill it checks that the snapshot readers are served is one the catalog has
bound to a published batch with its ``batch.published`` audit event, holding only rows of such
batches. Then it delivers the same file again (in this process: ``run_batch``) and checks that the
bytes are published exactly once (one published batch, one audit event, one tagged lake
snapshot), that no row is lost or duplicated (the served snapshot holds exactly the rows of every
published trial, each ``_row`` once), that lake and catalog agree (``snapshots()`` vs batches,
nothing left to finish or roll back), that the audit log's head is intact, and that nothing is
left over (staging files, raw-zone copies, serving temporaries, unreferenced lake files).

``python -m bench.bench_ingest_crash [--trials 100] [--rows 5000]`` writes
``bench/results/ingest_crash_100.json``; ``tests/lakehouse/test_ingest_crash.py`` runs 20.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bench.record import peak_rss_mb, write_result
from catalog.audit import head_intact
from catalog.datasets import register_contract
from catalog.db import init_catalog
from catalog.departments import upsert_department
from catalog.models import AuditEvent, Batch, BatchStatus, Dataset
from catalog.settings import Settings
from lakehouse.connection import LAKE, connect
from lakehouse.faults import POINTS
from lakehouse.pipeline import recover, run_batch
from lakehouse.samples import write_social_insurance_extract
from schemas import load_contract

DATASET = "rsj_social_insurance"
ZHONGTAI = Path(sys.executable).with_name("zhongtai")


@dataclass
class Trial:
    number: int
    kill: str
    """``point:<fault point>`` or ``random:<seconds>``."""
    returncode: int | None = None
    rerun: str = ""
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class Crashes:
    settings: Settings
    sessions: sessionmaker[Session]
    env: dict[str, str]
    folder: Path
    rows: int
    published_rows: int = 0
    undisturbed_s: list[float] = field(default_factory=list)


def make_crashes(folder: Path, rows: int, catalog_url: str = "") -> Crashes:
    var = folder / "var"
    var.mkdir(parents=True, exist_ok=True)
    env_file = folder / "none.env"
    base = {"var_dir": var, "environment": "test", "catalog_url": catalog_url}
    settings = Settings(**base)  # type: ignore[arg-type]
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        upsert_department(session, "330100RSJ", "杭州市人力资源和社会保障局", "330100")
        register_contract(session, load_contract(DATASET))
        session.commit()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ZHONGTAI_")},
        "ZHONGTAI_VAR_DIR": str(var),
        "ZHONGTAI_ENVIRONMENT": "test",
        "ZHONGTAI_ENV_FILE": str(env_file),
        "ZHONGTAI_CATALOG_URL": catalog_url,
    }
    return Crashes(settings, sessions, env, folder, rows)


def _kill_mode(number: int, rng: random.Random, crashes: Crashes) -> str:
    if number < 2 * len(POINTS):
        return f"point:{POINTS[number % len(POINTS)]}"
    typical = (
        sorted(crashes.undisturbed_s)[len(crashes.undisturbed_s) // 2]
        if crashes.undisturbed_s
        else 8.0
    )
    return f"random:{rng.uniform(0.2, typical):.3f}"


def _ingest(crashes: Crashes, source: Path, kill: str) -> int:
    env = dict(crashes.env)
    command = [str(ZHONGTAI), "ingest", DATASET, str(source)]
    if kill.startswith("point:"):
        env["ZHONGTAI_INGEST_FAULT_POINTS"] = kill.removeprefix("point:")
        started = time.monotonic()
        done = subprocess.run(command, env=env, capture_output=True, timeout=300, check=False)
        if kill == "point:catalog_committed":
            crashes.undisturbed_s.append(time.monotonic() - started)
        return done.returncode
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        process.wait(timeout=float(kill.removeprefix("random:")))
    except subprocess.TimeoutExpired:
        process.kill()  # SIGKILL
    return process.wait(timeout=60)


def run_trial(crashes: Crashes, number: int, rng: random.Random, seed: int) -> Trial:
    source = crashes.folder / "inbox" / f"社保_{number:03d}.csv"
    source.parent.mkdir(parents=True, exist_ok=True)
    write_social_insurance_extract(source, rows=crashes.rows, seed=seed + number, defects=False)
    trial = Trial(number, _kill_mode(number, rng, crashes))
    trial.returncode = _ingest(crashes, source, trial.kill)
    if trial.kill.startswith("point:") and trial.returncode != -9:
        trial.failures.append(f"the fault point did not kill the process ({trial.returncode})")
    trial.failures += _served_is_known(crashes)
    summary = run_batch(crashes.settings, DATASET, source)
    trial.rerun = summary.outcome
    if summary.outcome not in ("published", "duplicate"):
        trial.failures.append(f"the rerun ended {summary.outcome}: {summary.reason}")
    crashes.published_rows += crashes.rows
    trial.failures += _served_is_known(crashes)
    trial.failures += _published_once(crashes, summary.batch_id)
    trial.failures += _agree(crashes)
    trial.failures += _nothing_left(crashes)
    return trial


def _published(session: Session) -> dict[int, tuple[int | None, int | None]]:
    """Published batch id → (snapshot, rows published)."""
    rows = session.execute(
        select(Batch.id, Batch.snapshot_id, Batch.rows_published).where(
            Batch.status == BatchStatus.PUBLISHED
        )
    )
    return {int(b): (s, r) for b, s, r in rows}


def _audited(session: Session) -> dict[int, int]:
    """Batch id → snapshot of its ``batch.published`` events (the last one)."""
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "batch.published"))
    return {int(e.detail["batch_id"]): int(e.detail["snapshot_id"]) for e in events}


def _served_is_known(crashes: Crashes) -> list[str]:
    """The served snapshot is bound to a published, audited batch and holds only such rows."""
    with crashes.sessions() as session:
        current = session.scalars(
            select(Dataset.current_snapshot_id).where(Dataset.code == DATASET)
        ).one()
        published = _published(session)
        audited = _audited(session)
    if current is None:
        return []
    bound = [b for b, (s, _) in published.items() if s == current]
    if not bound or audited.get(bound[0]) != current:
        return [f"served snapshot {current} is not a published, audited batch's"]
    with connect(crashes.settings) as con:
        served = con.execute(
            f'SELECT _batch_id, count(*), count(DISTINCT _row) FROM {LAKE}."{DATASET}" '
            "AT (VERSION => ?) GROUP BY 1",
            [current],
        ).fetchall()
    failures = []
    for batch_id, count, distinct in served:
        if batch_id not in published or batch_id not in audited:
            failures.append(f"snapshot {current} serves rows of unpublished batch {batch_id}")
        elif count != published[batch_id][1] or distinct != count:
            failures.append(f"batch {batch_id}: {count} rows served ({distinct} distinct)")
    return failures


def _published_once(crashes: Crashes, batch_id: int) -> list[str]:
    failures = []
    with crashes.sessions() as session:
        sha = session.get_one(Batch, batch_id).source_sha256
        same = session.scalars(select(Batch).where(Batch.source_sha256 == sha)).all()
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "batch.published")
        ).all()
        total = session.scalar(
            select(func.sum(Batch.rows_published)).where(Batch.status == BatchStatus.PUBLISHED)
        )
        current = session.scalars(
            select(Dataset.current_snapshot_id).where(Dataset.code == DATASET)
        ).one()
    ids = {b.id for b in same}
    if sum(b.status is BatchStatus.PUBLISHED for b in same) != 1:
        failures.append(f"the file's batches {sorted(ids)} are not published exactly once")
    if sum(int(e.detail["batch_id"]) in ids for e in events) != 1:
        failures.append("not exactly one batch.published event for the file")
    with connect(crashes.settings) as con:
        tags = con.execute(
            f"SELECT commit_extra_info FROM {LAKE}.snapshots() WHERE commit_extra_info IS NOT NULL"
        ).fetchall()
        served = con.execute(
            f'SELECT count(*), count(DISTINCT (_batch_id, _row)) FROM {LAKE}."{DATASET}" '
            "AT (VERSION => ?)",
            [current],
        ).fetchone()
    tagged = sum(_tag(t[0]) in ids for t in tags)
    if tagged != 1:
        failures.append(f"{tagged} lake snapshots publish the file")
    expected = crashes.published_rows
    if served is None or served[0] != expected or served[1] != expected or total != expected:
        failures.append(f"served {served} rows, catalog {total}, expected {expected}")
    return failures


def _tag(extra_info: object) -> int | None:
    """The batch a lake snapshot publishes (``commit_extra_info``), if it publishes one."""
    try:
        info = json.loads(str(extra_info))
    except ValueError:
        return None
    batch = info.get("batch_id") if isinstance(info, dict) else None
    return int(batch) if batch is not None else None


def _agree(crashes: Crashes) -> list[str]:
    outcome = recover(crashes.settings, DATASET)
    failures = list(outcome.conflicts)
    if outcome.changed:
        failures.append(f"reconcile still had work after the rerun: {outcome}")
    with connect(crashes.settings) as con:
        tags = con.execute(
            f"SELECT snapshot_id, commit_extra_info FROM {LAKE}.snapshots() "
            "WHERE commit_extra_info IS NOT NULL"
        ).fetchall()
    with crashes.sessions() as session:
        published = _published(session)
        audited = _audited(session)
        intact = head_intact(session)
    lake = {_tag(info): int(snapshot) for snapshot, info in tags if _tag(info) is not None}
    if lake != {b: s for b, (s, _) in published.items()}:
        failures.append("the lake's publishes and the catalog's published batches differ")
    if audited != lake:
        failures.append("the audit log's publications and the lake's differ")
    if not intact:
        failures.append("the audit log's head does not match its hash")
    return failures


def _nothing_left(crashes: Crashes) -> list[str]:
    settings = crashes.settings
    left = [p for p in settings.staging_dir.glob("*") if p.is_file()]
    left += list(settings.raw_dir.glob(".landing-*"))
    left += list((settings.var_dir / "serving").rglob("*.tmp"))
    with connect(settings) as con:
        orphans = con.execute(
            "SELECT * FROM ducklake_delete_orphaned_files(?, dry_run => true, cleanup_all => true)",
            [LAKE],
        ).fetchall()
    left += [Path(str(o[0])) for o in orphans]
    return [f"left over: {', '.join(p.name for p in left)}"] if left else []


def run_trials(
    folder: Path, trials: int, rows: int, seed: int = 20261130, catalog_url: str = ""
) -> dict[str, Any]:
    crashes = make_crashes(folder, rows, catalog_url)
    rng = random.Random(seed)
    started = time.monotonic()
    try:
        results = [run_trial(crashes, n, rng, seed) for n in range(trials)]
    finally:
        crashes.sessions.kw["bind"].dispose()
    elapsed = time.monotonic() - started
    passed = sum(t.passed for t in results)
    kinds = Counter(
        t.kill.split(":")[0] if t.kill.startswith("random") else t.kill for t in results
    )
    return {
        "name": f"ingest_crash_{trials}",
        "description": f"SIGKILL of `zhongtai ingest` at fault points and random moments, "
        f"{rows:,}-row GBK extracts, one catalog and lake across trials; each trial checked "
        "for invisible half-publishes, exactly-once rerun, no lost or duplicated row, "
        "lake/catalog/audit agreement and no leftovers",
        "unit": "trials passed",
        "value": passed,
        "baseline_name": "trials run",
        "baseline_value": trials,
        "ratio": round(passed / trials, 4) if trials else 0.0,
        "better": "higher",
        "goal": f"value == {trials} (every trial passes)",
        "goals_met": {"all_trials_pass": passed == trials},
        "params": {
            "rows_per_file": rows,
            "seed": seed,
            "catalog": "postgresql" if catalog_url.startswith("postgresql") else "sqlite",
            "kills": dict(sorted(kinds.items())),
            "reruns": dict(Counter(t.rerun for t in results)),
            "elapsed_s": round(elapsed, 1),
            "undisturbed_run_s": round(
                sorted(crashes.undisturbed_s)[len(crashes.undisturbed_s) // 2], 2
            )
            if crashes.undisturbed_s
            else None,
        },
        "failed_trials": [asdict(t) for t in results if not t.passed],
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ingest-crash-") as folder:
        result = run_trials(Path(folder), args.trials, args.rows, args.seed)
    write_result(result)


if __name__ == "__main__":
    main()
