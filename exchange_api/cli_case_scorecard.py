"""``zhongtai scorecard cases``: the on-time scorecard (案件按时办结率, 民呼我为) from a terminal.

Acts as the account whose token is in ``ZHONGTAI_TOKEN`` and calls the library the API and the
portal call (``lakehouse.case_scorecard``): each named case dataset is counted through the one
access decision (owner, or grantee through its grant's ``aggregate`` mode), every count audited
as ``data.aggregated``; a refusal is audited and exits 2 with its code (``grant.missing``,
``field.masked`` …).

``cases --dataset CODE [--dataset CODE …] [--as-of 2026-12-01] [--filter JSON …] [--json]``:
a table per handling department (cases, on time, late, open past / within the deadline, on-time
rate); ``--json`` prints what the API answers. ``--as-of`` is ISO 8601 (no offset: China
Standard Time; default now).
"""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from catalog.settings import get_settings
from exchange_api.cli_filters import FILTER_HELP, conditions_of
from exchange_api.cli_scorecard import scorecard_app
from exchange_api.cli_verify import _acting

__all__ = ["cases_command"]

console = Console()


@scorecard_app.command("cases")
def cases_command(
    datasets: list[str] = typer.Option(..., "--dataset", help="A case dataset's code (repeat)."),
    as_of: str = typer.Option("", "--as-of", help="ISO date or date-time (default: now)."),
    filters: list[str] = typer.Option([], "--filter", help=FILTER_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON, as the API answers."),
) -> None:
    """案件按时办结率: cases answered by their deadline, per handling department."""
    from catalog.keys import mask_master_key
    from catalog.models import utcnow
    from exchange_api.case_scorecard_payloads import case_scorecard_out, parse_as_of
    from lakehouse.case_scorecard import case_scorecard

    settings = get_settings()
    conditions = conditions_of(filters)
    moment = parse_as_of(as_of, utcnow())
    with _acting() as (session, principal, lake):
        card = case_scorecard(
            session,
            lake,
            principal,
            datasets,
            as_of=moment,
            min_group_size=settings.min_group_size,
            filters=conditions,
            mask_master=lambda: mask_master_key(settings),
        )
        session.commit()
    out = case_scorecard_out(card)
    if as_json:
        typer.echo(json.dumps(out.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    table = Table(title=f"案件按时办结率 cases on time (as of {out.as_of:%Y-%m-%d %H:%M %z})")
    for heading in (
        "承办部门",
        "案件",
        "按时答复",
        "超期答复",
        "超期未办结",
        "期内未办结",
        "按时率",
    ):
        table.add_column(heading)
    for line in out.departments:
        table.add_row(
            line.department,
            str(line.cases),
            str(line.on_time),
            str(line.late),
            str(line.open_overdue),
            str(line.open_in_time),
            "—" if line.rate is None else f"{line.rate:.1%}",
        )
    console.print(table)
    counted = ", ".join(
        f"{d.dataset} (audit {', '.join(map(str, d.audit_events))})" for d in out.datasets
    )
    console.print(f"counted: {counted}")
    if out.partial:
        console.print(
            f"partial: {out.suppressed_groups} group(s) under the minimum size not counted"
        )
