"""``zhongtai catalog export --format jsonld|ttl|xlsx|csv [--out FILE]``: the catalog as a file.

``jsonld`` and ``ttl`` are the public part as DCAT-AP 3 (``catalog.dcat``), made under
``ZHONGTAI_PUBLIC_BASE_URL`` and needing no token, as over HTTP. ``xlsx`` and ``csv`` are the
whole catalog as a GB/T 21063-style spreadsheet, made as the account whose token is in
``ZHONGTAI_TOKEN`` (or is asked for, unechoed), decided as ``catalog.export`` and recorded as
``catalog.exported`` before the file is written. Without ``--out`` a text format goes to stdout;
XLSX needs ``--out``. A refusal or a bad format exits 2 with its code; a folder that does not
exist exits 2 before anything is made or recorded.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from catalog.settings import get_settings

__all__ = ["catalog_app"]

catalog_app = typer.Typer(
    help="The catalog (信息资源目录): export it as DCAT-AP or as a spreadsheet.",
    no_args_is_help=True,
)
err = Console(stderr=True)

_FORMATS = ("jsonld", "ttl", "xlsx", "csv")


@catalog_app.command("export")
def export(
    fmt: str = typer.Option(
        ..., "--format", help="jsonld or ttl (public DCAT-AP), xlsx or csv (the whole catalog)."
    ),
    out: Path | None = typer.Option(None, "--out", help="The file to write (stdout if omitted)."),
) -> None:
    """Export the catalog: its public part as DCAT-AP 3, or all of it as a spreadsheet."""
    from catalog.catalog_exports import CatalogFile, export_catalog, public_catalog
    from catalog.db import make_engine, make_sessionmaker
    from catalog.guard import keeping_refusals
    from exchange_api.cli_accounts import acting_principal

    chosen = fmt.strip().lower()
    if chosen not in _FORMATS:
        allowed = ", ".join(_FORMATS)
        err.print(f"[red]error[/red] catalog.bad_export_format: --format must be {allowed}")
        raise typer.Exit(2)
    if out is None and chosen == "xlsx":
        err.print("[red]--format xlsx writes a file: give --out FILE[/red]")
        raise typer.Exit(2)
    if out is not None and not out.resolve().parent.is_dir():
        err.print(f"[red]no such folder: {out.resolve().parent}[/red]")
        raise typer.Exit(2)
    settings = get_settings()
    engine = make_engine(settings.resolved_catalog_url)
    try:
        with make_sessionmaker(engine)() as session, keeping_refusals(session):
            made: CatalogFile
            if chosen in ("jsonld", "ttl"):
                made = public_catalog(session, chosen, base_url=settings.public_base_url)
            else:
                made = export_catalog(session, acting_principal(session), chosen)
                session.commit()  # recorded before it is written, as a download is
    finally:
        engine.dispose()
    if out is None:
        sys.stdout.buffer.write(made.body)
        sys.stdout.buffer.flush()
        return
    out.write_bytes(made.body)
    recorded = f"; recorded as audit event {made.event_id}" if made.event_id is not None else ""
    err.print(
        f"wrote {made.row_count} catalog entries to {out} ({len(made.body)} bytes, "
        f"SHA-256 {made.sha256}){recorded}"
    )
