"""The trend chart's geometry: bars and score dots inside the plot, axes scaled, current marked."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from exchange_api.portal.chart import nice_ceiling, trend_chart


def _point(batch_id: int, quarantined: int, score: float) -> dict[str, object]:
    return {"batch_id": batch_id, "rows_quarantined": quarantined, "score": score}


def test_three_batches() -> None:
    chart = trend_chart(
        [_point(1, 6, 98.0), _point(2, 0, 100.0), _point(3, 12, 96.0)], current_batch_id=3
    )
    assert [b.value for b in chart.bars] == [6, 0, 12]
    assert [t.label for t in chart.x_ticks] == ["#1", "#2", "#3"]
    assert [t.label for t in chart.score_ticks] == ["0", "25", "50", "75", "100"]
    assert [t.label for t in chart.count_ticks] == ["0", "10", "20"]
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.value == 12 and tallest.current
    assert chart.bars[1].height == 0
    # the score line rises from batch 1 to batch 2 (SVG y grows downward)
    assert chart.dots[1].y < chart.dots[0].y
    assert chart.dots[1].y == chart.top
    assert len(chart.polyline.split()) == 3


def test_empty_trend_has_axes_and_no_marks() -> None:
    chart = trend_chart([])
    assert chart.bars == () and chart.dots == () and chart.polyline == ""
    assert [t.label for t in chart.count_ticks] == ["0", "1"]


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_nice_ceiling_covers_and_is_nice(value: float) -> None:
    ceiling = nice_ceiling(value)
    assert ceiling >= value and ceiling >= 1
    assert str(ceiling).rstrip("0") in {"1", "2", "5"}


@given(st.lists(st.tuples(st.integers(0, 10_000), st.floats(0, 100, allow_nan=False)), max_size=12))
def test_every_mark_is_inside_the_plot(values: list[tuple[int, float]]) -> None:
    chart = trend_chart([_point(i + 1, q, s) for i, (q, s) in enumerate(values)])
    for bar in chart.bars:
        assert chart.left <= bar.x and bar.x + bar.width <= chart.right + 0.1
        assert chart.top - 0.1 <= bar.y and bar.y + bar.height <= chart.bottom + 0.1
    for dot in chart.dots:
        assert chart.top - 0.1 <= dot.y <= chart.bottom + 0.1
