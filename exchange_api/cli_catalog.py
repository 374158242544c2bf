"""``zhongtai department …`` and ``zhongtai dataset …``: the catalog's departments and dataset
contracts from the console.

Each command acts as the account whose token is in ``ZHONGTAI_TOKEN`` (or is typed at the
prompt, unechoed) and goes through the same functions, access decision and audit as the API:
``department add`` is an admin's; ``dataset register`` / ``revise`` a publisher's or steward's
of the contract's owner department. ``dataset revise --dry-run`` lists the grants the revision
would narrow or revoke and changes nothing. A refusal or bad input prints its stable code and
exits 2 (``zhongtai``'s one error path).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from catalog.settings import get_settings
from exchange_api.cli_accounts import acting_principal

__all__ = ["dataset_app", "department_app"]

department_app = typer.Typer(help="Departments: add one (admins), list them.", no_args_is_help=True)
dataset_app = typer.Typer(
    help="Dataset contracts: register, revise (with --dry-run), list, versions.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)

ContractFile = Annotated[
    Path,
    typer.Argument(exists=True, dir_okay=False, readable=True, help="The contract YAML file."),
]


def _sessions() -> sessionmaker[Session]:
    from catalog.db import make_engine, make_sessionmaker

    return make_sessionmaker(make_engine(get_settings().resolved_catalog_url))


def _read(path: Path) -> bytes:
    from schemas.contract_text import MAX_CONTRACT_BYTES, ContractError

    if path.stat().st_size > MAX_CONTRACT_BYTES:
        raise ContractError(
            f"{path.name}: a contract may be at most {MAX_CONTRACT_BYTES} bytes",
            code="contract.too_large",
        )
    return path.read_bytes()


@department_app.command("add")
def department_add(code: str, name: str, region: str) -> None:
    """Add department CODE called NAME in the GB/T 2260 division REGION (admins only)."""
    from catalog.departments import add_department
    from catalog.guard import keeping_refusals

    with _sessions()() as session, keeping_refusals(session):
        actor = acting_principal(session)
        department = add_department(session, actor, code, name, region)
        session.commit()
        console.print(f"department {department.code} {department.name} ({department.region_code})")


@department_app.command("list")
def department_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every department of the catalog."""
    from catalog.departments import list_departments
    from catalog.guard import keeping_refusals

    with _sessions()() as session, keeping_refusals(session):
        acting_principal(session)
        rows: list[dict[str, Any]] = [
            {"code": d.code, "name": d.name, "region_code": d.region_code}
            for d in list_departments(session)
        ]
        session.commit()
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    table = Table("code", "name", "region")
    for row in rows:
        table.add_row(row["code"], row["name"], row["region_code"])
    console.print(table)


@dataset_app.command("register")
def dataset_register(path: ContractFile) -> None:
    """Register a new dataset from its contract file (version 1)."""
    from catalog.contracts import register_dataset
    from catalog.guard import keeping_refusals

    raw = _read(path)
    with _sessions()() as session, keeping_refusals(session):
        actor = acting_principal(session)
        dataset = register_dataset(session, raw, actor)
        session.commit()
        console.print(
            f"registered {dataset.code} version {dataset.version}, "
            f"resource code {dataset.resource_code}"
        )


def _effects_table(effects: Any) -> Table:
    table = Table("grant", "grantee department", "effect", "fields dropped", "reason")
    for e in effects:
        table.add_row(
            str(e.grant_id),
            str(e.grantee_department_id),
            e.effect,
            ", ".join(e.fields_dropped + e.match_fields_dropped),
            e.reason,
        )
    return table


@dataset_app.command("revise")
def dataset_revise(
    path: ContractFile,
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the affected grants only."),
) -> None:
    """Revise a dataset from its changed contract file; its live grants follow at once."""
    from catalog.contracts import revise_dataset
    from catalog.guard import keeping_refusals

    raw = _read(path)
    with _sessions()() as session, keeping_refusals(session):
        actor = acting_principal(session)
        revision = revise_dataset(session, raw, actor, dry_run=dry_run)
        if dry_run:
            session.rollback()
        else:
            session.commit()
        code = revision.dataset.code
        if revision.unchanged:
            console.print(f"{code}: unchanged (version {revision.version})")
            return
        verb = "would become" if dry_run else "is now"
        console.print(f"{code} {verb} version {revision.version}: {revision.change.summary()}")
        if revision.effects:
            console.print(_effects_table(revision.effects))
        else:
            console.print("no live grant is affected")


@dataset_app.command("list")
def dataset_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every dataset of the catalog with its resource code, owner, share type and version."""
    from catalog.datasets import list_datasets
    from catalog.guard import keeping_refusals

    with _sessions()() as session, keeping_refusals(session):
        acting_principal(session)
        rows: list[dict[str, Any]] = [
            {
                "code": d.code,
                "resource_code": d.resource_code,
                "title_zh": d.title_zh,
                "owner_department": d.owner.code,
                "share_type": d.share_type.value,
                "classification": d.classification,
                "version": d.version,
            }
            for d in list_datasets(session)
        ]
        session.commit()
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    table = Table("code", "resource code", "title", "owner", "share type", "version")
    for r in rows:
        table.add_row(
            r["code"],
            r["resource_code"] or "",
            r["title_zh"],
            r["owner_department"],
            r["share_type"],
            str(r["version"]),
        )
    console.print(table)


@dataset_app.command("versions")
def dataset_versions(
    code: str, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Every version of a dataset's contract: when, by whom, SHA-256, what changed."""
    from catalog import actions as act
    from catalog.contracts import list_versions
    from catalog.datasets import get_dataset
    from catalog.guard import ensure, keeping_refusals
    from catalog.resources import DatasetTerms

    with _sessions()() as session, keeping_refusals(session):
        actor = acting_principal(session)
        ensure(session, actor, act.DATASET_VIEW, DatasetTerms.of(get_dataset(session, code)))
        rows: list[dict[str, Any]] = [
            {
                "version": v.version,
                "registered_at": v.registered_at.isoformat(),
                "registered_by": v.registered_by,
                "contract_sha256": v.contract_sha256,
                "change_summary": v.change_summary,
            }
            for v in list_versions(session, code)
        ]
        session.commit()
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    table = Table("version", "registered at", "by", "SHA-256", "change")
    for r in rows:
        table.add_row(
            str(r["version"]),
            r["registered_at"][:19],
            r["registered_by"],
            r["contract_sha256"][:12],
            r["change_summary"],
        )
    console.print(table)
