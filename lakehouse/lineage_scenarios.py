"""The OpenLineage run of a scenario's joined delivery (应用场景), written beside its
``scenario.read`` audit event in the same transaction (``catalog.lineage.record_lineage``).

One COMPLETE event: every member's lake table at the snapshot read as an input, the requesting
department's delivery (``zhongtai-delivery://DEPARTMENT``, name ``scenario-ID/event-N``) as the
output, each column sent traced to its member's field (masking marked). Built from what the audit
event recorded, never from a value.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    dataset_version_dataset,
    job_type_job,
    output_statistics_output_dataset,
)
from sqlalchemy.orm import Session

from catalog.lineage import PRODUCER, record_lineage
from catalog.models import AuditEvent, Dataset, LineageEvent
from catalog.scenario_tables import ScenarioRequest
from lakehouse.lineage_runs import DELIVERY_NAMESPACE, JOB_NAMESPACE, LAKE_NAMESPACE

__all__ = ["record_scenario_delivery", "scenario_event"]

_RUN_IDS = uuid.UUID("1d0b6a52-3f7e-5c11-a0f4-5b2e8c9d7a61")


def _input(dataset: Dataset) -> InputDataset:
    facets: dict[str, Any] = {}
    if dataset.current_snapshot_id is not None:
        facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(
            datasetVersion=str(dataset.current_snapshot_id), producer=PRODUCER
        )
    return InputDataset(namespace=LAKE_NAMESPACE, name=f"lake.main.{dataset.code}", facets=facets)


def scenario_event(
    scenario: ScenarioRequest, event: AuditEvent, datasets: Sequence[Dataset]
) -> RunEvent:
    detail = dict(event.detail or {})
    masked = set(detail.get("masked_columns") or ())
    fields: dict[str, column_lineage_dataset.Fields] = {}
    for column in detail.get("columns") or ():
        code, _, name = str(column).partition(".")
        source = name if name != "matched" else scenario.join_field
        fields[str(column)] = column_lineage_dataset.Fields(
            inputFields=[
                column_lineage_dataset.InputField(
                    namespace=LAKE_NAMESPACE,
                    name=f"lake.main.{code}",
                    field=source,
                    transformations=[
                        column_lineage_dataset.Transformation(
                            type="INDIRECT" if name == "matched" else "DIRECT",
                            subtype="JOIN"
                            if name == "matched"
                            else ("TRANSFORMATION" if column in masked else "IDENTITY"),
                            description="joined on the scenario's keyed hash"
                            if name == "matched"
                            else ("masked as the grant says" if column in masked else ""),
                            masking=column in masked,
                        )
                    ],
                )
            ]
        )
    output = OutputDataset(
        namespace=f"{DELIVERY_NAMESPACE}{scenario.requester.code}",
        name=f"scenario-{scenario.id}/event-{event.id}",
        facets={
            "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(
                fields=fields, producer=PRODUCER
            )
        },
        outputFacets={
            "outputStatistics": output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=event.rows_sent or 0, size=event.bytes_sent, producer=PRODUCER
            )
        },
    )
    kind = job_type_job.JobTypeJobFacet(
        processingType="BATCH", integration="ZHONGTAI", jobType="DELIVERY", producer=PRODUCER
    )
    return RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=event.occurred_at.isoformat().replace("+00:00", "Z"),
        run=Run(runId=str(uuid.uuid5(_RUN_IDS, f"scenario:{scenario.id}:{event.id}"))),
        job=Job(
            namespace=JOB_NAMESPACE,
            name=f"exchange.scenario.{scenario.id}",
            facets={"jobType": kind},
        ),
        inputs=[_input(d) for d in datasets],
        outputs=[output],
        producer=PRODUCER,
    )


def record_scenario_delivery(
    session: Session, scenario: ScenarioRequest, event: AuditEvent, datasets: Sequence[Dataset]
) -> LineageEvent:
    """The lineage run of the joined delivery ``event`` records, in the caller's transaction."""
    return record_lineage(session, scenario_event(scenario, event, datasets))
