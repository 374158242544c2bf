"""The lineage graph's edges, derived from each stored OpenLineage event (``lineage_edges``).

A ``COMPLETE`` event says data moved from its inputs to its outputs; its edges are written in
the event's own transaction (:func:`write_edges`, called by ``catalog.lineage.record_lineage``).
``START`` and ``FAIL`` events move nothing and have none. Node keys:

- ``file:<sha256>`` — a landed file (a ``file://`` input whose version facet is its SHA-256);
- ``batch:<id>`` — the batch that standardised and published that file (an ingestion's run is
  drawn as file → batch → lake table; the batch is found in the catalog by dataset and SHA-256);
- ``delivery:<department>/<audit event id>`` — what a department received
  (``zhongtai-delivery://<department>`` outputs);
- ``dataset:<namespace>/<name>`` — anything else, e.g. ``dataset:ducklake://zhongtai/lake.main.x``.

Column-level edges come from the ``columnLineage`` facet (source field → output field). The
snapshot id (an output's version facet, else a numeric input version: the snapshot a delivery
read), the batch id and the receiving department are kept on each edge for the queries.
:func:`backfill` derives the edges of events stored before there were edges (migration 0009,
``zhongtai lineage rebuild``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, text

from catalog.models import LineageEdge, LineageEvent

__all__ = [
    "DELIVERY_NAMESPACE",
    "LAKE_NAMESPACE",
    "Edge",
    "backfill",
    "batch_lookup",
    "dataset_node",
    "edges_of",
    "node_kind",
    "write_edges",
]

DELIVERY_NAMESPACE = "zhongtai-delivery://"
LAKE_NAMESPACE = "ducklake://zhongtai"
_FILE_NAMESPACE = "file://"

BatchLookup = Callable[[str, str, int | None], int | None]
"""(dataset code, source SHA-256, snapshot id or None) → the batch id, or None."""


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    source_field: str = ""
    target_field: str = ""
    snapshot_id: int | None = None
    batch_id: int | None = None
    department: str = ""


def dataset_node(code: str) -> str:
    """The node of a dataset's lake table."""
    return f"dataset:{LAKE_NAMESPACE}/lake.main.{code}"


def node_kind(key: str) -> str:
    """``file``, ``batch``, ``dataset`` or ``delivery``."""
    return key.split(":", 1)[0]


def _version(dataset: dict[str, Any]) -> str | None:
    version = (dataset.get("facets") or {}).get("version") or {}
    value = version.get("datasetVersion")
    return str(value) if value not in (None, "") else None


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _node(dataset: dict[str, Any]) -> tuple[str, str]:
    """(node key, department code or '') of an input or output dataset."""
    namespace, name = str(dataset["namespace"]), str(dataset["name"])
    version = _version(dataset)
    if namespace.startswith(_FILE_NAMESPACE) and version is not None:
        return f"file:{version}", ""
    if namespace.startswith(DELIVERY_NAMESPACE):
        department = namespace.removeprefix(DELIVERY_NAMESPACE)
        return f"delivery:{department}/{name.rsplit('event-', 1)[-1]}", department
    return f"dataset:{namespace}/{name}", ""


def _column_edges(
    output: dict[str, Any], target: str, keys: dict[tuple[str, str], str], **kept: Any
) -> Iterator[Edge]:
    lineage = (output.get("facets") or {}).get("columnLineage") or {}
    for field, spec in (lineage.get("fields") or {}).items():
        for source in spec.get("inputFields") or []:
            key = keys.get((str(source.get("namespace")), str(source.get("name"))))
            if key is not None:
                yield Edge(key, target, str(source.get("field", "")), str(field), **kept)


def edges_of(payload: dict[str, Any], batch_of: BatchLookup) -> list[Edge]:
    """The edges ``payload`` (an OpenLineage run event as stored) stands for."""
    if payload.get("eventType") != "COMPLETE":
        return []
    inputs = payload.get("inputs") or []
    keys = {(str(d["namespace"]), str(d["name"])): _node(d)[0] for d in inputs}
    job = str((payload.get("job") or {}).get("name", ""))
    read = next((_int(_version(d)) for d in inputs if _int(_version(d)) is not None), None)
    edges: list[Edge] = []
    for output in payload.get("outputs") or []:
        target, department = _node(output)
        snapshot = _int(_version(output))
        snapshot = snapshot if snapshot is not None else read
        batch: int | None = None
        for source in dict.fromkeys(keys.values()):
            if job.startswith("ingest.") and node_kind(source) == "file":
                batch = batch_of(job.removeprefix("ingest."), source[5:], snapshot)
            if batch is not None:
                edges.append(Edge(source, f"batch:{batch}", batch_id=batch))
                if snapshot is not None:
                    edges.append(
                        Edge(f"batch:{batch}", target, snapshot_id=snapshot, batch_id=batch)
                    )
            elif snapshot is not None or node_kind(target) == "delivery":
                edges.append(Edge(source, target, snapshot_id=snapshot, department=department))
        if snapshot is not None or node_kind(target) == "delivery":
            kept = {"snapshot_id": snapshot, "batch_id": batch, "department": department}
            edges.extend(_column_edges(output, target, keys, **kept))
    return edges


def batch_lookup(connection: Connection) -> BatchLookup:
    """Find an ingestion's batch in the catalog: the dataset's batch of those bytes (the one
    that published ``snapshot`` when several did, else the newest)."""

    def lookup(code: str, sha256: str, snapshot: int | None) -> int | None:
        rows = connection.execute(
            text(
                "SELECT b.id, b.snapshot_id FROM batches b JOIN datasets d ON d.id = b.dataset_id"
                " WHERE d.code = :code AND b.source_sha256 = :sha ORDER BY b.id DESC"
            ),
            {"code": code, "sha": sha256},
        ).all()
        exact = [int(r[0]) for r in rows if snapshot is not None and r[1] == snapshot]
        return exact[0] if exact else (int(rows[0][0]) if rows else None)

    return lookup


def _rows(event_id: int, run_id: str, at: dt.datetime, edges: list[Edge]) -> list[dict[str, Any]]:
    return [{**asdict(e), "event_id": event_id, "run_id": run_id, "event_time": at} for e in edges]


def write_edges(connection: Connection, event: LineageEvent) -> int:
    """Insert the edges of the stored ``event`` (in the caller's transaction)."""
    edges = edges_of(event.payload, batch_lookup(connection))
    if edges:
        rows = _rows(event.id, event.run_id, event.event_time, edges)
        connection.execute(insert(LineageEdge), rows)
    return len(edges)


def backfill(connection: Connection) -> int:
    """Derive the edges of every stored event that has none yet; the number of edges written."""
    events = LineageEvent.__table__
    has_edges = select(LineageEdge.event_id).where(LineageEdge.event_id == events.c.id).exists()
    lookup = batch_lookup(connection)
    written = 0
    query = select(events.c.id, events.c.run_id, events.c.event_time, events.c.payload)
    for row in connection.execute(query.where(~has_edges).order_by(events.c.id)).all():
        edges = edges_of(row.payload, lookup)
        if edges:
            connection.execute(
                insert(LineageEdge), _rows(row.id, row.run_id, row.event_time, edges)
            )
            written += len(edges)
    return written
