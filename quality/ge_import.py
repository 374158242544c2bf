"""Import Great Expectations without paying for the parts of it the platform never uses.

Importing ``great_expectations`` imports ``scipy.stats`` (for a handful of distributional
expectations: KL divergence, KS tests) and ``altair`` (for notebook charts) at module level —
about a third of its import time — although no contract here uses either. :func:`install` puts
a meta-path finder in front of the others that loads exactly those two modules through
:class:`importlib.util.LazyLoader`: the module object exists at once, and its code runs on the
first attribute access. So nothing breaks if Great Expectations ever does use them; it only
pays then. Everything else imports as usual.

Every module of ours that uses Great Expectations imports it, and the GE names it needs, from
this one (``from quality.ge_import import gx, …``), so the finder is in place first whatever the
import order.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

__all__ = [
    "LAZY_MODULES",
    "DataContextConfig",
    "ExpectColumnSumToBeBetween",
    "ExpectColumnValuesToNotBeNull",
    "ExpectTableRowCountToBeBetween",
    "InMemoryStoreBackendDefaults",
    "LazyFinder",
    "ProgressBarsConfig",
    "UnexpectedRowsExpectation",
    "gx",
    "install",
]

LAZY_MODULES = frozenset({"scipy.stats", "altair"})
"""Imported by Great Expectations at start-up, used by none of our expectations."""


class LazyFinder(importlib.abc.MetaPathFinder):
    """Finds :data:`LAZY_MODULES` through the other finders and wraps their loaders lazily."""

    def __init__(self, names: frozenset[str] = LAZY_MODULES) -> None:
        self.names = names

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.names:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = importlib.util.LazyLoader(spec.loader)
                return spec
        return None


def install() -> None:
    """Put the lazy finder first on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, LazyFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, LazyFinder())


install()

# After the finder, on purpose.
import great_expectations as gx  # noqa: E402
from great_expectations.data_context.types.base import (  # noqa: E402
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.expectations.core.expect_column_sum_to_be_between import (  # noqa: E402
    ExpectColumnSumToBeBetween,
)
from great_expectations.expectations.core.expect_column_values_to_not_be_null import (  # noqa: E402
    ExpectColumnValuesToNotBeNull,
)
from great_expectations.expectations.core.expect_table_row_count_to_be_between import (  # noqa: E402
    ExpectTableRowCountToBeBetween,
)
from great_expectations.expectations.core.unexpected_rows_expectation import (  # noqa: E402
    UnexpectedRowsExpectation,
)
