"""``zhongtai audit verify|checkpoint|export`` and ``zhongtai audit key create|rotate|show``.

``verify`` with no folder re-derives the live log from the catalog; with a folder (or the ZIP the
API and the portal hand out) it verifies an evidence bundle offline, touching nothing but it.
Either way ``--trust`` pins the public keys believed to have signed; it exits 0 with OK, 1 naming
the first bad sequence number and why, 2 for what is not a bundle at all.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from catalog.settings import get_settings
from exchange_api.cli_audit_group import audit_app, key_app

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from sqlalchemy.orm import Session

    from catalog.principals import Principal

__all__ = ["audit_app"]

console = Console()
err = Console(stderr=True)

_TRUST = typer.Option(
    None,
    "--trust",
    help="A public key (PEM) trusted to have signed; repeat for several. Keys they endorsed on "
    "rotation are trusted too.",
)


def _report(report_ok: bool, text: str) -> None:
    if report_ok:
        console.print(text)
        return
    err.print(f"[red]{text}[/red]")
    raise typer.Exit(1)


@audit_app.command("verify")
def audit_verify(
    folder: Path | None = typer.Argument(
        None,
        help="An evidence bundle (its folder or its ZIP) to verify offline; omit to verify the "
        "live log.",
    ),
    trust: list[Path] | None = _TRUST,
) -> None:
    """Verify every hash link and every checkpoint signature; exit 1 naming the first bad event."""
    from catalog.audit_keys import load_trust

    pinned = load_trust(trust or [])
    if folder is not None:
        _verify_offline(folder, pinned)
        return
    from catalog.audit import verify_chain
    from catalog.audit_keys import trusted
    from catalog.db import make_engine, make_sessionmaker

    settings = get_settings()
    keys = trusted(settings, pinned=pinned)
    with make_sessionmaker(make_engine(settings.resolved_catalog_url))() as session:
        report = verify_chain(session, keys)
    _report(report.ok, report.describe())


def _verify_offline(path: Path, pinned: dict[str, Ed25519PublicKey]) -> None:
    """A bundle's folder, or the ZIP the API and the portal hand out (unpacked into a private
    temporary folder, as hostile input: ``catalog.evidence_archive.unpack``)."""
    import tempfile

    from catalog.errors import InvalidInput
    from catalog.evidence_archive import unpack
    from catalog.evidence_verify import verify_bundle

    if path.is_file():
        with tempfile.TemporaryDirectory(prefix="zhongtai-evidence-") as scratch:
            try:
                folder = unpack(path, Path(scratch))
            except InvalidInput as exc:
                err.print(f"[red]{exc}[/red]")
                raise typer.Exit(2) from None
            report = verify_bundle(folder, pinned)
        _report(report.ok, report.describe())
        return
    if not (path / "manifest.json").is_file():
        err.print(f"[red]{path} is not an evidence bundle (no manifest.json)[/red]")
        raise typer.Exit(2)
    report = verify_bundle(path, pinned)
    _report(report.ok, report.describe())


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the current head of the chain with the platform's Ed25519 key (the platform's own
    act; the hourly governance DAG does the same)."""
    from lakehouse.duties import sign_audit_checkpoint

    signed = sign_audit_checkpoint(get_settings())
    if not signed["signed"]:
        console.print("audit log is empty; nothing to sign")
    else:
        console.print(
            f"signed checkpoint at event {signed['last_event_id']} ({signed['last_hash'][:16]}…)"
        )


def _date(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        err.print(f"[red]{option} must be a date (YYYY-MM-DD), not {value!r}[/red]")
        raise typer.Exit(2) from None


@audit_app.command("export")
def audit_export(
    folder: Path = typer.Argument(..., help="Folder to write the bundle into (new or empty)."),
    date_from: str | None = typer.Option(None, "--from", help="First day (UTC), YYYY-MM-DD."),
    date_to: str | None = typer.Option(None, "--to", help="Last day (UTC), YYYY-MM-DD."),
) -> None:
    """Write an evidence bundle an auditor can verify offline, as the auditor whose token is in
    ZHONGTAI_TOKEN (or is asked for, unechoed)."""
    from catalog import actions as act
    from catalog.audit_keys import signing_key, store_of
    from catalog.db import make_engine, make_sessionmaker
    from catalog.evidence import export
    from catalog.guard import ensure, keeping_refusals
    from catalog.resources import PLATFORM
    from exchange_api.cli_accounts import acting_principal

    first, last = _date(date_from, "--from"), _date(date_to, "--to")
    settings = get_settings()
    store = store_of(settings)
    factory = make_sessionmaker(make_engine(settings.resolved_catalog_url))
    with factory() as session, keeping_refusals(session):
        principal = acting_principal(session)
        ensure(session, principal, act.AUDIT_EXPORT, PLATFORM)
        key = signing_key(session, store, settings)
        done = export(session, store, key, folder, principal, date_from=first, date_to=last)
        session.commit()
    console.print(
        f"exported events {done.first_event_id}–{done.last_event_id} ({done.event_count}) to "
        f"{done.folder}; manifest SHA-256 {done.manifest_sha256}"
    )
    console.print(f"verify with: zhongtai audit verify {done.folder} --trust AUDIT_KEY.pub.pem")


@contextmanager
def _acting() -> Iterator[tuple[Session, Principal]]:
    """A session and who acts: the holder of ZHONGTAI_TOKEN, else the platform itself (the
    operator installing the service, before any admin exists). A refused token is audited."""
    from catalog.db import make_engine, make_sessionmaker
    from catalog.guard import keeping_refusals
    from catalog.principals import SYSTEM
    from exchange_api.cli_accounts import acting_principal

    settings = get_settings()
    factory = make_sessionmaker(make_engine(settings.resolved_catalog_url))
    with factory() as session, keeping_refusals(session):
        token = os.environ.get("ZHONGTAI_TOKEN", "").strip()
        yield session, acting_principal(session) if token else SYSTEM


@key_app.command("create")
def key_create() -> None:
    """Make the first audit signing key (refused if one exists), and record it in the log. Acts
    as the admin whose token is in ZHONGTAI_TOKEN, or, without one, as the platform itself."""
    from catalog.audit_keys import create_key, store_of

    settings = get_settings()
    store = store_of(settings)
    with _acting() as (session, principal):
        made = create_key(session, store, principal)
        session.commit()
    console.print(f"created audit signing key {made.fingerprint} at {store.path}")
    console.print(f"public key for auditors to pin: {store.public_path}")


@key_app.command("rotate")
def key_rotate(
    reason: str = typer.Option(..., "--reason", help="Why the key is replaced (recorded)."),
) -> None:
    """Replace the signing key: the old key signs the head and endorses the new one; recorded."""
    from catalog.audit_keys import rotate_key, store_of

    settings = get_settings()
    store = store_of(settings)
    with _acting() as (session, principal):
        rotation = rotate_key(session, store, principal, reason=reason)
        session.commit()
    console.print(
        f"rotated audit signing key {rotation.old.fingerprint[:16]}… → {rotation.new.fingerprint}"
    )
    console.print(f"public key: {store.public_path}")


@key_app.command("show")
def key_show() -> None:
    """Print every public key the store has held, oldest first, with its fingerprint."""
    from catalog.audit_chain import public_pem
    from catalog.audit_keys import store_of

    store = store_of(get_settings())
    history = store.public_keys()
    if not history:
        err.print(f"[red]no audit signing key at {store.path}[/red]")
        raise typer.Exit(1)
    for index, item in enumerate(history):
        current = " (current)" if index == len(history) - 1 else ""
        endorsed = f", endorsed by {item.endorsed_by[:16]}…" if item.endorsed_by else ""
        console.print(f"{item.fingerprint}{current}{endorsed}")
        console.print(public_pem(item.public_key).decode("ascii"), end="")
