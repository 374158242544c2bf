"""Lineage: where data came from and who received it (``lineage.view``: auditors and admins the
whole graph; a department's steward its own datasets' lineage).

- ``GET /api/v1/lineage/{node}?direction=up|down&depth=&field=`` — the graph up or down from a
  node (``file:<sha256>``, ``batch:<id>``, ``delivery:<department>/<id>``,
  ``dataset:<namespace>/<name>`` or a dataset code), to ``depth`` (1–10, default 5);
- ``GET /api/v1/lineage/files/{sha256}/recipients?from=&to=`` — the departments that received
  data derived from a landed file between two days (China Standard Time, inclusive; default
  the last 30 days);
- ``GET /api/v1/lineage/deliveries/{id}/origin?key=field=value`` — a delivered row (its audit
  event id, ``key`` repeated per field) traced to its batch and the landed file's SHA-256 and
  row.

Codes: 422 ``lineage.bad_node``, ``lineage.bad_depth``, ``lineage.bad_sha256``,
``lineage.bad_window``, ``lineage.bad_key``, ``audit.bad_date``; 404 ``lineage.unknown_node``,
``lineage.unknown_delivery``; 403 ``lineage.not_allowed`` (audited). Reading lineage is not
itself recorded, as reading the audit log is not; a refusal is.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from catalog.lineage_access import file_recipients, lineage_graph
from catalog.lineage_query import DEFAULT_DEPTH
from catalog.models import utcnow
from catalog.usage_window import DEFAULT_DAYS, day_of, parse_day
from exchange_api.deps import CurrentPrincipal, SessionDep, SettingsDep
from exchange_api.lineage_payloads import (
    GraphOut,
    OriginOut,
    RecipientOut,
    graph_out,
    origin_out,
    recipient_out,
)
from exchange_api.openapi import problem_response
from exchange_api.payloads import PathId
from lakehouse.lineage_origin import delivered_origin, parse_key

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/lineage", tags=["lineage"])

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    403: problem_response(403, "Not yours to see (lineage.not_allowed)"),
    404: problem_response(404, "No such node or delivery in the lineage graph"),
}


@router.get(
    "/files/{sha256}/recipients",
    response_model=list[RecipientOut],
    responses=_PROBLEMS,
    summary="Departments that received data derived from a landed file, between two days",
)
def recipients_of_file(
    sha256: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    date_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> list[RecipientOut]:
    end = parse_day(date_to, "to") or day_of(utcnow())
    start = parse_day(date_from, "from") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    found = file_recipients(session, principal, sha256[:80], start, end)
    return [recipient_out(r) for r in found]


@router.get(
    "/deliveries/{event_id}/origin",
    response_model=OriginOut,
    responses=_PROBLEMS,
    summary="Trace a delivered row to its batch and the landed file's SHA-256 and row",
)
def origin_of_delivery(
    event_id: PathId,
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    key: Annotated[list[str], Query(max_length=400)],
) -> OriginOut:
    return origin_out(delivered_origin(settings, session, principal, event_id, parse_key(key[:16])))


@router.get(
    "/{node:path}",
    response_model=GraphOut,
    responses=_PROBLEMS,
    summary="The lineage graph up or down from a node, to a depth",
)
def lineage_of(
    node: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    direction: Literal["up", "down"] = "up",
    depth: int = DEFAULT_DEPTH,
    field: Annotated[str, Query(max_length=120)] = "",
) -> GraphOut:
    graph = lineage_graph(
        session, principal, node[:400], direction=direction, depth=depth, field=field
    )
    return graph_out(graph)
