"""Ingestion DAGs: one per dataset registered in the catalog, scheduled by its update cycle and
by its inbox.

Generated from the manifest ``lakehouse.dag_manifest`` writes from the catalog (one small JSON
file: parsing makes no database or network call), or from the contracts on disk before the
first manifest exists. Each DAG runs on its cycle's cron *or* when its inbox watch (an
``AssetWatcher`` with :class:`dags.inbox_watch.InboxTrigger`, in the triggerer) sees a file.

Thin wiring only: every task calls one library function with ids and paths, the same functions
the CLI and the tests call. A run takes the file named in its ``source`` parameter, or else the
oldest file waiting in ``var/inbox/<dataset code>/``; ``record`` then moves that file out of the
inbox by its batch's outcome (``lakehouse.inbox``). Steps are idempotent for a batch (landing the
same bytes again resumes it), so a task is retried, with backoff, where a retry can help (the
catalog or the lake busy or unreachable) and never where it cannot (a missing or malformed file,
a publish the catalog already marked failed). A task's last failure records an alert on the
dataset (``batch.ingest_failed``). Publishing updates the dataset's Asset, so DAGs that consume
it are scheduled on the data rather than on the clock.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import (
    DAG,
    AssetOrTimeSchedule,
    CronTriggerTimetable,
    Param,
    TriggerRule,
    dag,
    get_current_context,
    task,
)
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from catalog.settings import get_settings
from dags.assets import TIMEZONE, dag_entries, dataset_asset, inbox_asset
from lakehouse.dag_manifest import DagEntry

CRONS: dict[str, str | None] = {
    "realtime": "0 * * * *",
    "daily": "0 2 * * *",
    "weekly": "0 2 * * 1",
    "monthly": "0 2 1 * *",
    "quarterly": "0 2 1 */3 *",
    "yearly": "0 2 1 1 *",
    "irregular": None,
}
"""Each update cycle's cron (after 02:00 Beijing time, when departments' nightly extracts are in);
an irregular dataset runs on its inbox only."""

RETRIES: dict[str, Any] = {
    "retries": 3,
    "retry_delay": dt.timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": dt.timedelta(minutes=10),
}


def _alert_on_failure(code: str) -> Any:
    def alert(context: Any) -> None:
        from lakehouse.ingest_record import alert as record_alert
        from lakehouse.pipeline import sessions

        ti = context["ti"]
        landed = ti.xcom_pull(task_ids="land") if ti.task_id != "land" else None
        record_alert(
            sessions(get_settings()),
            code,
            task=ti.task_id,
            run=ti.run_id,
            error=str(context.get("exception") or "failed"),
            batch_id=int(landed["batch_id"]) if landed else None,
        )

    return alert


def build_ingestion_dag(entry: DagEntry, inbox: Path) -> DAG:
    code = entry.code
    cron = CRONS.get(entry.update_cycle)
    watched = inbox_asset(code, inbox)
    schedule: Any = (
        AssetOrTimeSchedule(timetable=CronTriggerTimetable(cron, timezone=TIMEZONE), assets=watched)
        if cron
        else watched
    )

    @dag(
        dag_id=f"ingest_{code}",
        description=f"{entry.title_zh} ({entry.title_en}): ingestion",
        schedule=schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
        catchup=False,
        max_active_runs=1,
        tags=["zhongtai", "ingest", entry.owner_department],
        params={"source": Param("", type="string", description="Path of the extract to ingest")},
        default_args={**RETRIES, "on_failure_callback": _alert_on_failure(code)},
    )
    def ingest() -> None:
        @task
        def land(params: dict[str, Any] | None = None) -> dict[str, Any]:
            from lakehouse import pipeline
            from lakehouse.errors import SourceNotFound

            settings = get_settings()
            given = (params or {}).get("source") or ""
            source = Path(given) if given else pipeline.next_source(settings, code)
            if source is None:
                raise AirflowSkipException(f"no extract waiting in the inbox of {code}")
            try:
                return pipeline.land_step(settings, code, source)
            except SourceNotFound as exc:  # a retry cannot bring the file back
                raise AirflowFailException(str(exc)) from exc

        @task
        def standardize(landed: dict[str, Any]) -> dict[str, Any]:
            from lakehouse import pipeline

            if landed["duplicate"]:  # published before; an unfinished batch resumes instead
                raise AirflowSkipException(f"{landed['source']} was published before")
            return pipeline.standardize_step(get_settings(), code, int(landed["batch_id"]))

        @task(retries=1)
        def validate(staged: dict[str, Any]) -> dict[str, Any]:
            from lakehouse import pipeline

            if staged["status"] not in ("standardized", "validated"):  # validated: resumed
                raise AirflowSkipException(f"batch {staged['batch_id']} is {staged['status']}")
            return pipeline.validate_step(get_settings(), code, int(staged["batch_id"]))

        @task(outlets=[dataset_asset(code)])
        def publish(checked: dict[str, Any]) -> dict[str, Any]:
            from lakehouse import pipeline
            from lakehouse.errors import PublishError

            try:
                return pipeline.publish_step(
                    get_settings(),
                    code,
                    int(checked["batch_id"]),
                    checked["decision"],
                    checked["verdict_path"],
                )
            except PublishError as exc:  # the batch is marked failed: a retry would skip it
                raise AirflowFailException(exc.message) from exc

        @task(trigger_rule=TriggerRule.ALL_DONE)
        def record() -> dict[str, Any]:
            from lakehouse.ingest_record import finish
            from lakehouse.pipeline import sessions

            landed = get_current_context()["ti"].xcom_pull(task_ids="land")
            settings = get_settings()
            return finish(settings, sessions(settings), code, landed)

        landed = land()
        # A teardown: it runs whatever happened, and the run still fails when a step failed.
        publish(validate(standardize(landed))) >> record().as_teardown()  # type: ignore[arg-type]

    return ingest()


for _entry in dag_entries():
    globals()[f"ingest_{_entry.code}"] = build_ingestion_dag(_entry, get_settings().inbox_dir)
