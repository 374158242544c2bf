"""``zhongtai requests …`` and ``zhongtai grants …``: the request workflow from a terminal.

Each command acts as the account whose token is in ``ZHONGTAI_TOKEN`` (or is asked for, unechoed:
a token is never a command-line argument), goes through the same library functions — and so the
same access decision and audit — as the API, and prints the same JSON the API answers. A refused
act is audited like over HTTP; a domain error prints its stable code and exits 2.

Dates: ``--expires 2027-06-30`` means the end of that day in China Standard Time; a full ISO
timestamp with its offset is taken as given.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from catalog.settings import get_settings
from exchange_api.cli_filters import FILTER_HELP, conditions_of

__all__ = ["grants_app", "moment_of", "requests_app"]

requests_app = typer.Typer(
    help="Share requests (共享申请): file, list, approve or narrow, refuse, withdraw, object.",
    no_args_is_help=True,
)
grants_app = typer.Typer(help="Grants (授权): list, revoke, renew.", no_args_is_help=True)
console = Console()


@contextmanager
def _acting() -> Iterator[tuple[Session, Any, Any]]:
    """A catalog session, the acting principal and the deadline rules; commits an audited
    refusal before its error propagates."""
    from catalog.db import make_engine, make_sessionmaker
    from catalog.guard import keeping_refusals
    from catalog.workdays import DeadlineRules
    from exchange_api.cli_accounts import acting_principal

    settings = get_settings()
    engine = make_engine(settings.resolved_catalog_url)
    try:
        with make_sessionmaker(engine)() as session, keeping_refusals(session):
            principal = acting_principal(session)  # a refused token is audited
            yield session, principal, DeadlineRules.of(settings)
    finally:
        engine.dispose()  # no pooled connection left for the garbage collector (PostgreSQL)


def _expiry(text: str | None) -> dt.datetime | None:
    """``--expires``: a bare date is the end of that day in China Standard Time, read exactly as
    the API reads one (``exchange_api.payloads.end_of_day``); a timestamp must carry its zone."""
    from catalog.errors import InvalidInput
    from exchange_api.payloads import end_of_day, in_utc

    if text is None:
        return None
    try:
        value = end_of_day(text)
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise InvalidInput(
                "--expires needs a time zone offset (or give a date)",
                code="request.invalid_expiry",
            )
        return in_utc(moment)
    except (ValueError, OverflowError):
        raise InvalidInput(
            f"--expires {text!r} is not a date (YYYY-MM-DD) or an ISO timestamp",
            code="request.invalid_expiry",
        ) from None


def moment_of(text: str | None, *, code: str) -> dt.datetime:
    """``--now``: an ISO timestamp with its offset, in UTC (default: now); refused with ``code``."""
    from catalog.errors import InvalidInput
    from catalog.models import utcnow

    if text is None:
        return utcnow()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput(
            f"--now {text!r} is not an ISO timestamp with a time zone offset", code=code
        )
    return moment.astimezone(dt.UTC)


def _print(value: Any) -> None:
    console.print_json(json.dumps(value, ensure_ascii=False, default=str))


def _request_json(session: Session, request: Any) -> dict[str, Any]:
    from catalog.escalation import escalated_at
    from catalog.requests import grant_of
    from exchange_api.routes.requests import request_public

    escalated = escalated_at(session, [request]).get(request.id)
    return request_public(request, grant_of(session, request), escalated=escalated).model_dump(
        mode="json"
    )


@requests_app.command("list")
def list_requests(
    overdue: bool = typer.Option(False, "--overdue", help="Only those past their deadline."),
) -> None:
    """The requests this account may see, with their deadlines."""
    from catalog.models import utcnow
    from catalog.requests import list_requests as listed

    now = utcnow()
    with _acting() as (session, principal, _):
        rows = [
            _request_json(session, r)
            for r in listed(session, principal, now=now)
            if not overdue or r.awaits_an_overdue_answer(now)
        ]
    _print(rows)


@requests_app.command("show")
def show_request(request_id: int) -> None:
    """One request, its objections and its grant."""
    from catalog.requests import get_request

    with _acting() as (session, principal, _):
        _print(_request_json(session, get_request(session, request_id, principal)))


@requests_app.command("file")
def file_request(
    dataset: str,
    field: list[str] = typer.Option(..., "--field", help="A field to ask for (repeat)."),
    purpose: str = typer.Option(..., "--purpose", help="用途: why the data is needed."),
    scenario: str = typer.Option("", "--scenario", help="应用场景"),
    legal_basis: str = typer.Option("", "--legal-basis", help="依据: the legal duty."),
    mode: list[str] = typer.Option(["query"], "--mode", help="Access mode (repeat)."),
    match: list[str] = typer.Option([], "--match", help="A masked field to match (repeat)."),
    filters: list[str] = typer.Option([], "--filter", help=FILTER_HELP),
    quota: int | None = typer.Option(None, "--quota", help="Row quota."),
    expires: str | None = typer.Option(None, "--expires", help="YYYY-MM-DD or ISO timestamp."),
    replaces: int | None = typer.Option(None, "--replaces", help="A grant this one replaces."),
) -> None:
    """File a share request; unconditional datasets are granted at once."""
    from catalog import requests

    with _acting() as (session, principal, rules):
        request = requests.file_request(
            session,
            principal,
            dataset,
            field,
            purpose,
            scenario=scenario,
            legal_basis=legal_basis,
            access_modes=mode,
            match_fields=match,
            row_filter=conditions_of(filters),
            quota_rows=quota,
            expires_at=_expiry(expires),
            replaces_grant_id=replaces,
            rules=rules,
        )
        session.commit()
        _print(_request_json(session, request))


@requests_app.command("approve")
def approve(
    request_id: int,
    reason: str = typer.Option("", "--reason"),
    field: list[str] = typer.Option([], "--field", help="Narrow to these fields (repeat)."),
    mode: list[str] = typer.Option([], "--mode", help="Narrow to these modes (repeat)."),
    match: list[str] | None = typer.Option(None, "--match", help="Narrow the match keys."),
    filters: list[str] = typer.Option([], "--filter", help=FILTER_HELP),
    quota: int | None = typer.Option(None, "--quota", help="A smaller row quota."),
    expires: str | None = typer.Option(None, "--expires", help="An earlier expiry."),
) -> None:
    """Approve a pending request as asked, or narrowed (never widened)."""
    from catalog import requests

    with _acting() as (session, principal, rules):
        grant = requests.approve_request(
            session,
            principal,
            request_id,
            reason=reason,
            fields=field or None,
            access_modes=mode or None,
            match_fields=match,
            row_filter=conditions_of(filters),
            quota_rows=quota,
            expires_at=_expiry(expires),
            rules=rules,
        )
        session.commit()
        _print(_request_json(session, grant.request))


@requests_app.command("refuse")
def refuse(request_id: int, reason: str = typer.Option(..., "--reason")) -> None:
    """Refuse a pending request, saying why."""
    from catalog import requests

    with _acting() as (session, principal, _):
        request = requests.refuse_request(session, principal, request_id, reason=reason)
        session.commit()
        _print(_request_json(session, request))


@requests_app.command("withdraw")
def withdraw(request_id: int, reason: str = typer.Option("", "--reason")) -> None:
    """Withdraw my department's pending request."""
    from catalog import requests

    with _acting() as (session, principal, _):
        request = requests.withdraw_request(session, principal, request_id, reason=reason)
        session.commit()
        _print(_request_json(session, request))


@requests_app.command("object")
def object_to(request_id: int, reason: str = typer.Option(..., "--reason")) -> None:
    """Object (异议) to the refusal of my department's request."""
    from catalog.objections import file_objection

    with _acting() as (session, principal, rules):
        objection = file_objection(session, principal, request_id, reason, rules=rules)
        session.commit()
        _print(_request_json(session, objection.request))


@requests_app.command("answer")
def answer(
    request_id: int,
    objection_id: int,
    uphold: bool = typer.Option(..., "--uphold/--dismiss", help="Reopen, or let it stand."),
    text: str = typer.Option(..., "--answer", help="The answer, on the record."),
) -> None:
    """Answer an objection to a refusal of my department's dataset."""
    from catalog.objections import answer_objection

    with _acting() as (session, principal, rules):
        objection = answer_objection(
            session,
            principal,
            objection_id,
            request_id=request_id,
            uphold=uphold,
            answer=text,
            rules=rules,
        )
        session.commit()
        _print(_request_json(session, objection.request))


def _grant_json(grant: Any) -> dict[str, Any]:
    from exchange_api.routes.requests import grant_public

    return grant_public(grant).model_dump(mode="json")


@grants_app.command("list")
def list_grants() -> None:
    """The grants this account may see."""
    from catalog.grants import list_grants as listed

    with _acting() as (session, principal, _):
        _print([_grant_json(g) for g in listed(session, principal)])


@grants_app.command("revoke")
def revoke(grant_id: int, reason: str = typer.Option(..., "--reason")) -> None:
    """Revoke a grant of my department's dataset at once."""
    from catalog.grants import revoke_grant

    with _acting() as (session, principal, _):
        grant = revoke_grant(session, principal, grant_id, reason)
        session.commit()
        _print(_grant_json(grant))


@grants_app.command("renew")
def renew(
    grant_id: int,
    expires: str | None = typer.Option(None, "--expires", help="YYYY-MM-DD or ISO timestamp."),
) -> None:
    """Ask for a grant my department holds again, on the same terms."""
    from catalog.grants import renew_grant

    with _acting() as (session, principal, rules):
        request = renew_grant(
            session, principal, grant_id, expires_at=_expiry(expires), rules=rules
        )
        session.commit()
        _print(_request_json(session, request))
