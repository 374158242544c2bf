"""``zhongtai backup create DIR | verify DIR | restore DIR [--force]``: the operator's commands.

A backup reads the signing key's file and writes the stores' contents to a folder on the host,
so it is an act on the host, not over the API: no route or portal page offers it (a web session
must not make the server write to or read from its own folders). Every ``backup.created`` and
``backup.restored`` event is in the audit log, which admins and auditors already read.

``create`` acts as the admin whose token is in ``ZHONGTAI_TOKEN``, or, without one, as the
platform itself (the operator on the host), decided as ``platform.backup``. ``verify`` reads the
folder and the public keys only. ``restore`` writes into the stores the settings name and records
``backup.restored`` as the platform's act (the accounts a token would name are what it restores).
Exit codes: 0 done; 1 the backup does not verify, or the restored platform differs; 2 usage or
a refused target (not empty without ``--force``, another catalog revision).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from catalog.settings import get_settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

backup_app = typer.Typer(
    help="Back the platform up (catalog, lake, audit evidence), verify a backup, restore one.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)

_TRUST = typer.Option(
    [],
    "--trust",
    metavar="PEM",
    help="A public key to trust (repeat); default: the platform's key store and the keys it "
    "endorsed (ZHONGTAI_AUDIT_TRUSTED_KEYS if set).",
)


def _keys(trust: list[Path]) -> dict[str, Ed25519PublicKey]:
    from catalog.audit_keys import load_trust, trusted
    from catalog.errors import InvalidInput

    settings = get_settings()
    try:
        keys = trusted(settings, pinned=load_trust(trust) if trust else None)
    except InvalidInput as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None
    if not keys:
        err.print(
            "[red]no trusted public key: pin the platform's key with --trust "
            "AUDIT_KEY.pub.pem (or bring its key store to this host)[/red]"
        )
        raise typer.Exit(2)
    return keys


@backup_app.command("create")
def create(folder: Path = typer.Argument(..., help="Folder to write into (new or empty).")) -> None:
    """Write a consistent, signed backup of the catalog, the lake and the audit evidence."""
    from catalog import actions as act
    from catalog.audit_keys import signing_key, store_of
    from catalog.db import make_engine, make_sessionmaker
    from catalog.guard import ensure, keeping_refusals
    from catalog.principals import SYSTEM
    from catalog.resources import PLATFORM
    from exchange_api.cli_accounts import acting_principal
    from lakehouse.backup import create_backup, record_created
    from schemas.errors import ZhongtaiError

    settings = get_settings()
    factory = make_sessionmaker(make_engine(settings.resolved_catalog_url))
    try:
        with factory() as session, keeping_refusals(session):
            token = os.environ.get("ZHONGTAI_TOKEN", "").strip()
            actor = acting_principal(session) if token else SYSTEM
            ensure(session, actor, act.PLATFORM_BACKUP, PLATFORM)
            key = signing_key(session, store_of(settings), settings)
            session.commit()
        try:
            done = create_backup(settings, folder, key)
        except ZhongtaiError as exc:
            err.print(f"[red]{exc.message}[/red] ({exc.code})")
            raise typer.Exit(2) from None
        with factory() as session:
            record_created(session, done, actor)
            session.commit()
    finally:
        factory.kw["bind"].dispose()
    m = done.manifest
    console.print(
        f"backup written to {done.folder}: {sum(m['catalog']['rows'].values())} catalog rows, "
        f"lake snapshot {max(m['lake']['snapshot_ids'], default=0)}, {m['lake']['files']} lake "
        f"files, audit head {m['audit']['head_hash'][:16]}… at event {m['audit']['last_event_id']}"
    )
    console.print(f"manifest SHA-256 {done.manifest_sha256}")


@backup_app.command("verify")
def verify(
    folder: Path = typer.Argument(..., help="The backup's folder."),
    trust: list[Path] = _TRUST,
) -> None:
    """Check every file against the signed manifest and the audit evidence bundle, touching
    nothing of the live platform. Exit 1, with each reason, if anything changed or is missing."""
    from lakehouse.backup import verify_backup

    report = verify_backup(folder, _keys(trust))
    if not report.ok:
        for problem in report.problems:
            err.print(f"[red]{problem}[/red]")
        err.print(f"[red]backup {folder} does NOT verify[/red]")
        raise typer.Exit(1)
    m = report.manifest
    console.print(
        f"backup OK: made {m['created_at']}, catalog revision {m['catalog']['revision']}, "
        f"{len(m['files'])} files, lake snapshots {m['lake']['snapshot_ids'][-3:]}…, "
        f"audit head at event {m['audit']['last_event_id']}"
    )


@backup_app.command("restore")
def restore(
    folder: Path = typer.Argument(..., help="The backup's folder."),
    force: bool = typer.Option(
        False, "--force", help="Replace what the target catalog and lake hold (destroys it)."
    ),
    trust: list[Path] = _TRUST,
) -> None:
    """Verify the backup, restore it into the stores the settings name (empty ones unless
    --force), then check counts, snapshot ids, grants and the audit chain against it."""
    from catalog.errors import Conflict, InvalidInput, NotReady
    from lakehouse.backup import restore_backup

    settings = get_settings()
    try:
        manifest = restore_backup(settings, folder, _keys(trust), force=force)
    except InvalidInput as exc:
        err.print(f"[red]the backup does not verify: {exc.message}[/red]")
        raise typer.Exit(1) from None
    except Conflict as exc:
        err.print(f"[red]{exc.message}[/red] ({exc.code})")
        raise typer.Exit(1 if exc.code == "backup.mismatch" else 2) from None
    except NotReady as exc:
        err.print(f"[red]{exc.message}[/red] ({exc.code})")
        raise typer.Exit(2) from None
    console.print(
        f"restored {folder} into {settings.resolved_lake_data_path} and the catalog: "
        f"{sum(manifest['catalog']['rows'].values())} catalog rows, lake snapshots up to "
        f"{max(manifest['lake']['snapshot_ids'], default=0)}, audit chain verified to event "
        f"{manifest['audit']['last_event_id']}"
    )
    console.print(
        "a publish in flight when the backup was made is settled by `zhongtai lake reconcile` "
        "(readers never see it: they read the snapshots the catalog bound)"
    )
