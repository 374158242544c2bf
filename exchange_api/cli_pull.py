"""``zhongtai exchange pull``: a bulk extract into a file, from a script.

Acts as the account whose token is in ``ZHONGTAI_TOKEN`` (or is asked for, unechoed), through the
same library path as ``GET /api/v1/datasets/{code}/bulk`` (``exchange_api.bulk_path``): the one
access decision, the extract audited and charged before it is handed over. The file is copied to
a temporary file beside ``--out``, its SHA-256 checked against the audited manifest, and only then
renamed into place — ``--out`` is never a half file. The manifest is printed as JSON. A refusal
prints its stable code and exits 2 (``exchange_api.cli.main``); a digest mismatch exits 3.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import typer
from rich.console import Console

from catalog.settings import get_settings
from exchange_api.cli_exchange_group import exchange_app

__all__ = ["pull"]

console = Console()
err = Console(stderr=True)
_CHUNK = 1 << 20


@exchange_app.command("pull")
def pull(
    dataset: str = typer.Argument(..., help="The dataset's code."),
    out: Path = typer.Option(..., "--out", help="Where to write the file."),
    fmt: str = typer.Option("parquet", "--format", help="parquet, csv or arrow."),
    encoding: str = typer.Option("utf-8", "--encoding", help="CSV only: utf-8, gbk or gb18030."),
    fields: str | None = typer.Option(None, "--fields", help="Comma-separated fields."),
    grant: int | None = typer.Option(None, "--grant", help="The grant to read through."),
) -> None:
    """Download a dataset's granted, masked rows (bulk mode) into --out, verified."""
    from catalog.db import make_engine, make_sessionmaker
    from catalog.guard import keeping_refusals
    from exchange_api.bulk_path import bulk_request, export_shared
    from exchange_api.cli_accounts import acting_principal
    from exchange_api.deps import LazyLake
    from lakehouse.bulk import bulk_options

    settings = get_settings()
    chosen, charset = bulk_options(fmt, encoding)
    wanted = tuple(f.strip() for f in fields.split(",") if f.strip()) if fields else None
    factory = make_sessionmaker(make_engine(settings.resolved_catalog_url))
    lake = LazyLake.of_settings(settings)
    try:
        with factory() as session, keeping_refusals(session):
            principal = acting_principal(session)
            done = export_shared(
                session,
                lake,
                principal,
                settings,
                dataset,
                bulk_request(wanted),
                fmt=chosen,
                encoding=charset,
                grant_id=grant,
            )
    finally:
        lake.close()
    try:
        landed = _copy(done.spool.path, out, done.spool.content_sha256)
    finally:
        done.discard()
    if not landed:
        err.print(f"[red]error[/red] bulk.digest_mismatch: {out} would not match the manifest")
        sys.exit(3)
    kept = out.with_name(out.name + ".manifest.json")
    kept.write_text(json.dumps(done.manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
    console.print_json(json.dumps({**done.manifest, "file": str(out)}, ensure_ascii=False))
    err.print(f"signed manifest kept in {kept} (zhongtai exchange verify-manifest checks it)")


def _copy(source: Path, out: Path, expected: str) -> bool:
    """Copy ``source`` to ``out`` through a temp file, renamed into place only when the bytes on
    disk hash to ``expected`` (the audited manifest); otherwise nothing is left."""
    out = out.expanduser()
    temp = out.with_name(f".{out.name}.part-{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with source.open("rb") as reading, temp.open("wb") as writing:
            while chunk := reading.read(_CHUNK):
                writing.write(chunk)
            writing.flush()
            os.fsync(writing.fileno())
        with temp.open("rb") as landed:  # the digest of the bytes on disk, not of memory
            while chunk := landed.read(_CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != expected:
            return False
        os.replace(temp, out)
        return True
    finally:
        temp.unlink(missing_ok=True)
