"""The OpenLineage run of a report pre-fill (智能报表), written beside its ``report.prefilled``
audit event in the same transaction (``catalog.lineage.record_lineage``).

One COMPLETE event: every source dataset's lake table, at the snapshot read (taken from the audit
record's ``sources``, ``dataset@snapshot#grant``), as an input; the office's report
(``zhongtai-delivery://DEPARTMENT``, name ``report-TEMPLATE-MONTH/event-N``) as the output. Built
from what the audit event recorded, never from a value.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import dataset_version_dataset, job_type_job
from sqlalchemy.orm import Session

from catalog.lineage import PRODUCER, record_lineage
from catalog.models import AuditEvent, LineageEvent
from lakehouse.lineage_runs import DELIVERY_NAMESPACE, JOB_NAMESPACE, LAKE_NAMESPACE

__all__ = ["record_report_lineage", "report_event"]

_RUN_IDS = uuid.UUID("4b7e2d90-61c3-5f8a-9d2e-3c5a7b1e0f42")


def _inputs(labels: Sequence[str]) -> list[InputDataset]:
    inputs: dict[str, InputDataset] = {}
    for label in labels:
        dataset, _, rest = label.partition("@")
        snapshot = rest.partition("#")[0]
        version = dataset_version_dataset.DatasetVersionDatasetFacet(
            datasetVersion=snapshot, producer=PRODUCER
        )
        inputs.setdefault(
            f"{dataset}@{snapshot}",
            InputDataset(
                namespace=LAKE_NAMESPACE,
                name=f"lake.main.{dataset}",
                facets={"version": version},
            ),
        )
    return list(inputs.values())


def report_event(event: AuditEvent, department: str) -> RunEvent:
    detail = dict(event.detail or {})
    template, month = str(detail.get("template", "")), str(detail.get("month", ""))
    kind = job_type_job.JobTypeJobFacet(
        processingType="BATCH", integration="ZHONGTAI", jobType="REPORT", producer=PRODUCER
    )
    return RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=event.occurred_at.isoformat().replace("+00:00", "Z"),
        run=Run(runId=str(uuid.uuid5(_RUN_IDS, f"report:{template}:{month}:{event.id}"))),
        job=Job(namespace=JOB_NAMESPACE, name=f"report.{template}", facets={"jobType": kind}),
        inputs=_inputs([str(s) for s in detail.get("sources") or ()]),
        outputs=[
            OutputDataset(
                namespace=f"{DELIVERY_NAMESPACE}{department}",
                name=f"report-{template}-{month}/event-{event.id}",
            )
        ],
        producer=PRODUCER,
    )


def record_report_lineage(session: Session, event: AuditEvent, department: str) -> LineageEvent:
    """The lineage run of the pre-fill ``event`` records, in the caller's transaction."""
    return record_lineage(session, report_event(event, department))
