"""``zhongtai lake reconcile``: bring the lake and the catalog into agreement, and sweep leftovers;
``zhongtai lake snapshots DATASET`` and ``zhongtai lake read DATASET --snapshot N | --at TIME``:
the catalog-bound snapshots of a dataset, and one of them read (``lakehouse.snapshots``).

Exit 0 when every dataset agrees (after what was finished, rolled back or swept), 1 when a
conflict remains for a person to look at or a dataset was busy with a live run (try again), 2 on
a usage or domain error. ``--json`` prints the whole outcome.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict

import typer
from rich.console import Console
from rich.table import Table

from catalog.settings import get_settings

__all__ = ["lake_app"]

console = Console()
err = Console(stderr=True)

lake_app = typer.Typer(
    help="The lake: reconcile it with the catalog, sweep leftovers, read earlier snapshots.",
    no_args_is_help=True,
)


@lake_app.command("reconcile")
def reconcile(
    dataset: list[str] = typer.Option([], "--dataset", help="Only this dataset (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Finish or roll back publications a killed run left between the lake and the catalog
    commits (from DuckLake's snapshots()), and sweep staging, raw-zone and lake leftovers."""
    from lakehouse.lake_agreement import reconcile_lake

    outcome = reconcile_lake(get_settings(), dataset)
    if as_json:
        console.print_json(json.dumps(asdict(outcome), ensure_ascii=False))
    else:
        table = Table(title="lake and catalog")
        for column in ("dataset", "finished", "rolled back", "cleared", "swept", "conflicts"):
            table.add_column(column)
        for r in outcome.results:
            table.add_row(
                r.dataset,
                ", ".join(map(str, r.finished)) or "-",
                ", ".join(map(str, r.rolled_back)) or "-",
                ", ".join(map(str, r.cleared)) or "-",
                str(len(r.swept)),
                "; ".join(r.conflicts) or "-",
            )
        for code in outcome.busy:
            table.add_row(code, "", "", "", "", "busy: a run holds it, not checked")
        console.print(table)
        if outcome.swept:
            console.print(f"swept {len(outcome.swept)} leftover files no dataset owns")
    if not outcome.agreed:
        err.print("[yellow]the lake and the catalog do not fully agree (see above)[/yellow]")
        raise typer.Exit(1)


@lake_app.command("snapshots")
def snapshots(
    dataset: str,
    grant_id: int | None = typer.Option(None, "--grant", help="The grant to ask through."),
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
) -> None:
    """The dataset's snapshots the catalog has bound, oldest first: id, batch, published time,
    rows in the table then (for a caller without a row filter) and publish mode. Acts as the
    account whose token is in ZHONGTAI_TOKEN, through the one access decision."""
    from catalog.db import make_engine, make_sessionmaker
    from catalog.guard import keeping_refusals
    from exchange_api.changes_path import list_snapshots
    from exchange_api.cli_accounts import acting_principal
    from lakehouse.connection import connect
    from lakehouse.snapshots import snapshot_facts

    settings = get_settings()
    engine = make_engine(settings.resolved_catalog_url)
    try:
        with make_sessionmaker(engine)() as session, keeping_refusals(session):
            principal = acting_principal(session)
            views = list_snapshots(session, principal, dataset, grant_id=grant_id)
            totals = all(v.row_count is not None for v in views)
            with connect(settings) as con:
                facts = snapshot_facts(con, dataset, [v.snapshot for v in views], totals=totals)
            session.commit()
    finally:
        engine.dispose()
    listed = [asdict(f) for f in facts]
    if as_json:
        typer.echo(json.dumps(listed, ensure_ascii=False, default=str))
        return
    table = Table(title=f"{dataset}: snapshots")
    for column in ("snapshot", "batch", "published at", "rows", "mode"):
        table.add_column(column)
    for f in facts:
        published = f.published_at.isoformat(timespec="seconds") if f.published_at else "-"
        rows = "-" if f.rows is None else str(f.rows)
        table.add_row(str(f.snapshot_id), str(f.batch_id), published, rows, f.mode)
    console.print(table)


@lake_app.command("read")
def read_at(
    dataset: str,
    snapshot: int | None = typer.Option(None, "--snapshot", help="A snapshot id (see snapshots)."),
    at: str | None = typer.Option(
        None, "--at", help="A time: the newest snapshot published then (no offset: UTC+8)."
    ),
    field: list[str] = typer.Option([], "--field", help="A field to show (repeat)."),
    limit: int = typer.Option(1000, "--limit", min=1, max=10_000, help="Rows to print."),
    offset: int = typer.Option(0, "--offset", min=0, help="Rows to skip."),
    grant_id: int | None = typer.Option(None, "--grant", help="The grant to read through."),
    as_json: bool = typer.Option(False, "--json", help="Print the page as JSON, not CSV."),
) -> None:
    """Print the dataset as it was at an earlier catalog-bound snapshot, as CSV (or --json), with
    the fields and masks the one access decision gives the account in ZHONGTAI_TOKEN; the read is
    audited like any other. Exit 2 for a refusal or a snapshot the catalog has not bound."""
    from catalog.datasets import get_dataset
    from catalog.db import make_engine, make_sessionmaker
    from catalog.guard import keeping_refusals
    from catalog.keys import mask_master_key
    from catalog.policy import ReadRequest
    from exchange_api.cli_accounts import acting_principal
    from exchange_api.payloads import in_utc
    from lakehouse.connection import connect
    from lakehouse.pages import page_json
    from lakehouse.snapshots import page_csv, read_snapshot

    moment = None
    if at is not None:
        try:
            moment = in_utc(dt.datetime.fromisoformat(at))
        except ValueError:
            err.print(f"--at {at!r} is not an ISO time such as 2026-11-30T10:00")
            raise typer.Exit(2) from None
    settings = get_settings()
    engine = make_engine(settings.resolved_catalog_url)
    request = ReadRequest(fields=tuple(field) or None, limit=limit, offset=offset)
    try:
        with make_sessionmaker(engine)() as session, keeping_refusals(session):
            principal = acting_principal(session)
            found = get_dataset(session, dataset)
            with connect(settings) as con:
                _, delivery = read_snapshot(
                    session,
                    con,
                    principal,
                    found,
                    request,
                    lambda plan, at_snapshot: (
                        page_json(found, plan, None, at_snapshot) if as_json else page_csv
                    ),
                    snapshot_id=snapshot,
                    at=moment,
                    grant_id=grant_id,
                    mask_master=lambda: mask_master_key(settings),
                )
            session.commit()
    finally:
        engine.dispose()
    typer.echo(delivery.body.decode("utf-8"), nl=False)


@lake_app.command("dag-manifest")
def dag_manifest() -> None:
    """Rewrite the ingestion DAGs' manifest from the catalog (one DAG a registered dataset);
    Airflow picks it up at its next parse. The hourly governance DAG does this too."""
    from lakehouse.duties import refresh_dag_manifest

    console.print(refresh_dag_manifest(get_settings())["manifest"])
