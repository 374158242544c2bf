"""Questions an auditor asks of the lineage graph (``lineage_edges``, ``catalog.lineage_edges``).

- :func:`traverse` — upstream (``up``) or downstream (``down``) of a node, or of one column of
  it, to depth N (default 5): breadth-first, one indexed query a level, at most ``limit`` edges;
- :func:`recipients` — which departments received data derived from a landed file (its
  SHA-256) between two dates: the file's batches, the snapshots they published, and every
  delivery from that table that read such a snapshot or a later one in the window;
- :func:`parse_node` — a node key from what a person types (a dataset code is its lake table).

Access is decided before these run (``catalog.lineage_access``); ``within`` keeps a department
steward's traversal inside its own datasets. Nothing here reads a value of shared data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import Session

from catalog.errors import InvalidInput, NotFound
from catalog.lineage_edges import dataset_node, node_kind
from catalog.models import LineageEdge
from catalog.usage_window import day_start

__all__ = [
    "DEFAULT_DEPTH",
    "MAX_DEPTH",
    "MAX_EDGES",
    "Direction",
    "Graph",
    "GraphEdge",
    "Recipient",
    "check_depth",
    "node_exists",
    "parse_node",
    "recipients",
    "traverse",
]

DEFAULT_DEPTH = 5
MAX_DEPTH = 10
MAX_EDGES = 500
Direction = Literal["up", "down"]

_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_NODE = re.compile(
    r"^(file:[0-9a-f]{64}|batch:[0-9]{1,18}|delivery:[A-Za-z0-9_-]{1,32}/[0-9]{1,18}"
    r"|dataset:[a-z][a-z0-9+.-]*://[^\s]{1,360})$"
)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class GraphEdge:
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


@dataclass(frozen=True, slots=True)
class Graph:
    root: str
    field: str
    direction: Direction
    depth: int
    nodes: tuple[str, ...]
    edges: tuple[GraphEdge, ...]
    truncated: bool


@dataclass(frozen=True, slots=True)
class Recipient:
    department: str
    delivery: str
    dataset: str
    received_at: dt.datetime
    snapshot_id: int | None
    batch_id: int | None


def parse_node(text: str) -> str:
    """The node key ``text`` names: a key as stored, or a dataset code (its lake table)."""
    text = text.strip()
    if _CODE.match(text):
        return dataset_node(text)
    if text.startswith("file:"):
        text = text.lower()
    if not _NODE.match(text):
        raise InvalidInput(
            "a lineage node is file:<sha256>, batch:<id>, delivery:<department>/<id>, "
            "dataset:<namespace>/<name> or a dataset code",
            code="lineage.bad_node",
        )
    return text


def check_depth(depth: int) -> int:
    if not 1 <= depth <= MAX_DEPTH:
        raise InvalidInput(f"depth must be 1 to {MAX_DEPTH}", code="lineage.bad_depth")
    return depth


def node_exists(session: Session, key: str) -> bool:
    """Is ``key`` an end of any edge? (Two indexed lookups.)"""
    found = session.scalar(select(LineageEdge.id).where(LineageEdge.source == key).limit(1))
    if found is None:
        found = session.scalar(select(LineageEdge.id).where(LineageEdge.target == key).limit(1))
    return found is not None


def _edge(row: Row[Any] | LineageEdge, depth: int) -> GraphEdge:
    return GraphEdge(
        row.source,
        row.target,
        row.source_field,
        row.target_field,
        row.run_id,
        row.event_time,
        row.snapshot_id,
        row.batch_id,
        row.department,
        depth,
    )


def _level(
    session: Session, frontier: Sequence[tuple[str, str]], direction: Direction, limit: int
) -> list[Row[Any]]:
    """The edges one step from ``frontier`` ((node, field) pairs): one indexed query, read as
    plain rows (no ORM objects: a level may hold hundreds)."""
    near, near_field = (
        (LineageEdge.target, LineageEdge.target_field)
        if direction == "up"
        else (LineageEdge.source, LineageEdge.source_field)
    )
    nodes = sorted({node for node, _ in frontier})
    fields = sorted({field for _, field in frontier})
    query = select(*LineageEdge.__table__.c).where(near.in_(nodes), near_field.in_(fields))
    if fields == [""]:
        far_field = LineageEdge.source_field if direction == "up" else LineageEdge.target_field
        query = query.where(far_field == "")
    wanted = set(frontier)
    rows = sorted(session.execute(query.limit(limit + 1)).all(), key=lambda r: int(r.id))
    return [r for r in rows if (getattr(r, near.key), getattr(r, near_field.key)) in wanted]


def traverse(
    session: Session,
    root: str,
    *,
    direction: Direction,
    depth: int = DEFAULT_DEPTH,
    field: str = "",
    limit: int = MAX_EDGES,
    within: Callable[[str], bool] | None = None,
) -> Graph:
    """The graph ``depth`` steps up or down from ``root`` (``field``: one of its columns).

    Raises ``lineage.bad_depth`` (422) and ``lineage.unknown_node`` (404)."""
    check_depth(depth)
    if not node_exists(session, root):
        raise NotFound(f"no lineage of {root}", code="lineage.unknown_node")
    seen: dict[tuple[str, str, str, str], GraphEdge] = {}
    visited = {(root, field)}
    frontier = [(root, field)]
    truncated = False
    for level in range(1, depth + 1):
        if not frontier:
            break
        rows = _level(session, frontier, direction, limit - len(seen))
        frontier = []
        for row in rows:
            ident = (row.source, row.source_field, row.target, row.target_field)
            far = (
                (row.source, row.source_field)
                if direction == "up"
                else (row.target, row.target_field)
            )
            if within is not None and not within(far[0]):
                continue
            if len(seen) >= limit:
                truncated = True
                break
            seen.setdefault(ident, _edge(row, level))
            if far not in visited:
                visited.add(far)
                frontier.append(far)
    nodes = dict.fromkeys([root, *(n for e in seen.values() for n in (e.source, e.target))])
    return Graph(root, field, direction, depth, tuple(nodes), tuple(seen.values()), truncated)


def _window(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    if end < start:
        raise InvalidInput("the window ends before it starts", code="lineage.bad_window")
    return day_start(start), day_start(end + dt.timedelta(days=1))


def _published(session: Session, file_node: str) -> list[tuple[str, int, int | None]]:
    """(lake table, snapshot published, batch) of each publish of the file's rows."""
    first = session.scalars(
        select(LineageEdge).where(LineageEdge.source == file_node, LineageEdge.source_field == "")
    ).all()
    out = [(e.target, e.snapshot_id, e.batch_id) for e in first if node_kind(e.target) == "dataset"]
    batches = [e.target for e in first if node_kind(e.target) == "batch"]
    if batches:
        second = session.scalars(
            select(LineageEdge).where(
                LineageEdge.source.in_(batches), LineageEdge.source_field == ""
            )
        ).all()
        out += [(e.target, e.snapshot_id, e.batch_id) for e in second]
    return [(table, snap, batch) for table, snap, batch in out if snap is not None]


def recipients(
    session: Session, sha256: str, start: dt.date, end: dt.date, *, limit: int = 10_000
) -> list[Recipient]:
    """Every delivery, ``start`` to ``end`` (inclusive China Standard Time days), of a snapshot
    holding the rows of the landed file ``sha256``: the department, what it received, when."""
    if not _SHA256.match(sha256):
        raise InvalidInput("a SHA-256 is 64 hex digits", code="lineage.bad_sha256")
    begin, until = _window(start, end)
    node = f"file:{sha256}"
    if not node_exists(session, node):
        raise NotFound(f"no lineage of {node}", code="lineage.unknown_node")
    found: dict[str, Recipient] = {}
    for table, snapshot, batch in _published(session, node):
        rows = session.scalars(
            select(LineageEdge)
            .where(
                LineageEdge.source == table,
                LineageEdge.event_time >= begin,
                LineageEdge.event_time < until,
                LineageEdge.source_field == "",
                LineageEdge.target.like("delivery:%"),
                or_(LineageEdge.snapshot_id.is_(None), LineageEdge.snapshot_id >= snapshot),
            )
            .order_by(LineageEdge.event_time)
            .limit(limit)
        ).all()
        for e in rows:
            found.setdefault(
                e.target,
                Recipient(e.department, e.target, table, e.event_time, e.snapshot_id, batch),
            )
    return sorted(found.values(), key=lambda r: (r.received_at, r.delivery))
