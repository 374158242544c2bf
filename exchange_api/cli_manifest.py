"""``zhongtai exchange verify-manifest``: a receiving department proves what it received.

Given a delivery manifest (the ``.manifest.json`` kept beside a pulled extract, a subscription's
``manifest.json``, or the decoded ``X-Zhongtai-Manifest`` header), the platform's public key it
trusts, and optionally the file: exit 0 when the manifest is signed by that key and the file has
the SHA-256 it names; 1 with the reason otherwise. Needs no catalog and no token.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from exchange_api.cli_exchange_group import exchange_app

__all__ = ["verify_manifest"]

console = Console()
err = Console(stderr=True)


@exchange_app.command("verify-manifest")
def verify_manifest(
    manifest: Path = typer.Argument(..., help="The signed manifest (JSON)."),
    trust: list[Path] = typer.Option(..., "--trust", help="The platform's public key (PEM)."),
    file: Path | None = typer.Option(None, "--file", help="The delivered file to check too."),
) -> None:
    """Check a delivery manifest's signature (and a file's SHA-256) against a trusted key."""
    from catalog.audit_keys import load_trust
    from catalog.manifest_signing import verify_delivery

    try:
        document = json.loads(manifest.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        err.print(f"[red]{manifest} is not a readable JSON manifest: {exc}[/red]")
        raise typer.Exit(2) from None
    if file is not None and not file.is_file():
        err.print(f"[red]no such file: {file}[/red]")
        raise typer.Exit(2)
    problem = verify_delivery(document, load_trust(trust), file)
    if problem is not None:
        err.print(f"[red]manifest NOT verified: {problem}[/red]")
        raise typer.Exit(1)
    signer = document["signature"]["key_fingerprint"]
    checked = f"; {file.name} matches its SHA-256" if file is not None else ""
    console.print(f"manifest verified: signed by {signer[:16]}…{checked}")
