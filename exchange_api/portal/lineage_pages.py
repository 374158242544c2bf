"""The lineage page (数据血缘): a node's graph drawn as server-rendered SVG — landed files,
batches, lake tables and deliveries to departments — with the edges listed beneath.

- ``GET /portal/lineage?node=&direction=up|down&depth=`` — ``node`` is a dataset code or a node
  key (``file:<sha256>``, ``batch:<id>``, ``delivery:<department>/<id>``); without one, the first
  dataset the visitor may follow. ``lineage.view`` decides (``catalog.lineage_access``): auditors
  and admins see the whole graph, a steward its own department's datasets; anyone else gets the
  portal's refusal page (403 ``lineage.not_allowed``, recorded). The page reads, never writes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from catalog import actions as act
from catalog.datasets import list_datasets
from catalog.errors import InvalidInput, NotFound
from catalog.lineage_access import lineage_graph
from catalog.lineage_edges import dataset_node
from catalog.lineage_query import DEFAULT_DEPTH, MAX_DEPTH, Direction, Graph
from catalog.models import Department
from catalog.policy_lineage import LineageTerms
from catalog.usage_tables import local_time
from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.identify import now_of
from exchange_api.portal.forms import LangQuery, page_errors
from exchange_api.portal.frame import allowed, portal_page
from exchange_api.portal.i18n import DEFAULT_LANG, Lang, translator
from exchange_api.portal.lineage_svg import draw, node_label
from exchange_api.portal.pages import PortalPrincipal

__all__ = ["router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)


def _labels(session: SessionDep, lang: Lang) -> dict[str, str]:
    t = translator(lang)
    names = {d.code: d.name for d in session.scalars(select(Department))}
    for d in list_datasets(session):
        names[d.code] = d.title_zh if lang == "zh" else d.title_en
    names |= {f"kind.{k}": t(f"lineage.kind_{k}") for k in ("file", "batch", "delivery")}
    return names


def _depth(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= MAX_DEPTH:
        raise InvalidInput(f"depth must be 1 to {MAX_DEPTH}", code="lineage.bad_depth")
    return int(text)


def _rows(graph: Graph, labels: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "depth": e.depth,
            "source": e.source,
            "target": e.target,
            "source_label": node_label(e.source, labels)[0],
            "target_label": node_label(e.target, labels)[0],
            "fields": f"{e.source_field} → {e.target_field}" if e.source_field else "",
            "snapshot": e.snapshot_id,
            "time": local_time(e.event_time),
            "run": e.run_id,
        }
        for e in graph.edges
    ]


@router.get("/lineage", response_class=HTMLResponse)
def lineage_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    node: Annotated[str, Query(max_length=400)] = "",
    direction: Annotated[str, Query(max_length=8)] = "up",
    depth: Annotated[str, Query(max_length=4)] = str(DEFAULT_DEPTH),
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """The graph of ``node``, up or down, drawn; the edges listed."""
    now = now_of(request)
    labels = _labels(session, lang)
    own = [
        d.code
        for d in list_datasets(session)
        if allowed(
            principal,
            act.LINEAGE_VIEW,
            LineageTerms(dataset_node(d.code), frozenset({d.owner_department_id})),
            now,
        )
    ]
    start = node.strip() or (own[0] if own else "")
    way: Direction = "down" if direction == "down" else "up"
    graph: Graph | None = None
    with page_errors(session, lang):
        steps = _depth(depth)
        if not start:
            raise NotFound("no dataset whose lineage you may follow", code="lineage.unknown_node")
        try:
            graph = lineage_graph(session, principal, start, direction=way, depth=steps)
        except NotFound:
            if node.strip():
                raise
    return portal_page(
        request,
        session,
        settings,
        principal,
        "lineage.html",
        lang,
        current="lineage",
        now=now,
        form={"node": start, "direction": way, "depth": steps},
        datasets=[{"code": c, "title": labels.get(c, c)} for c in own],
        graph=graph,
        drawing=draw(graph, labels) if graph is not None else None,
        edges=_rows(graph, labels) if graph is not None else [],
    )
