"""The HTTP shapes of lineage answers (``exchange_api.routes.lineage``), built from the library's
frozen values (``catalog.lineage_query``, ``lakehouse.lineage_origin``)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from catalog.lineage_edges import node_kind
from catalog.lineage_query import Graph, Recipient
from lakehouse.lineage_origin import Origin

__all__ = [
    "EdgeOut",
    "GraphOut",
    "NodeOut",
    "OriginOut",
    "RecipientOut",
    "SourceRowOut",
    "graph_out",
    "origin_out",
    "recipient_out",
]


class NodeOut(BaseModel):
    key: str
    kind: str


class EdgeOut(BaseModel):
    source: str
    target: str
    source_field: str
    target_field: str
    run_id: str
    event_time: dt.datetime
    snapshot_id: int | None
    batch_id: int | None
    department: str
    depth: int


class GraphOut(BaseModel):
    root: str
    field: str
    direction: str
    depth: int
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    truncated: bool


class RecipientOut(BaseModel):
    department: str
    delivery: str
    dataset: str
    received_at: dt.datetime
    snapshot_id: int | None
    batch_id: int | None


class SourceRowOut(BaseModel):
    batch_id: int
    row: int
    published_snapshot: int | None
    publish_run: str
    standardise_run: str
    sha256: str
    source_name: str
    raw_path: str
    file_intact: bool


class OriginOut(BaseModel):
    delivery: str
    audit_event_id: int
    department: str
    received_at: dt.datetime
    table: str
    snapshot_id: int
    key: dict[str, str]
    rows: list[SourceRowOut]


def graph_out(graph: Graph) -> GraphOut:
    return GraphOut(
        root=graph.root,
        field=graph.field,
        direction=graph.direction,
        depth=graph.depth,
        nodes=[NodeOut(key=n, kind=node_kind(n)) for n in graph.nodes],
        edges=[EdgeOut.model_validate(e, from_attributes=True) for e in graph.edges],
        truncated=graph.truncated,
    )


def recipient_out(recipient: Recipient) -> RecipientOut:
    return RecipientOut.model_validate(recipient, from_attributes=True)


def origin_out(found: Origin) -> OriginOut:
    return OriginOut(
        delivery=found.delivery,
        audit_event_id=found.audit_event_id,
        department=found.department,
        received_at=found.received_at,
        table=found.table,
        snapshot_id=found.snapshot_id,
        key=dict(found.key),
        rows=[SourceRowOut.model_validate(r, from_attributes=True) for r in found.rows],
    )
