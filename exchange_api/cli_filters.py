"""``--filter`` options of the ``zhongtai`` commands: one row condition per option, written as the
API takes it, ``{"field": …, "op": …, "value": …}`` (``catalog.conditions``)."""

from __future__ import annotations

import json

from catalog.conditions import Condition
from catalog.errors import InvalidInput

__all__ = ["FILTER_HELP", "conditions_of"]

FILTER_HELP = 'A row condition as JSON: {"field": …, "op": …, "value": …} (repeat).'


def conditions_of(filters: list[str]) -> tuple[Condition, ...]:
    """The ``--filter`` values as conditions; a malformed one is ``filter.invalid``."""
    try:
        return tuple(Condition.from_json(json.loads(f)) for f in filters)
    except json.JSONDecodeError:
        raise InvalidInput("--filter must be a JSON object", code="filter.invalid") from None
