"""Who may ask about a lineage node: the departments that own it, found in the catalog, and the
one decision (``lineage.view`` through ``catalog.guard.ensure``, which audits a refusal).

A node belongs to the owner of its dataset: a lake table to the dataset's owner, a batch to its
dataset's, a landed file to the owners of the datasets it was delivered to, a delivery to the
owner of the dataset delivered. :func:`allow_lineage` answers the scope a traversal keeps to:
everything for an auditor, only the steward's own department's nodes for a steward.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog.guard import ensure
from catalog.lineage_edges import LAKE_NAMESPACE
from catalog.lineage_query import (
    DEFAULT_DEPTH,
    Direction,
    Graph,
    Recipient,
    check_depth,
    parse_node,
    recipients,
    traverse,
)
from catalog.models import AuditEvent, Batch, Dataset, utcnow
from catalog.policy import Allowed, authorize
from catalog.policy_lineage import LineageTerms
from catalog.principals import Principal

__all__ = ["WHOLE_GRAPH", "allow_lineage", "file_recipients", "lineage_graph", "owners"]

_LAKE_PREFIX = f"dataset:{LAKE_NAMESPACE}/lake.main."


def owners(session: Session, key: str) -> frozenset[int]:
    """The departments owning the dataset(s) ``key`` belongs to (empty: none known)."""
    kind, _, rest = key.partition(":")
    query = None
    if kind == "dataset" and key.startswith(_LAKE_PREFIX):
        code = key.removeprefix(_LAKE_PREFIX)
        query = select(Dataset.owner_department_id).where(Dataset.code == code)
    elif kind == "batch" and rest.isdigit():
        query = (
            select(Dataset.owner_department_id)
            .join(Batch, Batch.dataset_id == Dataset.id)
            .where(Batch.id == int(rest))
        )
    elif kind == "file":
        query = (
            select(Dataset.owner_department_id)
            .join(Batch, Batch.dataset_id == Dataset.id)
            .where(Batch.source_sha256 == rest)
        )
    elif kind == "delivery" and rest.rpartition("/")[2].isdigit():
        query = (
            select(Dataset.owner_department_id)
            .join(AuditEvent, AuditEvent.dataset_id == Dataset.id)
            .where(AuditEvent.id == int(rest.rpartition("/")[2]))
        )
    if query is None:
        return frozenset()
    return frozenset(session.scalars(query).all())


WHOLE_GRAPH = LineageTerms("*", frozenset())
"""The graph as a whole: owned by no one department."""


def _allowed(actor: Principal, terms: LineageTerms, now: dt.datetime) -> bool:
    return isinstance(authorize(actor, act.LINEAGE_VIEW, terms, now=now), Allowed)


def allow_lineage(
    session: Session, actor: Principal, key: str, *, now: dt.datetime | None = None
) -> Callable[[str], bool] | None:
    """Decide ``lineage.view`` of ``key`` (a refusal is audited and raised); the scope a
    traversal keeps to — ``None`` for the whole graph (auditors, admins)."""
    now = now or utcnow()
    ensure(session, actor, act.LINEAGE_VIEW, LineageTerms(key, owners(session, key)), now=now)
    if _allowed(actor, WHOLE_GRAPH, now):
        return None
    cache: dict[str, bool] = {}

    def within(node: str) -> bool:
        if node not in cache:
            cache[node] = _allowed(actor, LineageTerms(node, owners(session, node)), now)
        return cache[node]

    return within


def lineage_graph(
    session: Session,
    actor: Principal,
    node: str,
    *,
    direction: Direction,
    depth: int = DEFAULT_DEPTH,
    field: str = "",
) -> Graph:
    """``lineage.view`` of ``node`` (a key or a dataset code), then its graph up or down; a
    steward's keeps to its own department's nodes."""
    key = parse_node(node)
    check_depth(depth)
    within = allow_lineage(session, actor, key)
    return traverse(session, key, direction=direction, depth=depth, field=field, within=within)


def file_recipients(
    session: Session, actor: Principal, sha256: str, start: dt.date, end: dt.date
) -> list[Recipient]:
    """``lineage.view`` of the landed file, then the departments that received its rows."""
    key = parse_node(f"file:{sha256.strip().lower()}")
    allow_lineage(session, actor, key)
    return recipients(session, key.removeprefix("file:"), start, end)
