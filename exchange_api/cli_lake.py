"""``zhongtai lake reconcile``: bring the lake and the catalog into agreement, and sweep leftovers.

Exit 0 when every dataset agrees (after what was finished, rolled back or swept), 1 when a
conflict remains for a person to look at or a dataset was busy with a live run (try again), 2 on
a usage or domain error. ``--json`` prints the whole outcome.
"""

from __future__ import annotations

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
    help="The lake: reconcile it with the catalog and sweep leftovers.", no_args_is_help=True
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


@lake_app.command("dag-manifest")
def dag_manifest() -> None:
    """Rewrite the ingestion DAGs' manifest from the catalog (one DAG a registered dataset);
    Airflow picks it up at its next parse. The hourly governance DAG does this too."""
    from lakehouse.duties import refresh_dag_manifest

    console.print(refresh_dag_manifest(get_settings())["manifest"])
