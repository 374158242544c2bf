"""Bar charts of the usage page: pure geometry, drawn by ``_bar_chart.html`` as inline SVG.

The portal's Content-Security-Policy allows no inline style and no script, so a bar's size is an
SVG attribute computed here, never a ``style="width: …"``. Two shapes:

- :func:`column_chart` — one column per period, left to right, with the value axis on the left
  (rows sent per day, week or month); at most :data:`MAX_LABELS` period labels are written, the
  others are left out so they never overlap;
- :func:`bar_list` — one horizontal bar per department or dataset, largest first, its name on
  the left and its value at the bar's end.

Numbers are rounded to one decimal so the markup is stable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from exchange_api.portal.chart import Tick, nice_ceiling

__all__ = ["MAX_LABELS", "BarChart", "Column", "bar_list", "column_chart"]

MAX_LABELS = 12


@dataclass(frozen=True, slots=True)
class Column:
    """One bar: where it is drawn, its value and what it stands for."""

    x: float
    y: float
    width: float
    height: float
    value: int
    label: str
    key: str
    text_x: float = 0.0
    text_y: float = 0.0


@dataclass(frozen=True, slots=True)
class BarChart:
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    bars: tuple[Column, ...]
    x_ticks: tuple[Tick, ...]
    value_ticks: tuple[Tick, ...]
    horizontal: bool
    maximum: int


def _r(value: float) -> float:
    return round(value, 1)


def column_chart(
    points: Sequence[tuple[str, str, int]], *, width: int = 760, height: int = 260
) -> BarChart:
    """Columns for ``points`` — (key, label, value) — in order."""
    left, top, right, bottom = 64.0, 20.0, width - 16.0, height - 40.0
    plot_w, plot_h = right - left, bottom - top
    top_value = nice_ceiling(max((p[2] for p in points), default=0))
    slot = plot_w / max(len(points), 1)
    bar_w = _r(max(min(slot * 0.7, 48.0), 1.0))
    stride = max(1, math.ceil(len(points) / MAX_LABELS))
    bars, ticks = [], []
    for i, (key, label, value) in enumerate(points):
        centre = left + slot * (i + 0.5)
        bar_h = plot_h * value / top_value
        bars.append(
            Column(_r(centre - bar_w / 2), _r(bottom - bar_h), bar_w, _r(bar_h), value, label, key)
        )
        if i % stride == 0:
            ticks.append(Tick(_r(centre), label))
    values = tuple(Tick(_r(bottom - plot_h * v / top_value), f"{v:,}") for v in _steps(top_value))
    return BarChart(
        width, height, left, top, right, bottom, tuple(bars), tuple(ticks), values, False, top_value
    )


def bar_list(
    items: Sequence[tuple[str, str, int]], *, width: int = 760, row: int = 26, limit: int = 15
) -> BarChart:
    """Horizontal bars for ``items`` — (key, label, value) — largest first, at most ``limit``."""
    shown = sorted(items, key=lambda i: (-i[2], i[0]))[:limit]
    left, top, right = 260.0, 8.0, width - 90.0
    height = int(top * 2 + row * max(len(shown), 1))
    top_value = nice_ceiling(max((i[2] for i in shown), default=0))
    bars = []
    for i, (key, label, value) in enumerate(shown):
        y = top + row * i
        length = (right - left) * value / top_value
        bars.append(
            Column(
                left,
                _r(y + 4),
                _r(length),
                row - 8.0,
                value,
                label,
                key,
                text_x=_r(left + length + 6),
                text_y=_r(y + row / 2 + 4),
            )
        )
    return BarChart(
        width, height, left, top, right, float(height - top), tuple(bars), (), (), True, top_value
    )


def _steps(top_value: int) -> list[int]:
    if top_value % 4 == 0:
        return [top_value * k // 4 for k in range(5)]
    return sorted({0, top_value // 2, top_value} if top_value % 2 == 0 else {0, top_value})
