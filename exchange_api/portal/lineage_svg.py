"""The lineage drawing's geometry: a pure function from a traversed graph to boxes and arrows.

Columns are the steps from the root (upstream drawn right to left — what a table came from sits
on its left; downstream left to right), one box a node: landed files, batches, lake tables and
deliveries to departments, each labelled in words (``labels``: a department's or a dataset's
name). The template ``lineage.html`` draws it as inline SVG (no script, no inline style); a
column holds at most :data:`MAX_PER_COLUMN` boxes and says how many more there are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from catalog.lineage_edges import LAKE_NAMESPACE, node_kind
from catalog.lineage_query import Graph

__all__ = ["MAX_PER_COLUMN", "Arrow", "Box", "Drawing", "draw", "node_label"]

MAX_PER_COLUMN = 12
_W, _H, _GAP_X, _GAP_Y, _PAD = 230, 44, 90, 14, 20
_LAKE = f"dataset:{LAKE_NAMESPACE}/lake.main."


@dataclass(frozen=True, slots=True)
class Box:
    key: str
    kind: str
    label: str
    sub: str
    x: float
    y: float
    root: bool


@dataclass(frozen=True, slots=True)
class Arrow:
    source: str
    target: str
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True, slots=True)
class Column:
    x: float
    more: int
    y: float


@dataclass(frozen=True, slots=True)
class Drawing:
    width: int
    height: int
    box_width: int
    box_height: int
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]
    columns: tuple[Column, ...]


def node_label(key: str, labels: Mapping[str, str]) -> tuple[str, str]:
    """(label, second line) of a node, in words where the catalog has them."""
    kind, _, rest = key.partition(":")
    if kind == "file":
        return labels.get("kind.file", "file"), f"SHA-256 {rest[:16]}…"
    if kind == "batch":
        return f"{labels.get('kind.batch', 'batch')} {rest}", ""
    if kind == "delivery":
        department, _, event = rest.partition("/")
        return labels.get(department, department), f"{labels.get('kind.delivery', '')} #{event}"
    if key.startswith(_LAKE):
        code = key.removeprefix(_LAKE)
        return labels.get(code, code), code
    return rest[-40:], ""


def _levels(graph: Graph) -> dict[str, int]:
    level = {graph.root: 0}
    for edge in sorted(graph.edges, key=lambda e: e.depth):
        far = edge.source if graph.direction == "up" else edge.target
        level.setdefault(far, edge.depth)
    return level


def draw(graph: Graph, labels: Mapping[str, str]) -> Drawing:
    """Boxes by column and the arrows between those drawn (``labels``: names by code)."""
    levels = _levels(graph)
    depth = max(levels.values())
    by_column: dict[int, list[str]] = {}
    for key, level in levels.items():
        by_column.setdefault(level, []).append(key)
    boxes: dict[str, Box] = {}
    columns: list[Column] = []
    tallest = 1
    for level in range(depth + 1):
        keys = sorted(by_column.get(level, []))
        column = level if graph.direction == "down" else depth - level
        x = _PAD + column * (_W + _GAP_X)
        shown = keys[:MAX_PER_COLUMN]
        tallest = max(tallest, len(shown) + (1 if len(keys) > len(shown) else 0))
        for row, key in enumerate(shown):
            label, sub = node_label(key, labels)
            y = _PAD + row * (_H + _GAP_Y)
            boxes[key] = Box(key, node_kind(key), label, sub, x, y, key == graph.root)
        more_y = _PAD + len(shown) * (_H + _GAP_Y) + _H / 2
        columns.append(Column(x, len(keys) - len(shown), more_y))
    arrows = []
    for edge in graph.edges:
        if edge.source_field or edge.source not in boxes or edge.target not in boxes:
            continue
        a, b = boxes[edge.source], boxes[edge.target]
        arrows.append(Arrow(a.key, b.key, a.x + _W, a.y + _H / 2, b.x, b.y + _H / 2))
    return Drawing(
        width=int(2 * _PAD + (depth + 1) * _W + depth * _GAP_X),
        height=int(2 * _PAD + tallest * (_H + _GAP_Y)),
        box_width=_W,
        box_height=_H,
        boxes=tuple(boxes.values()),
        arrows=tuple(dict.fromkeys(arrows)),
        columns=tuple(columns),
    )
