"""``zhongtai exchange changes`` and ``zhongtai exchange snapshots``: the ``changes`` mode for
scripts, through the same decision, cursor checks, quota and audit as the API
(``exchange_api.changes_path``), acting as the account whose token is in ``ZHONGTAI_TOKEN``.

``changes DATASET --since S [--until N]`` follows the ``next`` cursor until the last page (or
``--limit`` changes in all), printing the changes as JSON lines with ``--json``, or a table.
"""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console

from exchange_api.cli_exchange_group import exchange_app

__all__: list[str] = []

console = Console()


def _row(change: dict[str, Any]) -> str:
    values = ", ".join(f"{k}={v}" for k, v in change["row"].items())
    return f"{change['snapshot_id']}\t{change['change']}\t{change['row_ref'][:12]}\t{values}"


@exchange_app.command("changes")
def changes(
    dataset: str,
    since: int = typer.Option(..., "--since", help="Changes after this published snapshot."),
    until: int | None = typer.Option(None, "--until", help="Up to this snapshot (default now)."),
    field: list[str] = typer.Option([], "--field", help="A field to show (repeat)."),
    grant_id: int | None = typer.Option(None, "--grant", help="The grant to read through."),
    page: int = typer.Option(1000, "--page", min=1, max=10_000, help="Changes per request."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Stop after this many."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per change."),
) -> None:
    """Rows added, changed or removed after snapshot --since (audited, charged to the quota)."""
    from catalog.db import make_engine, make_sessionmaker
    from catalog.guard import keeping_refusals
    from catalog.models import AccessMode
    from catalog.policy import ReadRequest
    from catalog.settings import get_settings
    from exchange_api.changes_path import read_changes_shared
    from exchange_api.cli_accounts import acting_principal
    from lakehouse.connection import connect

    settings = get_settings()
    factory = make_sessionmaker(make_engine(settings.resolved_catalog_url))
    sent = 0
    cursor: str | None = None
    with factory() as session, keeping_refusals(session), connect(settings) as con:
        principal = acting_principal(session)
        while True:
            size = page if limit is None else min(page, limit - sent)
            request = ReadRequest(fields=tuple(field) or None, limit=size, mode=AccessMode.CHANGES)
            delivery = read_changes_shared(
                session,
                lambda: con,
                principal,
                settings,
                dataset,
                request,
                from_snapshot=since,
                to_snapshot=until,
                grant_id=grant_id,
                cursor=cursor,
            )
            body = json.loads(delivery.body)
            for change in body["changes"]:
                if as_json:
                    typer.echo(json.dumps(change, ensure_ascii=False))
                else:
                    console.print(_row(change), markup=False, highlight=False)
            sent += body["row_count"]
            cursor = body["next"]
            until = body["to_snapshot"]
            if cursor is None or (limit is not None and sent >= limit):
                break


@exchange_app.command("snapshots")
def snapshots(
    dataset: str,
    grant_id: int | None = typer.Option(None, "--grant", help="The grant to ask through."),
) -> None:
    """The dataset's published snapshots (id, published time, rows), oldest first, as JSON."""
    from catalog.db import make_engine, make_sessionmaker
    from catalog.guard import keeping_refusals
    from catalog.settings import get_settings
    from exchange_api.changes_path import list_snapshots
    from exchange_api.cli_accounts import acting_principal

    settings = get_settings()
    factory = make_sessionmaker(make_engine(settings.resolved_catalog_url))
    with factory() as session, keeping_refusals(session):
        principal = acting_principal(session)
        views = list_snapshots(session, principal, dataset, grant_id=grant_id)
        listed = [
            {
                "snapshot_id": v.snapshot.snapshot_id,
                "published_at": v.snapshot.published_at,
                "row_count": v.row_count,
                "current": v.current,
            }
            for v in views
        ]
    typer.echo(json.dumps(listed, ensure_ascii=False, default=str))
