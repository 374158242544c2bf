"""``zhongtai audit reproduce EVENT_ID``: replay an audited read from a script (auditors).

Acts as the account whose token is in ``ZHONGTAI_TOKEN`` (or is asked for, unechoed), through the
same library function as ``POST /api/v1/audit/events/{id}/reproduce`` (``lakehouse.reproduce``):
decided by ``audit.reproduce``, replayed against the read's recorded snapshot, and audited. It
prints the verdict and both digests (``--json``: the API's answer), and with ``--out FILE`` writes
the replayed bytes — the page JSON, or the extract — so they can be compared with the copy the
department kept. Exit 0 when the replay matches what was sent, 1 when it does not (``mismatch``,
or ``unordered``: an extract written in thread order, whose byte order cannot be replayed); a
refusal or an event that cannot be replayed prints its stable code and exits 2
(``exchange_api.cli.main``).

Registers itself on the ``zhongtai audit`` group (``exchange_api.cli_audit_group.audit_app``);
``exchange_api.cli`` imports this module so the command is registered.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from catalog.settings import get_settings
from exchange_api.cli_audit_group import audit_app

__all__ = ["audit_reproduce"]

console = Console()


@audit_app.command("reproduce")
def audit_reproduce(
    event_id: int = typer.Argument(..., min=1, help="The audit event of the read to replay."),
    out: Path | None = typer.Option(None, "--out", help="Write the replayed bytes here."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Replay audited read EVENT_ID against its recorded snapshot; compare its SHA-256."""
    from catalog.db import make_engine, make_sessionmaker
    from catalog.guard import keeping_refusals
    from exchange_api.cli_accounts import acting_principal
    from exchange_api.deps import LazyLake
    from exchange_api.reproduce_payloads import reproduction_out
    from lakehouse.reproduce import reproduce

    settings = get_settings()
    factory = make_sessionmaker(make_engine(settings.resolved_catalog_url))
    lake = LazyLake.of_settings(settings)
    try:
        with factory() as session, keeping_refusals(session):
            principal = acting_principal(session)
            done = reproduce(
                session, lake, settings, principal, event_id, out=out.expanduser() if out else None
            )
            session.commit()
    finally:
        lake.close()
    result = reproduction_out(done)
    if as_json:
        console.print_json(result.model_dump_json())
    else:
        colour = "green" if done.match else "red"
        console.print(
            f"event {result.event_id} ({result.action}, {result.dataset}, snapshot "
            f"{result.snapshot_id}): [{colour}]{result.verdict}[/{colour}]"
        )
        for name, digest in (("recorded", result.recorded), ("replayed", result.replayed)):
            console.print(
                f"  {name}: sha256 {digest.sha256}  rows {digest.rows}  bytes {digest.bytes}"
            )
        if not result.event_intact:
            console.print("  [red]the event no longer matches its chain hash[/red]")
        if out is not None:
            console.print(f"  replayed bytes written to {out}")
        console.print(f"  audited as event {result.audit_event}")
    if not done.match:
        raise typer.Exit(1)
