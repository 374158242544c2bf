"""``zhongtai lineage up|down|recipients|origin|rebuild``: the lineage graph from a terminal.

Each acts as the account whose token is in ``ZHONGTAI_TOKEN`` (or is asked for, unechoed) and
calls the library the API and the portal call (``catalog.lineage_access``,
``lakehouse.lineage_origin``) through the same decision, ``lineage.view``: a refusal is audited
and exits 2 with its code, as does bad input (``lineage.bad_depth`` …). ``--json`` prints what
the API answers. ``rebuild`` derives the edges of events stored before the graph existed (the
migration does it once; an operator may run it again — it only adds what is missing).
"""

from __future__ import annotations

import json
from typing import Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from catalog.settings import get_settings
from exchange_api.cli_accounts import acting_session

__all__ = ["lineage_app"]

lineage_app = typer.Typer(
    help="Lineage: what a dataset came from, who received it, where a delivered value came from.",
    no_args_is_help=True,
)
console = Console()

_DEPTH = typer.Option(5, "--depth", help="Steps to follow, 1 to 10.")
_FIELD = typer.Option("", "--field", help="Follow one column of the node instead.")
_JSON = typer.Option(False, "--json", help="Print JSON, as the API answers.")


def _print_json(model: BaseModel | list[Any]) -> None:
    data: Any = (
        [m.model_dump(mode="json") for m in model]
        if isinstance(model, list)
        else model.model_dump(mode="json")
    )
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _graph(node: str, direction: str, depth: int, field: str, as_json: bool) -> None:
    from catalog.lineage_access import lineage_graph
    from exchange_api.lineage_payloads import graph_out

    with acting_session() as (session, principal):
        graph = lineage_graph(
            session,
            principal,
            node,
            direction="up" if direction == "up" else "down",
            depth=depth,
            field=field,
        )
    if as_json:
        _print_json(graph_out(graph))
        return
    table = Table(title=f"{graph.root} ({'upstream' if direction == 'up' else 'downstream'})")
    for header in ("depth", "from", "to", "snapshot", "batch", "run", "time"):
        table.add_column(header, overflow="fold")
    for e in graph.edges:
        source = f"{e.source}#{e.source_field}" if e.source_field else e.source
        target = f"{e.target}#{e.target_field}" if e.target_field else e.target
        table.add_row(
            str(e.depth), source, target, str(e.snapshot_id or ""), str(e.batch_id or ""),
            e.run_id, e.event_time.isoformat(timespec="seconds"),
        )  # fmt: skip
    console.print(table)
    if graph.truncated:
        console.print("[yellow]truncated: more edges than one answer holds[/yellow]")


@lineage_app.command("up")
def lineage_up(
    node: str = typer.Argument(
        ...,
        help="file:<sha256>, batch:<id>, delivery:<dept>/<id>, "
        "dataset:<ns>/<name> or a dataset code",
    ),  # fmt: skip
    depth: int = _DEPTH,
    field: str = _FIELD,
    as_json: bool = _JSON,
) -> None:
    """What NODE came from, DEPTH steps up."""
    _graph(node, "up", depth, field, as_json)


@lineage_app.command("down")
def lineage_down(
    node: str = typer.Argument(..., help="As for up."),
    depth: int = _DEPTH,
    field: str = _FIELD,
    as_json: bool = _JSON,
) -> None:
    """What was made of NODE, and who received it, DEPTH steps down."""
    _graph(node, "down", depth, field, as_json)


@lineage_app.command("recipients")
def lineage_recipients(
    sha256: str = typer.Argument(..., help="The landed file's SHA-256."),
    date_from: str = typer.Option(..., "--from", help="First day, YYYY-MM-DD (CST)."),
    date_to: str = typer.Option(..., "--to", help="Last day, YYYY-MM-DD (inclusive)."),
    as_json: bool = _JSON,
) -> None:
    """The departments that received data derived from a landed file between two days."""
    from catalog.lineage_access import file_recipients
    from catalog.usage_window import parse_day
    from exchange_api.lineage_payloads import recipient_out

    start, end = parse_day(date_from, "from"), parse_day(date_to, "to")
    assert start is not None and end is not None  # both required
    with acting_session() as (session, principal):
        found = [recipient_out(r) for r in file_recipients(session, principal, sha256, start, end)]
    if as_json:
        _print_json(found)
        return
    table = Table(title=f"file:{sha256}")
    for header in ("department", "delivery", "received", "snapshot", "batch"):
        table.add_column(header)
    for r in found:
        table.add_row(
            r.department, r.delivery, r.received_at.isoformat(timespec="seconds"),
            str(r.snapshot_id or ""), str(r.batch_id or ""),
        )  # fmt: skip
    console.print(table)


@lineage_app.command("origin")
def lineage_origin(
    event_id: int = typer.Argument(..., help="The delivery's audit event id."),
    key: list[str] = typer.Option(..., "--key", help="field=value of the row; repeat."),
    as_json: bool = _JSON,
) -> None:
    """Where a delivered row came from: its batch, the landed file's SHA-256 and row."""
    from exchange_api.lineage_payloads import origin_out
    from lakehouse.lineage_origin import delivered_origin, parse_key

    with acting_session() as (session, principal):
        found = origin_out(
            delivered_origin(get_settings(), session, principal, event_id, parse_key(key))
        )
    if as_json:
        _print_json(found)
        return
    console.print(f"{found.delivery} ← {found.table} @ snapshot {found.snapshot_id}")
    for r in found.rows:
        kept = "intact" if r.file_intact else "[red]missing or changed[/red]"
        console.print(
            f"  batch {r.batch_id} (publish run {r.publish_run}) ← {r.source_name} "
            f"row {r.row}, SHA-256 {r.sha256} ({kept})"
        )


@lineage_app.command("rebuild")
def lineage_rebuild() -> None:
    """Derive the graph's edges of stored events that have none (admins)."""
    from catalog import actions as act
    from catalog.guard import ensure
    from catalog.lineage_edges import backfill
    from catalog.resources import PLATFORM

    with acting_session() as (session, principal):
        ensure(session, principal, act.LINEAGE_REBUILD, PLATFORM)
        written = backfill(session.connection())
        session.commit()
    console.print(f"{written} edges written")
