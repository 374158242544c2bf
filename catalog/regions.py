"""Region-derived row filters (数据回流): a dataset returned to lower levels shows each
department only the rows of its own administrative division.

A contract may name a ``region_field`` (a field of the ``admin_division`` element, a GB/T 2260
code). When a department whose division does not contain the owner's asks for such a dataset —
a county department reading a provincial dataset — its request and grant carry the condition
``region_field prefix <its division>`` (:func:`region_bound`): ``33`` for a province, ``3301`` for
a city, ``330102`` for a county. The condition is added when the request is filed (so the
requester sees it), derived again when the grant is issued (so an owner may narrow it, never drop
it), and a request or read that names rows outside it is refused, not silently emptied
(``request.outside_region``, ``grant.outside_row_filter``). A department whose division contains
the owner's (the province reading a county's dataset, or the owner's own level) gets no bound.
"""

from __future__ import annotations

from catalog.conditions import Condition, Op, within

__all__ = ["confined", "division_prefix", "division_contains", "region_bound"]


def division_prefix(code: str) -> str:
    """The prefix every code inside ``code``'s division starts with (GB/T 2260 levels): two
    digits for a province (``330000``), four for a city (``330100``), all six for a county."""
    if len(code) != 6 or not code.isdigit():
        raise ValueError(f"{code!r} is not a six-digit GB/T 2260 code")
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def division_contains(outer: str, inner: str) -> bool:
    """Whether division ``outer`` contains (or is) division ``inner``."""
    return inner.startswith(division_prefix(outer))


def region_bound(
    region_field: str | None, owner_region: str, grantee_region: str
) -> Condition | None:
    """The row condition a grant to ``grantee_region`` must carry, or None when it needs none."""
    if not region_field or division_contains(grantee_region, owner_region):
        return None
    return Condition(region_field, Op.PREFIX, division_prefix(grantee_region))


def confined(row_filter: tuple[Condition, ...], bound: Condition) -> bool:
    """Whether ``row_filter`` keeps rows inside ``bound`` (it holds ``bound`` or a condition on
    the same field that is narrower)."""
    return any(within(bound, c) for c in row_filter)
