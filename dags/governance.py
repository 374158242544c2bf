"""The platform's own duties as DAGs, each task one call of a ``lakehouse.duties`` function.

- ``governance_hourly``: sign the audit chain's head (``zhongtai audit checkpoint``) and refresh
  the ingestion DAGs' manifest from the catalog (a dataset registered since gets its DAG).
- ``governance_daily``: the daily duties: escalate replies past their deadline, record grants
  past their expiry (stopping their subscriptions), and refresh the manifest too. Responsibility-
  list fulfilment and scorecards join it when their library functions land; quota reset waits
  for quotas with a period (they are lifetime totals today).
- ``deliver_subscriptions``: scheduled on every dataset's Asset — when any dataset publishes, the
  due snapshots go to its subscribers (``lakehouse.subscriptions.deliver_pending``, each delivery
  decided and audited as ever).

Parsing reads the same manifest as ``dags/ingest.py``: no database or network call.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from airflow.sdk import AssetAny, CronTriggerTimetable, dag, task

from catalog.settings import get_settings
from dags.assets import TIMEZONE, dag_entries, dataset_asset

START = pendulum.datetime(2026, 1, 1, tz=TIMEZONE)
DUTY_ARGS: dict[str, Any] = {
    "retries": 2,
    "retry_delay": dt.timedelta(minutes=1),
    "retry_exponential_backoff": True,
}


@dag(
    dag_id="governance_hourly",
    description="Audit checkpoint signing; the ingestion DAGs' manifest",
    schedule=CronTriggerTimetable("5 * * * *", timezone=TIMEZONE),
    start_date=START,
    catchup=False,
    max_active_runs=1,
    tags=["zhongtai", "governance"],
    default_args=DUTY_ARGS,
)
def governance_hourly() -> None:
    @task
    def sign_audit_checkpoint() -> dict[str, Any]:
        from lakehouse import duties

        return duties.sign_audit_checkpoint(get_settings())

    @task
    def refresh_dag_manifest() -> dict[str, Any]:
        from lakehouse import duties

        return duties.refresh_dag_manifest(get_settings())

    sign_audit_checkpoint()
    refresh_dag_manifest()


@dag(
    dag_id="governance_daily",
    description="The platform's daily duties",
    schedule=CronTriggerTimetable("30 1 * * *", timezone=TIMEZONE),
    start_date=START,
    catchup=False,
    max_active_runs=1,
    tags=["zhongtai", "governance"],
    default_args=DUTY_ARGS,
)
def governance_daily() -> None:
    @task
    def refresh_dag_manifest() -> dict[str, Any]:
        from lakehouse import duties

        return duties.refresh_dag_manifest(get_settings())

    @task
    def escalate_overdue_replies() -> dict[str, Any]:
        from lakehouse import duties

        return duties.escalate_overdue_replies(get_settings())

    @task
    def expire_lapsed_grants() -> dict[str, Any]:
        from lakehouse import duties

        return duties.expire_lapsed_grants(get_settings())

    refresh_dag_manifest()
    escalate_overdue_replies()
    expire_lapsed_grants()


@dag(
    dag_id="deliver_subscriptions",
    description="Deliver what a publish made due to the dataset's subscribers",
    schedule=AssetAny(*(dataset_asset(e.code) for e in dag_entries())),
    start_date=START,
    catchup=False,
    max_active_runs=1,
    tags=["zhongtai", "governance", "subscriptions"],
    default_args=DUTY_ARGS,
)
def deliver_subscriptions() -> None:
    @task
    def deliver() -> dict[str, Any]:
        from lakehouse import duties

        return duties.deliver_subscriptions(get_settings())

    deliver()


governance_hourly()
governance_daily()
deliver_subscriptions()
