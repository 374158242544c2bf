"""The trend chart's geometry: a pure function from trend points to SVG coordinates.

The template ``_trend_chart.html`` draws it as inline SVG (no script, no external assets):
quarantined rows as bars against the right axis, the score as a line against the left axis
(0-100), one x label per batch. Numbers are rounded to one decimal so the markup is stable.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Bar", "Dot", "Tick", "TrendChart", "nice_ceiling", "trend_chart"]


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    current: bool


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    value: float
    current: bool


@dataclass(frozen=True, slots=True)
class TrendChart:
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    bars: tuple[Bar, ...]
    dots: tuple[Dot, ...]
    x_ticks: tuple[Tick, ...]
    score_ticks: tuple[Tick, ...]
    count_ticks: tuple[Tick, ...]

    @property
    def polyline(self) -> str:
        return " ".join(f"{d.x},{d.y}" for d in self.dots)


def nice_ceiling(value: float) -> int:
    """The smallest of 1, 2, 5 × 10^k at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return int(step * power)
    return int(10 * power)  # unreachable: 10 × power always covers value


def trend_chart(
    points: Sequence[Mapping[str, Any]],
    *,
    current_batch_id: int | None = None,
    width: int = 760,
    height: int = 300,
) -> TrendChart:
    """Geometry for ``points`` (``quality.reports.trend`` items, oldest first)."""
    left, top, right, bottom = 56.0, 36.0, width - 64.0, height - 48.0
    plot_w, plot_h = right - left, bottom - top
    count_max = nice_ceiling(max((int(p["rows_quarantined"]) for p in points), default=0))
    slot = plot_w / max(len(points), 1)
    bar_w = round(min(slot * 0.5, 40.0), 1)

    bars, dots, x_ticks = [], [], []
    for i, point in enumerate(points):
        centre = left + slot * (i + 0.5)
        current = point["batch_id"] == current_batch_id
        count = int(point["rows_quarantined"])
        bar_h = plot_h * count / count_max
        bars.append(
            Bar(
                round(centre - bar_w / 2, 1),
                round(bottom - bar_h, 1),
                bar_w,
                round(bar_h, 1),
                count,
                current,
            )
        )
        score = float(point["score"])
        dots.append(Dot(round(centre, 1), round(bottom - plot_h * score / 100, 1), score, current))
        x_ticks.append(Tick(round(centre, 1), f"#{point['batch_id']}"))

    score_ticks = tuple(
        Tick(round(bottom - plot_h * s / 100, 1), str(s)) for s in (0, 25, 50, 75, 100)
    )
    count_ticks = tuple(
        Tick(round(bottom - plot_h * c / count_max, 1), str(c))
        for c in sorted({0, count_max // 2, count_max})
        if c == 0 or c == count_max or count_max % 2 == 0
    )
    return TrendChart(
        width,
        height,
        left,
        top,
        right,
        bottom,
        tuple(bars),
        tuple(dots),
        tuple(x_ticks),
        score_ticks,
        count_ticks,
    )
