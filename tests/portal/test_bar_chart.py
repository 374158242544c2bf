"""The usage charts' geometry: bars proportional to their values, labels that never crowd."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from exchange_api.portal.bar_chart import MAX_LABELS, bar_list, column_chart

values = st.lists(st.integers(min_value=0, max_value=10**9), min_size=0, max_size=400)


@given(values)
def test_columns_are_proportional_and_inside_the_plot(numbers: list[int]) -> None:
    chart = column_chart([(str(i), f"d{i}", n) for i, n in enumerate(numbers)])
    assert len(chart.bars) == len(numbers)
    assert len(chart.x_ticks) <= MAX_LABELS
    plot = chart.bottom - chart.top
    for bar in chart.bars:
        assert chart.left - 0.1 <= bar.x and bar.x + bar.width <= chart.right + 0.1
        assert abs(bar.y + bar.height - chart.bottom) <= 0.11
        assert abs(bar.height - plot * bar.value / chart.maximum) <= 0.06
    assert chart.maximum >= max(numbers, default=0)


def test_bar_list_is_largest_first_and_bounded() -> None:
    items = [(f"D{i}", f"部门{i}", i * 10) for i in range(20)]
    chart = bar_list(items, limit=5)
    assert [b.key for b in chart.bars] == ["D19", "D18", "D17", "D16", "D15"]
    assert chart.bars[0].width > chart.bars[-1].width > 0
    empty = bar_list([])
    assert empty.bars == () and empty.height > 0
