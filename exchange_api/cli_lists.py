"""``zhongtai responsibility …`` and ``zhongtai demand …``: the responsibility list (责任清单) and
the demand list (需求清单) from a terminal.

Each command acts as the account whose token is in ``ZHONGTAI_TOKEN`` (or is asked for,
unechoed), through the same library functions — so the same access decision and audit — as the
API. ``--json`` prints exactly what the API answers; otherwise a table or a line. A refused act
is audited; a domain error prints its stable code and exits 2 (``exchange_api.cli.main``).
"""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from exchange_api.cli_accounts import acting_session

__all__ = ["demand_app", "responsibility_app"]

responsibility_app = typer.Typer(
    help="The responsibility list (责任清单): add, list, link to a dataset, retire.",
    no_args_is_help=True,
)
demand_app = typer.Typer(
    help="The demand list (需求清单): file, list, show, match, request, fulfil, decline.",
    no_args_is_help=True,
)
console = Console()

_JSON = typer.Option(False, "--json", help="Print JSON (as the API answers).")


def _emit(as_json: bool, value: Any, line: str) -> None:
    if as_json:
        console.print_json(json.dumps(value, ensure_ascii=False, default=str))
    else:
        console.print(line, highlight=False, markup=False)


# --- the responsibility list ---------------------------------------------------------------------


def _duty_json(item: Any) -> dict[str, Any]:
    from exchange_api.list_payloads import responsibility_public

    return responsibility_public(item).model_dump(mode="json")


def _duty_line(verb: str, row: dict[str, Any]) -> str:
    dataset = row["dataset"] or "—"
    return (
        f"{verb} responsibility {row['id']} of {row['department']}: {row['title_zh']} → {dataset}"
    )


@responsibility_app.command("add")
def responsibility_add(
    department: str = typer.Argument(..., help="The responsible department's code."),
    title_zh: str = typer.Argument(..., help="名称."),
    duty: str = typer.Option(..., "--duty", help="What must be provided."),
    legal_basis: str = typer.Option(..., "--legal-basis", help="The legal basis."),
    cycle: str = typer.Option(..., "--cycle", help="realtime, daily, weekly, monthly, …"),
    min_score: str = typer.Option(..., "--min-score", help="Minimum quality score, 0–100."),
    title_en: str = typer.Option("", "--title-en"),
    as_json: bool = _JSON,
) -> None:
    """Put a duty on a department's responsibility list (admins)."""
    from catalog.responsibilities import add_responsibility

    with acting_session() as (session, principal):
        item = add_responsibility(
            session,
            principal,
            department_code=department,
            title_zh=title_zh,
            title_en=title_en,
            duty=duty,
            legal_basis=legal_basis,
            update_cycle=cycle,
            min_quality_score=min_score,
        )
        session.commit()
        row = _duty_json(item)
    _emit(as_json, row, _duty_line("added", row))


@responsibility_app.command("list")
def responsibility_list(
    department: str | None = typer.Option(None, "--department", help="One department's code."),
    everything: bool = typer.Option(False, "--all", help="Retired items too."),
    as_json: bool = _JSON,
) -> None:
    """The responsibility list (public within the platform)."""
    from catalog.responsibilities import list_responsibilities

    with acting_session() as (session, principal):
        found = list_responsibilities(
            session, principal, department_code=department, include_retired=everything
        )
        rows = [_duty_json(item) for item in found]
    if as_json:
        _emit(True, rows, "")
        return
    table = Table("id", "department", "title", "cycle", "min score", "dataset", "retired")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["department"],
            r["title_zh"],
            r["update_cycle"],
            f"{r['min_quality_score']:g}",
            r["dataset"] or "—",
            (r["retired_at"] or "")[:10],
        )
    console.print(table)


@responsibility_app.command("link")
def responsibility_link(responsibility_id: int, dataset: str, as_json: bool = _JSON) -> None:
    """Link a responsibility to its department's own dataset (its publisher or steward)."""
    from catalog.responsibilities import link_responsibility

    with acting_session() as (session, principal):
        item = link_responsibility(session, principal, responsibility_id, dataset)
        session.commit()
        row = _duty_json(item)
    _emit(as_json, row, _duty_line("linked", row))


@responsibility_app.command("retire")
def responsibility_retire(
    responsibility_id: int,
    reason: str = typer.Option(..., "--reason", help="Why it is retired."),
    as_json: bool = _JSON,
) -> None:
    """Retire a responsibility (admins); it stays on the record."""
    from catalog.responsibilities import retire_responsibility

    with acting_session() as (session, principal):
        item = retire_responsibility(session, principal, responsibility_id, reason)
        session.commit()
        row = _duty_json(item)
    _emit(as_json, row, _duty_line("retired", row))


# --- the demand list -----------------------------------------------------------------------------


def _demand_json(session: Any, principal: Any, item: Any, *, detail: bool) -> dict[str, Any]:
    from catalog.demands import may_see_whole, suggest_datasets
    from catalog.models import utcnow
    from exchange_api.list_payloads import demand_public

    whole = may_see_whole(principal, item, utcnow())
    candidates = suggest_datasets(session, item) if detail and whole else None
    return demand_public(item, whole=whole, candidates=candidates).model_dump(mode="json")


def _demand_line(verb: str, row: dict[str, Any]) -> str:
    dataset = f" → {row['dataset']}" if row["dataset"] else ""
    return f"{verb} demand {row['id']} of {row['requester_department']}: {row['title']}{dataset}"


@demand_app.command("file")
def demand_file(
    title: str = typer.Argument(..., help="What is wanted."),
    scenario: str = typer.Option(..., "--scenario", help="应用场景"),
    legal_duty: str = typer.Option(..., "--legal-duty", help="法定职责 and its legal basis"),
    field: list[str] = typer.Option([], "--field", help="A data item wanted (repeat)."),
    department: str | None = typer.Option(None, "--department", help="Only your own."),
    as_json: bool = _JSON,
) -> None:
    """File a demand for my department (requesters)."""
    from catalog.demands import file_demand

    with acting_session() as (session, principal):
        item = file_demand(
            session,
            principal,
            title=title,
            scenario=scenario,
            legal_duty=legal_duty,
            fields_wanted=field,
            department_code=department,
        )
        session.commit()
        row = _demand_json(session, principal, item, detail=True)
    candidates = ", ".join(row["candidates"] or []) or "none"
    _emit(as_json, row, _demand_line("filed", row) + f" (candidates: {candidates})")


@demand_app.command("list")
def demand_list(
    department: str | None = typer.Option(None, "--department"),
    status: str | None = typer.Option(None, "--status", help="open, matched, requested, …"),
    dataset: str | None = typer.Option(None, "--dataset"),
    as_json: bool = _JSON,
) -> None:
    """The demand list (each demand whole only for its parties)."""
    from catalog.demands import list_demands

    with acting_session() as (session, principal):
        found = list_demands(
            session, principal, department_code=department, status=status, dataset_code=dataset
        )
        rows = [_demand_json(session, principal, item, detail=False) for item in found]
    if as_json:
        _emit(True, rows, "")
        return
    table = Table("id", "department", "title", "status", "dataset", "filed")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["requester_department"],
            r["title"],
            r["status"],
            r["dataset"] or "—",
            r["created_at"][:10],
        )
    console.print(table)


@demand_app.command("show")
def demand_show(demand_id: int, as_json: bool = _JSON) -> None:
    """One demand (whole for its parties, with candidate datasets while it is open)."""
    from catalog.demands import get_demand

    with acting_session() as (session, principal):
        item = get_demand(session, principal, demand_id)
        row = _demand_json(session, principal, item, detail=True)
    lines = [_demand_line(row["status"], row)]
    if row["whole"]:
        lines.append(f"scenario: {row['scenario']}")
        lines.append(f"legal duty: {row['legal_duty']}")
        lines.append(f"fields wanted: {', '.join(row['fields_wanted'] or [])}")
        if row["candidates"]:
            lines.append(f"candidates: {', '.join(row['candidates'])}")
        if row["decline_reason"]:
            lines.append(f"declined: {row['decline_reason']}")
    _emit(as_json, row, "\n".join(lines))


@demand_app.command("match")
def demand_match(demand_id: int, dataset: str, as_json: bool = _JSON) -> None:
    """Match a demand to another department's dataset (its requesters, or admins)."""
    from catalog.demands import match_demand

    with acting_session() as (session, principal):
        item = match_demand(session, principal, demand_id, dataset)
        session.commit()
        row = _demand_json(session, principal, item, detail=False)
    _emit(as_json, row, _demand_line("matched", row))


@demand_app.command("request")
def demand_request(demand_id: int, request_id: int, as_json: bool = _JSON) -> None:
    """Record the share request my department filed for a matched demand."""
    from catalog.demands import record_request

    with acting_session() as (session, principal):
        item = record_request(session, principal, demand_id, request_id)
        session.commit()
        row = _demand_json(session, principal, item, detail=False)
    _emit(as_json, row, _demand_line("requested", row) + f" (request {request_id})")


@demand_app.command("fulfil")
def demand_fulfil(demand_id: int, as_json: bool = _JSON) -> None:
    """Mark a demand fulfilled once its share request is approved (the dataset's owner)."""
    from catalog.demands import fulfil_demand

    with acting_session() as (session, principal):
        item = fulfil_demand(session, principal, demand_id)
        session.commit()
        row = _demand_json(session, principal, item, detail=False)
    _emit(as_json, row, _demand_line("fulfilled", row))


@demand_app.command("decline")
def demand_decline(
    demand_id: int,
    reason: str = typer.Option(..., "--reason", help="Why it cannot be met."),
    as_json: bool = _JSON,
) -> None:
    """Decline a demand, with the reason (the matched dataset's owner, or admins)."""
    from catalog.demands import decline_demand

    with acting_session() as (session, principal):
        item = decline_demand(session, principal, demand_id, reason)
        session.commit()
        row = _demand_json(session, principal, item, detail=False)
    _emit(as_json, row, _demand_line("declined", row))
