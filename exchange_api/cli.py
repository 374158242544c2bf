"""The ``zhongtai`` command: each subcommand calls the library functions the API and DAGs use."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console

from catalog.settings import get_settings

app = typer.Typer(
    help="Zhongtai 中台: government data-sharing exchange and catalog.", no_args_is_help=True
)
audit_app = typer.Typer(
    help="The audit log: verify the hash chain, sign checkpoints.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")
console = Console()
err = Console(stderr=True)


@app.command()
def init() -> None:
    """Create the embedded stores under var/ and migrate the catalog to the latest schema."""
    from catalog.db import init_catalog

    settings = get_settings()
    for folder in (settings.var_dir, settings.raw_dir, settings.staging_dir, settings.inbox_dir):
        Path(folder).mkdir(parents=True, exist_ok=True)
    init_catalog(settings.resolved_catalog_url)
    console.print(f"catalog ready: {settings.resolved_catalog_url}")


@app.command()
def ingest(dataset: str, source: Path) -> None:
    """Carry one extract through land → standardise → validate → publish, in this process."""
    from lakehouse.pipeline import run_batch

    if not source.is_file():
        err.print(f"[red]no such file: {source}[/red]")
        raise typer.Exit(2)
    summary = run_batch(get_settings(), dataset, source)
    console.print_json(json.dumps(asdict(summary), ensure_ascii=False))


@audit_app.command("verify")
def audit_verify() -> None:
    """Re-derive every hash in the audit chain; exit 1 naming the first altered or missing event."""
    from catalog.audit import verify_chain
    from catalog.db import make_engine, make_sessionmaker

    settings = get_settings()
    with make_sessionmaker(make_engine(settings.resolved_catalog_url))() as session:
        report = verify_chain(session)
    if report.ok:
        console.print(report.describe())
        return
    err.print(f"[red]{report.describe()}[/red]")
    raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the current head of the chain with the platform's Ed25519 key."""
    from catalog.audit import sign_checkpoint
    from catalog.db import make_engine, make_sessionmaker
    from catalog.keys import load_or_create_signing_key

    settings = get_settings()
    key = load_or_create_signing_key(settings.resolved_audit_signing_key)
    with make_sessionmaker(make_engine(settings.resolved_catalog_url))() as session:
        checkpoint = sign_checkpoint(session, key)
        session.commit()
    if checkpoint is None:
        console.print("audit log is empty; nothing to sign")
    else:
        console.print(
            f"signed checkpoint at event {checkpoint.last_event_id} ({checkpoint.last_hash[:16]}…)"
        )


@app.command()
def serve(host: str | None = None, port: int | None = None) -> None:
    """Serve the exchange API (default 127.0.0.1:8000)."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "exchange_api.app:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level="info",
    )


@app.command()
def demo(
    serve_after: bool = typer.Option(
        True, "--serve/--no-serve", help="Keep serving the API after the demo."
    ),
) -> None:
    """Run the platform on its embedded default: seed, ingest via Airflow, share, read, verify."""
    from exchange_api.demo import run_demo

    code = run_demo(get_settings(), console=console, serve=serve_after)
    sys.exit(code)


@app.command("sample")
def sample(path: Path, rows: int = 500, seed: int = 20261125, defects: bool = True) -> None:
    """Write a GBK social-insurance extract with a few known defects."""
    from lakehouse.samples import write_social_insurance_extract

    manifest = write_social_insurance_extract(path, rows=rows, seed=seed, defects=defects)
    console.print(
        f"wrote {manifest.rows} rows to {manifest.path} ({manifest.encoding}), "
        f"{len(manifest.defects)} defective rows"
    )


def main() -> None:
    app()
