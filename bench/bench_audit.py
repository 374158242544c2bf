"""The audit log's two benchmarks, each against a baseline run in the same process.

- ``audit_append``: durable appends per second with 8 concurrent writers through the group
  writer (``catalog.audit_writer``), each keeping 64 appends in flight (a worker serving 64
  requests at once: none is answered before its event is durable); baseline: the same events
  appended by the same 8 threads, each in its own transaction with its own commit (one fsync
  each). Goal ≥ 20,000 events/s.
- ``audit_verify_1m``: verify an evidence bundle of 1M events — every hash link, every checkpoint
  signature (one each 1,000 events), the signed manifest and each file's SHA-256; baseline: plain
  SHA-256 over the same files' bytes. Goal ≤ 2 s and ≤ 10× the baseline.

Both run on the embedded default (SQLite, WAL, ``synchronous=FULL``) in a temporary folder.
``python -m bench.bench_audit [events]`` (default 1,000,000) runs both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
import tempfile
import threading
import time
from collections import deque
from concurrent.futures import Future
from pathlib import Path

from bench.record import peak_rss_mb, write_result
from catalog import audit
from catalog.audit_writer import GroupWriter, record_many
from catalog.db import init_catalog
from catalog.events import DataRead
from catalog.evidence import export
from catalog.evidence_verify import verify_bundle
from catalog.keystore import MemoryKeyStore
from catalog.principals import SYSTEM, Principal

WRITERS = 8
IN_FLIGHT = 64
"""Appends each writer keeps waiting at once, as a worker serving 64 requests at a time does."""
READER = Principal(account_id=12, department_id=3, department_code="330100SWJ", roles=frozenset())


def _event(n: int) -> DataRead:
    return DataRead(
        dataset_id=1 + n % 7,
        grant_id=1 + n % 50,
        purpose="低保对象资格核查（民政）",
        columns=("citizen_id", "person_name", "period", "amount"),
        masked_columns=("citizen_id", "person_name"),
        filters=({"field": "period", "op": "eq", "value": "2026-10"},),
        row_count=n % 500,
        bytes_sent=1000 + n % 50_000,
        content_sha256=hashlib.sha256(str(n).encode()).hexdigest(),
        snapshot_id=1 + n % 9,
    )


def _threads(count: int, target: object) -> float:
    barrier = threading.Barrier(count + 1)

    def run(k: int) -> None:
        barrier.wait()
        target(k)  # type: ignore[operator]

    threads = [threading.Thread(target=run, args=(k,)) for k in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def bench_append(folder: Path, per_writer_group: int, per_writer_single: int) -> None:
    grouped = init_catalog(f"sqlite:///{folder / 'grouped.sqlite'}")
    writer = GroupWriter(grouped)

    def group_client(k: int) -> None:
        in_flight: deque[Future[int]] = deque()
        for i in range(per_writer_group):
            in_flight.append(writer.submit(_event(k * per_writer_group + i), actor=READER))
            if len(in_flight) >= IN_FLIGHT:
                in_flight.popleft().result()
        for done in in_flight:
            done.result()

    group_s = _threads(WRITERS, group_client)
    writer.close()
    single = init_catalog(f"sqlite:///{folder / 'single.sqlite'}")

    def single_client(k: int) -> None:
        for i in range(per_writer_single):
            with single() as session:
                audit.record(session, _event(k * per_writer_single + i), actor=READER)
                session.commit()

    single_s = _threads(WRITERS, single_client)
    with grouped() as session:
        report = audit.verify_chain(session, {})
        assert report.ok and report.events_checked == WRITERS * per_writer_group, report
    value = WRITERS * per_writer_group / group_s
    baseline = WRITERS * per_writer_single / single_s
    write_result(
        {
            "name": "audit_append",
            "description": "durable audit appends, 8 concurrent writers (64 appends in flight "
            "each), group commit (SQLite, WAL, synchronous=FULL)",
            "unit": "events/s",
            "value": round(value, 1),
            "baseline_name": "the same events, 8 writers, one transaction and fsync per event",
            "baseline_value": round(baseline, 1),
            "ratio": round(value / baseline, 2),
            "better": "higher",
            "goal": "value >= 20000 events/s",
            "goals_met": {"events_per_s": value >= 20_000},
            "params": {
                "writers": WRITERS,
                "in_flight_per_writer": IN_FLIGHT,
                "events_grouped": WRITERS * per_writer_group,
                "events_single": WRITERS * per_writer_single,
                "batches": writer.batches,
                "mean_batch": round(WRITERS * per_writer_group / max(writer.batches, 1), 1),
                "grouped_s": round(group_s, 3),
                "single_s": round(single_s, 3),
                "synchronous": "FULL (WAL)",
            },
            "peak_rss_mb": peak_rss_mb(),
        }
    )


def _build_bundle(folder: Path, events: int) -> tuple[Path, MemoryKeyStore, float]:
    started = time.perf_counter()
    sessions = init_catalog(f"sqlite:///{folder / 'verify.sqlite'}")
    store = MemoryKeyStore()
    store.create()
    key = store.signing_key()
    now = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    done = 0
    with sessions() as session:
        while done < events:
            step = min(999, events - done)  # a checkpoint (and its own event) every 1,000
            items = [(_event(done + i), READER, now) for i in range(step)]
            record_many(session, items)
            audit.sign_checkpoint(session, key, now=now)
            session.commit()
            done += step + 1
        bundle = folder / "bundle"
        export(session, store, key, bundle, SYSTEM, now=now)
        session.commit()
    return bundle, store, time.perf_counter() - started


def bench_verify(folder: Path, events: int) -> None:
    bundle, store, build_s = _build_bundle(folder, events)
    trust = {e.fingerprint: e.public_key for e in store.public_keys()}
    started = time.perf_counter()
    report = verify_bundle(bundle, trust)
    verify_s = time.perf_counter() - started
    assert report.ok, report.describe()
    started = time.perf_counter()
    for path in sorted(bundle.iterdir()):
        sha = hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                sha.update(chunk)
    baseline_s = time.perf_counter() - started
    size = sum(p.stat().st_size for p in bundle.iterdir())
    write_result(
        {
            "name": "audit_verify_1m",
            "description": "offline verification of an evidence bundle: links, hashes, "
            "checkpoint signatures, signed manifest, file digests",
            "unit": "s",
            "value": round(verify_s, 3),
            "baseline_name": "plain SHA-256 over the same bundle files (same run)",
            "baseline_value": round(baseline_s, 3),
            "ratio": round(verify_s / baseline_s, 2),
            "better": "lower",
            "goal": "value <= 2 s and ratio <= 10",
            "goals_met": {"seconds": verify_s <= 2.0, "ratio": verify_s / baseline_s <= 10},
            "params": {
                "events": report.events_checked,
                "checkpoints": report.checkpoints_checked,
                "bundle_bytes": size,
                "build_s": round(build_s, 1),
            },
            "peak_rss_mb": peak_rss_mb(),
        }
    )


def main(argv: list[str]) -> int:
    events = int(argv[1]) if len(argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        folder = Path(tmp)
        bench_append(folder, per_writer_group=max(events // 100, 500), per_writer_single=200)
        bench_verify(folder, events)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
