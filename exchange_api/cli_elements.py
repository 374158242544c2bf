"""``zhongtai element add|list|seed`` and ``zhongtai codelist add|list|show``: the data-element
registry (数据元, 代码表) from a terminal.

Each acts as the account whose token is in ``ZHONGTAI_TOKEN`` (or is asked for, unechoed) and
calls ``catalog.elements`` — the library the API and the portal call — so the same decision
(``element.manage``: admins; ``element.view``: any account) and the same audit apply. A refusal
or bad input exits 2 with its stable code (``role.admin_required``, ``code_list.duplicate_code``
…, the line of a bad file in the message). ``element seed`` loads the shipped files as the
platform itself (as ``zhongtai init`` does) and exits 1 when a shipped file differs from what
the catalog holds (the catalog is kept; see ``catalog.element_seed``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from catalog.settings import get_settings
from exchange_api.cli_accounts import acting_session

__all__ = ["codelist_app", "element_app", "print_seed_report"]

element_app = typer.Typer(
    help="Data elements (数据元): list them; admins add one from a YAML file.",
    no_args_is_help=True,
)
codelist_app = typer.Typer(
    help="Code lists (代码表): list and show them; admins add one from a CSV file.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)

_JSON = typer.Option(False, "--json", help="Print JSON, as the API answers.")


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _read(path: Path) -> bytes:
    if not path.is_file():
        err.print(f"[red]no such file: {path}[/red]")
        raise typer.Exit(2)
    return path.read_bytes()


@element_app.command("add")
def element_add(
    file: Path = typer.Argument(
        ..., help="A YAML file defining one element (as in schemas/elements)."
    ),
) -> None:
    """Add the data element FILE defines (admins). Its check must be one the quality engine
    knows; a code list it names must already be in the catalog."""
    import yaml

    from catalog.elements import add_element
    from catalog.errors import InvalidInput
    from exchange_api.element_payloads import element_out

    raw = _read(file)
    try:
        spec = yaml.safe_load(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        message = f"{file.name}: not a UTF-8 YAML file: {exc}"
        raise InvalidInput(message, code="element.invalid") from None
    with acting_session() as (session, principal):
        row = add_element(session, spec, principal)
        session.commit()
        out = element_out(row)
    err.print(f"added data element {out.code} ({out.name_zh}, {out.check})")


@element_app.command("list")
def element_list(as_json: bool = _JSON) -> None:
    """Every data element the catalog holds."""
    from catalog.elements import list_elements
    from exchange_api.element_payloads import element_out

    with acting_session() as (session, principal):
        found = [element_out(row) for row in list_elements(session, principal)]
    if as_json:
        _echo_json([e.model_dump(mode="json") for e in found])
        return
    table = Table(title="数据元 data elements")
    for header in ("code", "名称", "standard", "version", "type", "check", "personal", "origin"):
        table.add_column(header, overflow="fold")
    for e in found:
        table.add_row(
            e.code, e.name_zh, e.standard, e.version, e.duckdb_type, e.check,
            "yes" if e.personal else "", e.origin,
        )  # fmt: skip
    console.print(table)


def print_seed_report(report: Any, out: Console) -> bool:
    """Print what a seed did; True when something shipped was refused."""
    out.print(
        f"shipped standards: {len(report.added)} added, {len(report.completed)} completed, "
        f"{len(report.unchanged)} unchanged"
    )
    for name in report.refused:
        out.print(
            f"[yellow]refused {name}: the shipped file differs from the catalog's definition, "
            "which is kept; add the revision under a new name[/yellow]"
        )
    return bool(report.refused)


@element_app.command("seed")
def element_seed() -> None:
    """Load the shipped data elements and code lists into the catalog (idempotent; as
    ``zhongtai init``). Exits 1 when a shipped file differs from what the catalog holds."""
    from catalog.db import init_catalog
    from catalog.element_seed import seed_shipped

    factory = init_catalog(get_settings().resolved_catalog_url)
    try:
        with factory() as session:
            report = seed_shipped(session)
            session.commit()
    finally:
        factory.kw["bind"].dispose()
    if print_seed_report(report, err):
        raise typer.Exit(1)


@codelist_app.command("add")
def codelist_add(
    name: str = typer.Argument(..., help="The list's name: lower-case letters, digits and _."),
    file: Path = typer.Argument(..., help="CSV with the header code,label[,parent]; UTF-8 or GBK."),
    title: str = typer.Option("", "--title", help="The list's title, e.g. 人的性别代码."),
    standard: str = typer.Option("", "--standard", help="The standard it comes from."),
    version: str = typer.Option("", "--version", help="The standard's version."),
) -> None:
    """Add the code list NAME from FILE (admins). A malformed file is refused whole, naming
    the line and the reason; nothing is stored."""
    from catalog.elements import add_code_list

    data = _read(file)
    with acting_session() as (session, principal):
        added = add_code_list(
            session, name, data, principal, title=title, standard=standard, version=version
        )
        session.commit()
        err.print(f"added code list {added.name}: {added.entry_count} codes")


@codelist_app.command("list")
def codelist_list(as_json: bool = _JSON) -> None:
    """Every code list the catalog holds (without their codes)."""
    from catalog.elements import list_code_lists
    from exchange_api.element_payloads import code_list_out

    with acting_session() as (session, principal):
        found = [code_list_out(c) for c in list_code_lists(session, principal)]
    if as_json:
        _echo_json([c.model_dump(mode="json") for c in found])
        return
    table = Table(title="代码表 code lists")
    for header in ("name", "title", "standard", "version", "codes", "origin", "added"):
        table.add_column(header, overflow="fold")
    for c in found:
        added = c.added_at.isoformat(timespec="seconds")
        table.add_row(c.name, c.title, c.standard, c.version, str(c.entries), c.origin, added)
    console.print(table)


@codelist_app.command("show")
def codelist_show(name: str, as_json: bool = _JSON) -> None:
    """The codes of the list NAME, with their labels."""
    from catalog.elements import get_code_list
    from exchange_api.element_payloads import code_list_detail

    with acting_session() as (session, principal):
        detail = code_list_detail(get_code_list(session, principal, name))
    if as_json:
        _echo_json(detail.model_dump(mode="json"))
        return
    table = Table(title=f"{detail.name} · {detail.title}")
    for header in ("code", "label", "parent"):
        table.add_column(header, overflow="fold")
    for entry in detail.codes:
        table.add_row(entry.code, entry.label, entry.parent)
    console.print(table)
