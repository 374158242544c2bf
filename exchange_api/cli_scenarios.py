"""``zhongtai scenario …``: scenario requests (应用场景) from a terminal.

``file SPEC.json`` files a scenario whose body is the API's (``ScenarioCreate``: title, purpose,
legal basis, join field, members); ``list`` and ``show`` print what the API answers; ``read``
prints the joined view (JSON page or NDJSON) — the same library functions, access decision and
audit as ``/api/v1/scenarios``. Each member is decided by its owner with ``zhongtai requests
approve|refuse``. The acting account is the one whose token is in ``ZHONGTAI_TOKEN``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from exchange_api.cli_exchange import _acting, _print
from exchange_api.cli_filters import FILTER_HELP

__all__ = ["scenario_app"]

scenario_app = typer.Typer(
    help="Scenario requests (应用场景): file, list, show, read the joined view.",
    no_args_is_help=True,
)


@scenario_app.command("file")
def file_scenario(
    spec: Path = typer.Argument(..., help="A JSON file: the body of POST /api/v1/scenarios."),
) -> None:
    """File a scenario: one share request per dataset of another department, all or none."""
    from exchange_api.routes.scenarios import scenario_public
    from exchange_api.scenario_payloads import ScenarioCreate, file_body

    body = ScenarioCreate.model_validate_json(spec.read_bytes())
    with _acting() as (session, principal, rules):
        scenario = file_body(session, principal, body, rules=rules)
        session.commit()
        _print(scenario_public(session, scenario).model_dump(mode="json"))


@scenario_app.command("list")
def list_scenarios() -> None:
    """The scenarios this account may see, with their status."""
    from catalog import scenarios
    from exchange_api.routes.scenarios import scenario_public

    with _acting() as (session, principal, _):
        rows = [
            scenario_public(session, s).model_dump(mode="json")
            for s in scenarios.list_scenarios(session, principal)
        ]
    _print(rows)


@scenario_app.command("show")
def show_scenario(scenario_id: int) -> None:
    """One scenario with each member's decision and grant."""
    from catalog import scenarios
    from exchange_api.routes.scenarios import scenario_public

    with _acting() as (session, principal, _):
        scenario = scenarios.get_scenario(session, scenario_id, principal)
        _print(scenario_public(session, scenario).model_dump(mode="json"))


@scenario_app.command("read")
def read_scenario(
    scenario_id: int,
    limit: int = typer.Option(1000, min=1, max=10_000),
    offset: int = typer.Option(0, min=0),
    ndjson: bool = typer.Option(False, "--ndjson", help="One JSON row a line."),
    filters: list[str] = typer.Option(  # noqa: B008
        [], "--filter", help="DATASET=" + FILTER_HELP
    ),
) -> None:
    """The joined view: each member's columns as its own grant shows them; audited."""
    from catalog.errors import InvalidInput
    from catalog.settings import get_settings
    from exchange_api.cli_filters import conditions_of
    from exchange_api.scenario_path import read_joined

    per_member: dict[str, list[str]] = {}
    for item in filters:
        code, sep, condition = item.partition("=")
        if not sep or not code:
            raise InvalidInput("--filter is DATASET={...}", code="filter.invalid")
        per_member.setdefault(code, []).append(condition)
    with _acting() as (session, principal, _):
        delivery = read_joined(
            session,
            get_settings(),
            principal,
            scenario_id,
            filters={code: conditions_of(c) for code, c in per_member.items()},
            limit=limit,
            offset=offset,
            fmt="ndjson" if ndjson else "json",
        )
    if ndjson:
        sys.stdout.buffer.write(delivery.body)
        sys.stdout.flush()
    else:
        _print(json.loads(delivery.body))
