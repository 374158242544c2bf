"""Ingestion DAGs: one per dataset contract, scheduled by its update cycle.

Thin wiring only: every task calls one ``lakehouse.pipeline`` step with ids and paths, the same
functions the CLI and the tests call. A run takes the file named in its ``source`` parameter, or
else the oldest file waiting in ``var/inbox/<dataset code>/``. Publishing updates the dataset's
Asset, so DAGs that consume it can be scheduled on the data rather than on the clock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import DAG, Asset, Param, dag, task
from airflow.sdk.exceptions import AirflowSkipException

from catalog.settings import get_settings
from lakehouse import pipeline
from schemas import DatasetContract, load_contracts

SCHEDULES: dict[str, str | None] = {
    "realtime": "@hourly",
    "daily": "@daily",
    "weekly": "@weekly",
    "monthly": "@monthly",
    "quarterly": "@quarterly",
    "yearly": "@yearly",
    "irregular": None,
}


def dataset_asset(code: str) -> Asset:
    return Asset(name=f"lake.{code}", uri=f"zhongtai://lake/{code}", group="zhongtai")


def build_ingestion_dag(contract: DatasetContract) -> DAG:
    code = contract.code

    @dag(
        dag_id=f"ingest_{code}",
        description=f"{contract.title_zh} ({contract.title_en}): ingestion",
        schedule=SCHEDULES[contract.update_cycle],
        start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
        catchup=False,
        max_active_runs=1,
        tags=["zhongtai", "ingest", contract.owner_department],
        params={"source": Param("", type="string", description="Path of the extract to ingest")},
        default_args={"retries": 0},
    )
    def ingest() -> None:
        @task
        def land(params: dict[str, Any] | None = None) -> dict[str, Any]:
            settings = get_settings()
            given = (params or {}).get("source") or ""
            source = Path(given) if given else pipeline.next_source(settings, code)
            if source is None:
                raise AirflowSkipException(f"no extract waiting in the inbox of {code}")
            landed = pipeline.land_step(settings, code, source)
            if landed["duplicate"]:  # published before; an unfinished batch resumes instead
                raise AirflowSkipException(
                    f"{source.name} was published before as batch {landed['batch_id']}"
                )
            return landed

        @task
        def standardize(landed: dict[str, Any]) -> dict[str, Any]:
            return pipeline.standardize_step(get_settings(), code, int(landed["batch_id"]))

        @task
        def validate(staged: dict[str, Any]) -> dict[str, Any]:
            if staged["status"] not in ("standardized", "validated"):  # validated: resumed
                raise AirflowSkipException(f"batch {staged['batch_id']} is {staged['status']}")
            return pipeline.validate_step(get_settings(), code, int(staged["batch_id"]))

        @task(outlets=[dataset_asset(code)])
        def publish(checked: dict[str, Any]) -> dict[str, Any]:
            return pipeline.publish_step(
                get_settings(),
                code,
                int(checked["batch_id"]),
                checked["decision"],
                checked["verdict_path"],
            )

        publish(validate(standardize(land())))  # type: ignore[arg-type]  # XComArgs at parse time

    return ingest()


for _contract in load_contracts().values():
    globals()[f"ingest_{_contract.code}"] = build_ingestion_dag(_contract)
