"""OpenLineage events of the lakehouse's acts, built from what the catalog records.

- an **ingestion run** of one batch: ``START`` when the file is landed, ``COMPLETE`` when the
  batch is published, ``FAIL`` when it was rejected (its quality, or malformed: no output was
  written) or its publish broke (``lakehouse.lineage_ingest`` emits them) — input:
  the landed file (namespace ``file://HOST``, name its raw-zone path, version its SHA-256);
  output: the lake table (namespace ``ducklake://zhongtai``, version the snapshot id) with the
  facets ``schema``, ``ownership``, ``dataQualityAssertions`` (one assertion a rule, failed when
  any row failed it), ``outputStatistics``, ``columnLineage`` (source column → standardised
  field, and what the normalisation did) and ``documentation``;
- a **delivery** to a department (a read page, a bulk extract, a subscription file): input the
  lake table at the snapshot read, output that department's delivery (namespace
  ``zhongtai-delivery://DEPARTMENT``), with the columns sent and which were masked.

The run id of an ingestion is derived from the batch (``uuid5``), so its ``START`` and its end
name the same run in any process. Names never carry a personal value: only codes, paths, ids.
"""

from __future__ import annotations

import datetime as dt
import socket
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openlineage.client.event_v2 import (
    InputDataset,
    Job,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
)
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    data_quality_assertions_dataset,
    dataset_version_dataset,
    documentation_dataset,
    error_message_run,
    job_type_job,
    output_statistics_output_dataset,
    ownership_dataset,
    schema_dataset,
)

from catalog.lineage import PRODUCER
from schemas.loader import DataElement, DatasetContract, FieldSpec

__all__ = [
    "DELIVERY_NAMESPACE",
    "JOB_NAMESPACE",
    "LAKE_NAMESPACE",
    "Delivery",
    "IngestRun",
    "delivery_event",
    "file_namespace",
    "ingest_event",
    "ingest_run_id",
]

JOB_NAMESPACE = "zhongtai"
LAKE_NAMESPACE = "ducklake://zhongtai"
DELIVERY_NAMESPACE = "zhongtai-delivery://"
_RUN_IDS = uuid.UUID("6f1c3c1e-8d4a-5b9e-9f0e-7a1d2c3b4a50")
_NORMALISED = (
    "trimmed; full-width letters, digits and punctuation made half-width; the contract's type "
    "and data-element normalisation applied"
)


def file_namespace() -> str:
    """``file://HOST``: where a landed file lives (OpenLineage's naming for local files)."""
    return f"file://{socket.gethostname()}"


def ingest_run_id(dataset_code: str, batch_id: int) -> str:
    return str(uuid.uuid5(_RUN_IDS, f"ingest:{dataset_code}:{batch_id}"))


@dataclass(frozen=True, slots=True)
class IngestRun:
    """What the catalog knows of one batch when an event is made."""

    batch_id: int
    raw_path: str
    source_sha256: str
    source_name: str
    size_bytes: int
    snapshot_id: int | None = None
    rows_published: int | None = None
    rows_quarantined: int | None = None
    rule_counts: Mapping[str, int] | None = None


def _time(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _job(name: str, job_type: str) -> Job:
    kind = job_type_job.JobTypeJobFacet(
        processingType="BATCH", integration="ZHONGTAI", jobType=job_type, producer=PRODUCER
    )
    return Job(namespace=JOB_NAMESPACE, name=name, facets={"jobType": kind})


def _schema(fields: Sequence[FieldSpec]) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[
            schema_dataset.SchemaDatasetFacetFields(
                name=f.name, type=f.duckdb_type, description=f.title_zh
            )
            for f in fields
        ],
        producer=PRODUCER,
    )


def _column_lineage(
    contract: DatasetContract, source: tuple[str, str]
) -> column_lineage_dataset.ColumnLineageDatasetFacet:
    namespace, name = source
    return column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            f.name: column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(
                        namespace=namespace,
                        name=name,
                        field=f.source_column,
                        transformations=[
                            column_lineage_dataset.Transformation(
                                type="DIRECT",
                                subtype="TRANSFORMATION",
                                description=_NORMALISED
                                + (f" (data element {f.element})" if f.element else ""),
                                masking=False,
                            )
                        ],
                    )
                ]
            )
            for f in contract.fields
        },
        producer=PRODUCER,
    )


def _assertions(
    contract: DatasetContract,
    counts: Mapping[str, int],
    elements: dict[str, DataElement] | None = None,
) -> data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet:
    # Here, not at the top: ``quality``'s package imports the validation stack (seconds), which
    # a run that only lands or publishes should not pay for.
    from quality.dataset_rules import contract_rules

    return data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
        assertions=[
            data_quality_assertions_dataset.Assertion(
                assertion=rule.code,
                success=int(counts.get(rule.code, 0)) == 0,
                column=rule.field,
            )
            for rule in contract_rules(contract, elements)
        ],
        producer=PRODUCER,
    )


def _table(table_name: str, facets: dict[str, Any], version: int | None) -> dict[str, Any]:
    """The lake table's identity (and its snapshot as the version facet, when known)."""
    if version is not None:
        facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(
            datasetVersion=str(version), producer=PRODUCER
        )
    return {"namespace": LAKE_NAMESPACE, "name": f"lake.main.{table_name}"}


def ingest_event(
    state: RunState,
    contract: DatasetContract,
    run: IngestRun,
    *,
    now: dt.datetime,
    error: str = "",
    elements: dict[str, DataElement] | None = None,
) -> RunEvent:
    """The ``state`` event (START, COMPLETE or FAIL) of ``run``'s ingestion; ``elements``: the
    catalog's data elements its rules are compiled from (default: the shipped files)."""
    source = (file_namespace(), run.raw_path)
    landed = InputDataset(
        namespace=source[0],
        name=source[1],
        facets={
            "version": dataset_version_dataset.DatasetVersionDatasetFacet(
                datasetVersion=run.source_sha256, producer=PRODUCER
            ),
            "documentation": documentation_dataset.DocumentationDatasetFacet(
                description=f"{run.source_name} as received ({run.size_bytes} bytes, SHA-256 "
                f"{run.source_sha256})",
                producer=PRODUCER,
            ),
        },
    )
    facets: dict[str, Any] = {
        "schema": _schema(contract.fields),
        "ownership": ownership_dataset.OwnershipDatasetFacet(
            owners=[
                ownership_dataset.Owner(name=f"department:{contract.owner_department}"),
                ownership_dataset.Owner(name=f"steward:{contract.steward}", type="STEWARD"),
            ],
            producer=PRODUCER,
        ),
        "documentation": documentation_dataset.DocumentationDatasetFacet(
            description=f"{contract.title_zh} — {contract.description}".strip(" —"),
            producer=PRODUCER,
        ),
        "columnLineage": _column_lineage(contract, source),
    }
    if run.rule_counts is not None:
        facets["dataQualityAssertions"] = _assertions(contract, run.rule_counts, elements)
    table = _table(contract.table_name, facets, run.snapshot_id)
    output_facets: dict[str, Any] = {}
    if run.rows_published is not None:
        output_facets["outputStatistics"] = (
            output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=run.rows_published, producer=PRODUCER
            )
        )
    run_facets: dict[str, Any] = {}
    if error:
        run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=error[:2000], programmingLanguage="PYTHON", producer=PRODUCER
        )
    return RunEvent(
        eventType=state,
        eventTime=_time(now),
        run=Run(runId=ingest_run_id(contract.code, run.batch_id), facets=run_facets),
        job=_job(f"ingest.{contract.code}", "INGEST"),
        inputs=[landed],
        outputs=[OutputDataset(**table, facets=facets, outputFacets=output_facets)],
        producer=PRODUCER,
    )


@dataclass(frozen=True, slots=True)
class Delivery:
    """One audited delivery: what the audit event of the read records."""

    audit_event_id: int
    mode: str
    dataset_code: str
    table_name: str
    department_code: str
    grant_id: int | None
    snapshot_id: int | None
    columns: tuple[str, ...]
    masked_columns: tuple[str, ...]
    rows: int | None
    size: int | None


def delivery_event(delivery: Delivery, *, now: dt.datetime) -> RunEvent:
    """A COMPLETE event for a delivery: the lake table at its snapshot in, the department's
    delivery out, each column sent traced to its lake field (masking marked)."""
    facets: dict[str, Any] = {}
    table = _table(delivery.table_name, facets, delivery.snapshot_id)
    grant = f"grant-{delivery.grant_id}" if delivery.grant_id is not None else "owner"
    masked = set(delivery.masked_columns)
    lineage = column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            column: column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(
                        namespace=table["namespace"],
                        name=table["name"],
                        field=column,
                        transformations=[
                            column_lineage_dataset.Transformation(
                                type="DIRECT",
                                subtype="TRANSFORMATION" if column in masked else "IDENTITY",
                                description="masked as the grant says" if column in masked else "",
                                masking=column in masked,
                            )
                        ],
                    )
                ]
            )
            for column in delivery.columns
        },
        producer=PRODUCER,
    )
    output_facets: dict[str, Any] = {}
    if delivery.rows is not None:
        output_facets["outputStatistics"] = (
            output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=delivery.rows, size=delivery.size, producer=PRODUCER
            )
        )
    output = OutputDataset(
        namespace=f"{DELIVERY_NAMESPACE}{delivery.department_code}",
        name=f"{delivery.dataset_code}/{grant}/event-{delivery.audit_event_id}",
        facets={"columnLineage": lineage},
        outputFacets=output_facets,
    )
    return RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=_time(now),
        run=Run(runId=str(uuid.uuid5(_RUN_IDS, f"delivery:{delivery.audit_event_id}"))),
        job=_job(f"exchange.{delivery.mode}.{delivery.dataset_code}", "DELIVERY"),
        inputs=[InputDataset(**table, facets=facets)],
        outputs=[output],
        producer=PRODUCER,
    )
