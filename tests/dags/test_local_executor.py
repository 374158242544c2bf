"""Airflow for real on the production shape (issue 12, item 5; issue 14, item 3): the ingestion
DAGs run by Airflow's own scheduler under the LocalExecutor, with a PostgreSQL metadata database,
two dataset DAGs at the same time, both Zhongtai catalogs on PostgreSQL and the lake's files in an
S3-compatible object store.

No ``dag.test()`` here: the test starts the components a deployment runs — the API server (the
LocalExecutor's task processes report to its execution API), the scheduler and the DAG processor —
as subprocesses against a throwaway PostgreSQL, triggers ``ingest_rsj_social_insurance`` and
``ingest_scjgj_enterprise_registration`` together, each with an extract in its inbox, and waits
for both runs. The Zhongtai catalog and the DuckLake metadata live in that PostgreSQL too (two
task processes write them at once, as in production), and the lake's data path is a bucket.
The triggerer is not started: the inbox watches would trigger runs of their own, and this test
wants exactly the two it triggers.

The object store is moto's S3 server on loopback (``tests.fixtures.object_store``): **a stand-in**
for the province's store — no real object store runs on this machine. DuckDB's ``httpfs`` speaks
real HTTP to it from each task process, as it would to MinIO or Ceph.

What it proves, from the records each part keeps: the two runs' task instances overlapped in time
(their start and end times in Airflow's metadata database), and each dataset was published exactly
once — one batch in the catalog, one lake snapshot naming it, one ``batch.published`` audit event,
and its rows, once, in Parquet files in the bucket (read back from the bucket itself).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import init_catalog
from catalog.models import AuditEvent, Batch, BatchStatus, Dataset
from catalog.settings import Settings, get_settings
from catalog.settings_view import airflow_environment
from exchange_api.demo import seed
from lakehouse.connection import LAKE, connect, quote_ident, quote_literal
from lakehouse.dag_manifest import write_manifest
from lakehouse.samples import write_social_insurance_extract
from lakehouse.samples.registers import write_enterprise_extract
from tests.dags.conftest import REPO
from tests.fixtures.object_store import ObjectStore
from tests.fixtures.postgres import PostgresServer

pytestmark = [pytest.mark.airflow, pytest.mark.postgres, pytest.mark.production]

SOCIAL, ENTERPRISE = "rsj_social_insurance", "scjgj_enterprise_registration"
DAG_IDS = (f"ingest_{SOCIAL}", f"ingest_{ENTERPRISE}")
AIRFLOW = Path(sys.executable).with_name("airflow")
ROWS = 60
TIMEOUT = 420.0  # s after `db migrate`; a run takes 60–150 s on a busy 2-core machine


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Components:
    """The Airflow processes this test started, each in its own process group, logging to a file."""

    env: dict[str, str]
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]]

    def start(self, name: str) -> None:
        with (self.logs / f"{name}.log").open("wb") as log:
            self.processes[name] = subprocess.Popen(
                [str(AIRFLOW), name],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its workers share its group: stopped with it
            )

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                pytest.fail(f"airflow {name} exited ({process.returncode})\n{self.tails()}")

    def tails(self, lines: int = 40) -> str:
        parts = []
        for log in sorted(self.logs.glob("*.log")):
            text = log.read_text(encoding="utf-8", errors="replace").splitlines()
            parts.append(f"--- {log.name} (last {lines} lines)\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)

    def stop(self) -> None:
        """SIGTERM to each group, then SIGKILL to what is left after 20 s."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the group: stray task processes too
            process.wait()


def _airflow_env(settings: Settings, metadata_url: str, port: int) -> dict[str, str]:
    home = settings.airflow_home
    env = dict(os.environ)
    # The executor and metadata database come from the settings, as for `make airflow`
    chosen = {"airflow_executor": "LocalExecutor", "airflow_database_url": metadata_url}
    env.update(airflow_environment(settings.model_copy(update=chosen)))
    env.update(
        {
            "ZHONGTAI_AIRFLOW_EXECUTOR": "LocalExecutor",
            "ZHONGTAI_AIRFLOW_DATABASE_URL": metadata_url,
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            # No runs from the clock: unpausing a DAG would otherwise start its latest cron run
            # at once (its missed 02:00 run), which would take the file from the inbox first
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            # ... and with none (nor any Asset-triggered run), no need to unpause one by one
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        }
    )
    return env


def _airflow(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([str(AIRFLOW), *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, (
        f"airflow {' '.join(args)}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    )


def _metadata(server: PostgresServer, database: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host=server.host, port=server.port, user=server.user, dbname=database, autocommit=True
    )


@pytest.fixture
def databases(postgresql_server: PostgresServer) -> Iterator[dict[str, str]]:
    """Three new databases: Airflow's metadata, the Zhongtai catalog, the DuckLake metadata."""
    names = {
        role: postgresql_server.create_database(f"af_{role}")
        for role in ("airflow", "catalog", "lake")
    }
    try:
        yield names
    finally:
        with postgresql_server.admin_connection() as admin:
            for name in names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_dataset_dags_run_in_parallel_on_the_production_shape(
    postgresql_server: PostgresServer,
    databases: dict[str, str],
    object_store: ObjectStore,
    s3_bucket: str,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = postgresql_server
    monkeypatch.setenv("ZHONGTAI_CATALOG_URL", server.url(databases["catalog"]))
    monkeypatch.setenv("ZHONGTAI_LAKE_CATALOG", server.lake_catalog(databases["lake"]))
    for name, value in object_store.environment(s3_bucket).items():
        monkeypatch.setenv(name, value)  # the task processes inherit it from the scheduler
    get_settings.cache_clear()
    settings = get_settings()

    sessions = init_catalog(settings.resolved_catalog_url)
    try:
        with sessions() as session:
            seed(session)
            session.commit()
            write_manifest(settings, session)
        with connect(settings):  # the lake exists before its first two publishes race
            pass
        extracts = {
            SOCIAL: settings.inbox_dir / SOCIAL / "社保_2026-10.csv",
            ENTERPRISE: settings.inbox_dir / ENTERPRISE / "企业登记_2026-11-24.csv",
        }
        for extract in extracts.values():
            extract.parent.mkdir(parents=True)
        write_social_insurance_extract(extracts[SOCIAL], rows=ROWS, defects=False)
        write_enterprise_extract(extracts[ENTERPRISE], rows=ROWS, defects=False)

        metadata_url = f"postgresql+psycopg://{server.user}@{server.host}:{server.port}/"
        env = _airflow_env(settings, metadata_url + databases["airflow"], _free_port())
        settings.airflow_home.mkdir(parents=True, exist_ok=True)
        _airflow(env, "db", "migrate")

        components = Components(env, settings.airflow_home, {})
        try:
            for name in ("api-server", "dag-processor", "scheduler"):
                components.start(name)
            runs = _trigger_and_wait(components, server, databases["airflow"])
        finally:
            components.stop()

        with _metadata(server, databases["airflow"]) as meta:
            rows = meta.execute(
                "SELECT dag_id, task_id, state, start_date, end_date FROM task_instance"
                " WHERE dag_id = ANY(%s) AND run_id = ANY(%s)",
                [list(DAG_IDS), list(runs.values())],
            ).fetchall()
            dag_runs = meta.execute(
                "SELECT dag_id, run_id FROM dag_run WHERE dag_id = ANY(%s)", [list(DAG_IDS)]
            ).fetchall()
        assert sorted(dag_runs) == sorted(runs.items()), dag_runs  # no run but the triggered two
        states = {(str(r[0]), str(r[1])): r[2] for r in rows}
        assert set(states.values()) == {"success"}, states
        assert len(states) == 10, states  # land, standardize, validate, publish, record each
        spans: dict[str, list[tuple[datetime, datetime]]] = {d: [] for d in DAG_IDS}
        for dag_id, _task, _state, start, end in rows:
            assert isinstance(start, datetime) and isinstance(end, datetime)
            spans[str(dag_id)].append((start, end))
        overlapping = [
            (a, b)
            for a in spans[DAG_IDS[0]]
            for b in spans[DAG_IDS[1]]
            if a[0] < b[1] and b[0] < a[1]
        ]
        assert overlapping, "the two runs' tasks never ran at the same time:\n" + "\n".join(
            f"{dag_id}: {start:%T.%f}–{end:%T.%f}"
            for dag_id, times in spans.items()
            for start, end in sorted(times)
        )

        snapshots = _published_once(sessions, extracts)
        with connect(settings) as con:
            _one_snapshot_each(con, snapshots)
            _in_the_bucket_once(con, object_store, s3_bucket, snapshots)
        assert not (settings.var_dir / "lake").exists() or not any(
            p.is_file() for p in (settings.var_dir / "lake").rglob("*")
        ), "the lake wrote files to the local disk, not only to the bucket"
    finally:
        sessions.kw["bind"].dispose()
        get_settings.cache_clear()


def _published_once(sessions: sessionmaker[Session], extracts: dict[str, Path]) -> dict[str, int]:
    """Each dataset has one batch, published from its extract, and one ``batch.published``
    audit event naming it; the batch's snapshot id by dataset code."""
    snapshots: dict[str, int] = {}
    with sessions() as session:
        for code, extract in extracts.items():
            dataset = session.scalars(select(Dataset).where(Dataset.code == code)).one()
            batch = session.scalars(select(Batch).where(Batch.dataset_id == dataset.id)).one()
            assert batch.status is BatchStatus.PUBLISHED, (code, batch.status)
            assert batch.source_name == extract.name
            assert batch.rows_published == ROWS
            assert batch.snapshot_id is not None
            assert dataset.current_snapshot_id == batch.snapshot_id
            assert not extract.exists()
            assert (extract.parent / "done" / extract.name).is_file()
            events = session.scalars(
                select(AuditEvent.detail).where(
                    AuditEvent.action == "batch.published", AuditEvent.dataset_id == dataset.id
                )
            ).all()
            assert [(e["batch_id"], e["snapshot_id"]) for e in events] == [
                (batch.id, batch.snapshot_id)
            ], (code, events)
            snapshots[code] = batch.snapshot_id
    return snapshots


def _one_snapshot_each(con: duckdb.DuckDBPyConnection, snapshots: dict[str, int]) -> None:
    """The lake has exactly one snapshot that published each dataset: the catalog's."""
    published: dict[str, list[int]] = {code: [] for code in snapshots}
    for snapshot_id, extra in con.execute(
        f"SELECT snapshot_id, commit_extra_info FROM {LAKE}.snapshots() "
        "WHERE commit_extra_info IS NOT NULL ORDER BY snapshot_id"
    ).fetchall():
        code = json.loads(extra).get("dataset")
        if code in published:
            published[code].append(int(snapshot_id))
    assert published == {code: [snapshot] for code, snapshot in snapshots.items()}, published


def _in_the_bucket_once(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    bucket: str,
    snapshots: dict[str, int],
) -> None:
    """Each dataset's rows are in Parquet files in the bucket, once: read from the files
    themselves (not through the lake), every extract row appears one time."""
    keys = store.keys(bucket, "lake/")
    assert keys and all(k.endswith(".parquet") for k in keys), keys
    for code in snapshots:
        files = [k for k in keys if k.startswith(f"lake/main/{code}/")]
        assert files, (code, keys)
        urls = ", ".join(f"'{quote_literal(f's3://{bucket}/{k}')}'" for k in files)
        rows, distinct = con.execute(
            f"SELECT count(*), count(DISTINCT _batch_id) FROM read_parquet([{urls}])"
        ).fetchone() or (None, None)
        assert (rows, distinct) == (ROWS, 1), (code, files, rows, distinct)
        lake = con.execute(f"SELECT count(*) FROM {LAKE}.{quote_ident(code)}").fetchone()
        assert lake == (ROWS,), (code, lake)


def _trigger_and_wait(
    components: Components, server: PostgresServer, database: str
) -> dict[str, str]:
    """Wait for both DAGs to be parsed, trigger them together, wait for both runs to
    end; the run ids by DAG id. Fails with the components' logs on a failed run or a timeout."""
    deadline = time.monotonic() + TIMEOUT
    with _metadata(server, database) as meta:
        while True:
            components.check_alive()
            found = meta.execute(
                "SELECT count(*) FROM serialized_dag WHERE dag_id = ANY(%s)", [list(DAG_IDS)]
            ).fetchone()
            if found == (len(DAG_IDS),):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"the DAGs were never parsed\n{components.tails()}")
            time.sleep(0.5)

        triggers = [
            subprocess.Popen(
                [str(AIRFLOW), "dags", "trigger", dag_id, "--run-id", f"parallel_{dag_id}"],
                env=components.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for dag_id in DAG_IDS
        ]
        for trigger in triggers:
            out, _ = trigger.communicate(timeout=120)
            assert trigger.returncode == 0, out.decode(errors="replace")[-3000:]
        runs = {dag_id: f"parallel_{dag_id}" for dag_id in DAG_IDS}

        while True:
            components.check_alive()
            states = {
                str(dag_id): str(state)
                for dag_id, state in meta.execute(
                    "SELECT dag_id, state FROM dag_run WHERE run_id = ANY(%s)",
                    [list(runs.values())],
                ).fetchall()
            }
            if any(state == "failed" for state in states.values()):
                pytest.fail(f"a run failed: {states}\n{components.tails()}")
            if states == dict.fromkeys(DAG_IDS, "success"):
                return runs
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the runs did not finish in {TIMEOUT:.0f} s: {states}\n{components.tails()}"
                )
            time.sleep(1)
