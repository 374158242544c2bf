"""The benchmarks' smoke tests run in ``make test-load`` (with ``make bench``'s own runs), not in
``make test``: each starts a benchmark end to end, a minute and more between them, and none
guards behaviour that the rest of the suite does not."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.load)
