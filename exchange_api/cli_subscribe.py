"""``zhongtai exchange subscribe | subscriptions | unsubscribe | deliver``: subscriptions from a
terminal or a scheduler.

The first three act as the account whose token is in ``ZHONGTAI_TOKEN`` (or is asked for,
unechoed), through the same ``catalog.subscriptions`` functions, decision and audit as
``/api/v1/subscriptions``, and print the same JSON. ``deliver`` is the platform's own duty (no
token): it runs ``lakehouse.subscriptions.deliver_pending`` once — each delivery still decided
as the account that subscribed — and prints what each attempt did; run it after a publish, or
from a schedule. A domain error prints its stable code and exits 2.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from catalog.settings import get_settings
from exchange_api.cli_exchange_group import exchange_app

__all__ = ["deliver", "subscribe", "subscriptions", "unsubscribe"]

console = Console()


@contextmanager
def _acting() -> Iterator[tuple[Session, Any]]:
    from catalog.db import make_engine, make_sessionmaker
    from catalog.guard import keeping_refusals
    from exchange_api.cli_accounts import acting_principal

    factory = make_sessionmaker(make_engine(get_settings().resolved_catalog_url))
    with factory() as session, keeping_refusals(session):
        yield session, acting_principal(session)


def _print(value: Any) -> None:
    console.print_json(json.dumps(value, ensure_ascii=False, default=str))


def _public(session: Session, subscription: Any, *, deliveries: bool = False) -> dict[str, Any]:
    from exchange_api.subscription_payloads import public_of

    return public_of(session, subscription, deliveries=deliveries).model_dump(mode="json")


def _grant_for(session: Session, principal: Any, dataset: str, grant: int | None) -> int:
    """The grant named, or the department's only live grant on ``dataset`` with mode
    ``subscribe`` (``grant.ambiguous`` when it holds several)."""
    from catalog.datasets import get_dataset
    from catalog.errors import Conflict, NotFound
    from catalog.grants import live_grants
    from catalog.models import AccessMode, utcnow

    if grant is not None:
        return grant
    found = get_dataset(session, dataset)
    live = [
        g
        for g in live_grants(session, principal.department_id, found.id, utcnow())
        if AccessMode.SUBSCRIBE.value in (g.access_modes or ())
    ]
    if not live:
        raise NotFound(
            f"your department holds no live grant on {dataset} with mode subscribe",
            code="grant.missing",
        )
    if len(live) > 1:
        ids = ", ".join(str(g.id) for g in live)
        raise Conflict(
            f"several grants allow subscribe ({ids}); name one with --grant", code="grant.ambiguous"
        )
    return live[0].id


@exchange_app.command("subscribe")
def subscribe(
    dataset: str,
    folder: str | None = typer.Option(None, "--folder", help="A folder in your drop folder."),
    webhook: str | None = typer.Option(None, "--webhook", help="An https URL to announce to."),
    grant: int | None = typer.Option(None, "--grant", help="The grant (default: the only one)."),
    fmt: str = typer.Option("parquet", "--format", help="parquet or csv"),
) -> None:
    """Subscribe to each new snapshot of DATASET; a webhook's secret is printed once."""
    from catalog.errors import InvalidInput
    from catalog.subscriptions import create_subscription

    if (folder is None) == (webhook is None):
        raise InvalidInput(
            "give exactly one of --folder and --webhook", code="subscription.invalid"
        )
    kind, target = ("folder", folder) if folder is not None else ("webhook", webhook)
    assert target is not None
    with _acting() as (session, principal):
        grant_id = _grant_for(session, principal, dataset, grant)
        created = create_subscription(
            session, principal, get_settings(), grant_id, kind, target, fmt
        )
        session.commit()
        _print({**_public(session, created.subscription), "secret": created.secret})


@exchange_app.command("subscriptions")
def subscriptions() -> None:
    """The subscriptions this account may see."""
    from catalog.subscriptions import list_subscriptions

    with _acting() as (session, principal):
        _print([_public(session, s) for s in list_subscriptions(session, principal)])


@exchange_app.command("unsubscribe")
def unsubscribe(subscription_id: int, reason: str = typer.Option("", "--reason")) -> None:
    """Cancel a subscription: nothing more is delivered."""
    from catalog.subscriptions import cancel_subscription

    with _acting() as (session, principal):
        subscription = cancel_subscription(session, principal, subscription_id, reason)
        session.commit()
        _print(_public(session, subscription))


@exchange_app.command("deliver")
def deliver() -> None:
    """Deliver every due snapshot of every live subscription once (the platform's duty)."""
    from catalog.db import make_engine, make_sessionmaker
    from lakehouse.connection import connect
    from lakehouse.subscriptions import deliver_pending

    settings = get_settings()
    factory = make_sessionmaker(make_engine(settings.resolved_catalog_url))
    with factory() as session, connect(settings) as con:
        outcomes = deliver_pending(session, con, settings)
    _print([asdict(o) for o in outcomes])


def deliver_after_publish(settings: Any, console: Console) -> None:
    """Deliver what a publish made due, guarded: a failing delivery (a webhook down, a lake
    hiccup) is reported and never fails the caller — the publish it follows is already done.
    Deliveries left pending are retried by the next ``zhongtai exchange deliver``."""
    from catalog.db import make_engine, make_sessionmaker
    from lakehouse.connection import connect
    from lakehouse.subscriptions import deliver_pending

    try:
        factory = make_sessionmaker(make_engine(settings.resolved_catalog_url))
        with factory() as session, connect(settings) as con:
            outcomes = deliver_pending(session, con, settings)
    except Exception as exc:  # reported, never raised: the publish stands
        console.print(
            f"[yellow]subscriptions not delivered now ({type(exc).__name__}): "
            "'zhongtai exchange deliver' retries them[/yellow]"
        )
        return
    done = sum(1 for o in outcomes if o.status == "delivered")
    console.print(f"subscriptions: {done} delivered, {len(outcomes) - done} not (see the list)")
