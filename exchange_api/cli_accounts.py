"""``zhongtai account …``: issue, list, revoke and rotate accounts from the catalog's console.

Each command acts as the account whose token is in ``ZHONGTAI_TOKEN`` (or is asked for, unechoed;
a token is never a command-line argument, which would stay in shell history and the process
list) and goes through the same ``catalog.accounts`` functions, access decision and audit as
``/api/v1/accounts``. A refused token is audited like one refused over HTTP (client
``local-cli``; never counted for lockout — whoever runs this already has the catalog's
settings).

The bootstrap: ``zhongtai account issue DEPT NAME --role admin`` with no ``ZHONGTAI_TOKEN`` on a
catalog that has no live admin acts as the platform itself and may create that first admin
(audited with ``bootstrap: true``); once a live admin exists it asks for a token like every
other command.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from catalog.settings import get_settings

if TYPE_CHECKING:
    from catalog.principals import Principal

__all__ = ["account_app", "acting_principal", "acting_session"]

account_app = typer.Typer(
    help="Accounts and their tokens: issue (shown once), list, revoke, rotate.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)
CLI_CLIENT = "local-cli"


def _sessions() -> sessionmaker[Session]:
    from catalog.db import make_engine, make_sessionmaker

    return make_sessionmaker(make_engine(get_settings().resolved_catalog_url))


def acting_principal(session: Session, *, bootstrap: bool = False) -> Principal:
    """The principal of ``ZHONGTAI_TOKEN`` (or of the token typed at the prompt); with
    ``bootstrap`` and no token in the environment, the platform itself while the catalog has no
    live admin. A refused token is audited; the caller's ``keeping_refusals`` commits that."""
    from catalog.accounts import has_live_admin
    from catalog.errors import Unauthenticated
    from catalog.lockout import NEVER, refuse
    from catalog.models import utcnow
    from catalog.principals import SYSTEM
    from catalog.principals import Principal as _Principal
    from catalog.tokens import authenticate

    token = os.environ.get("ZHONGTAI_TOKEN", "").strip()
    if not token and bootstrap and not has_live_admin(session):
        return SYSTEM
    token = token or str(typer.prompt("token", hide_input=True)).strip()
    now = utcnow()
    try:
        account = authenticate(session, token, now=now)
    except Unauthenticated as exc:
        raise refuse(
            session, exc, credential="token", client=CLI_CLIENT, policy=NEVER, now=now
        ) from None
    return _Principal.of(account)


@contextmanager
def acting_session() -> Iterator[tuple[Session, Principal]]:
    """A catalog session and the acting principal (:func:`acting_principal`); commits an audited
    refusal before its error propagates, and closes the catalog's connections when done."""
    from catalog.db import make_engine, make_sessionmaker
    from catalog.guard import keeping_refusals

    engine = make_engine(get_settings().resolved_catalog_url)
    try:
        with make_sessionmaker(engine)() as session, keeping_refusals(session):
            yield session, acting_principal(session)  # a refused token is audited
    finally:
        engine.dispose()


def _fingerprint(cert: Path | None, cert_sha256: str | None) -> str | None:
    if cert is None:
        return cert_sha256
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    certificate = x509.load_pem_x509_certificate(cert.read_bytes())
    return certificate.fingerprint(hashes.SHA256()).hex()


@account_app.command("issue")
def issue(
    department: str,
    name: str,
    role: Annotated[list[str], typer.Option("--role", help="A role; repeat for several.")],
    person: bool = typer.Option(False, "--person", help="A person's account (default: service)."),
    days: int | None = typer.Option(None, "--days", help="Token lifetime (default by kind)."),
    cert: Annotated[
        Path | None,
        typer.Option("--cert", help="A PEM client certificate to map to the account (SHA-256)."),
    ] = None,
    cert_sha256: str | None = typer.Option(
        None, "--cert-sha256", help="Or the certificate's SHA-256 fingerprint itself."
    ),
) -> None:
    """Issue an account of DEPARTMENT called NAME and print its token — once; only its SHA-256
    is kept. The token alone goes to standard output, the rest to standard error."""
    from catalog import accounts
    from catalog.guard import keeping_refusals
    from catalog.models import AccountKind
    from catalog.tokens import TokenLifetimes, check_roles

    roles = check_roles(role)  # before asking for a token: a typo needs no credentials
    fingerprint = _fingerprint(cert, cert_sha256)
    kind = AccountKind.PERSON if person else AccountKind.SERVICE
    with _sessions()() as session, keeping_refusals(session):
        actor = acting_principal(session, bootstrap=True)
        account, token = accounts.issue(
            session,
            actor,
            department,
            name,
            roles,
            kind=kind,
            days=days,
            cert_sha256=fingerprint,
            lifetimes=TokenLifetimes.of(get_settings()),
        )
        session.commit()
        err.print(
            f"issued account {account.id} ({account.name}, {department}, "
            f"{', '.join(account.roles)}), token expires {account.expires_at:%Y-%m-%d %H:%M} UTC"
            + (" — the first admin, made without a token" if actor.is_system else "")
        )
        err.print("[bold]the token below is shown this once; it cannot be shown again[/bold]")
    typer.echo(token)


@account_app.command("list")
def list_accounts() -> None:
    """The accounts you may see (admins and auditors: all), never a token or its hash."""
    from catalog import accounts
    from catalog.guard import keeping_refusals

    table = Table(title="accounts")
    for column in ("id", "department", "name", "kind", "roles", "token", "expires", "revoked"):
        table.add_column(column)
    with _sessions()() as session, keeping_refusals(session):
        actor = acting_principal(session)
        for a in accounts.list_accounts(session, actor):
            table.add_row(
                str(a.id),
                a.department.code,
                a.name,
                str(a.kind.value),
                ", ".join(a.roles),
                f"{a.token_prefix}…",
                f"{a.expires_at:%Y-%m-%d}" if a.expires_at else "-",
                f"{a.revoked_at:%Y-%m-%d} {a.revoke_reason}" if a.revoked_at else "-",
            )
        session.commit()
    console.print(table)


@account_app.command("revoke")
def revoke(
    account_id: int,
    reason: str = typer.Option(..., "--reason", help="Why the account ends now (audited)."),
) -> None:
    """Revoke ACCOUNT_ID at once: its token, certificate mapping and portal sessions stop."""
    from catalog import accounts
    from catalog.guard import keeping_refusals

    with _sessions()() as session, keeping_refusals(session):
        actor = acting_principal(session)
        account = accounts.revoke(session, actor, account_id, reason)
        session.commit()
    console.print(f"account {account.id} ({account.name}) revoked: {account.revoke_reason}")


@account_app.command("rotate")
def rotate(
    account_id: int,
    days: int | None = typer.Option(None, "--days", help="The new token's lifetime."),
) -> None:
    """Give ACCOUNT_ID a new token (printed once); the old one and its sessions stop at once."""
    from catalog import accounts
    from catalog.guard import keeping_refusals
    from catalog.tokens import TokenLifetimes

    with _sessions()() as session, keeping_refusals(session):
        actor = acting_principal(session)
        account, token = accounts.rotate(
            session, actor, account_id, days=days, lifetimes=TokenLifetimes.of(get_settings())
        )
        session.commit()
        err.print(
            f"account {account.id} has a new token, expiring {account.expires_at:%Y-%m-%d} UTC; "
            "the old one no longer works. Shown this once:"
        )
    typer.echo(token)
