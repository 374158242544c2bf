"""``zhongtai config``: what the settings are, and whether production would start with them."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from catalog.settings import get_settings
from catalog.settings_checks import findings
from catalog.settings_view import airflow_environment, effective_settings

config_app = typer.Typer(
    help="The effective settings, and the checks production starts with.", no_args_is_help=True
)
console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@config_app.command("check")
def check(
    production: bool = typer.Option(
        False, "--production", help="Check as if ZHONGTAI_ENVIRONMENT were production."
    ),
) -> None:
    """List every insecure or unfit setting with what to change. Exit 1 when a process would
    refuse to start (production, or --production), else 0; warnings never fail."""
    settings = get_settings()
    strict = production or settings.environment == "production"
    found = findings(settings)
    for finding in found:
        style = "red" if finding.refuse and strict else "yellow"
        console.print(f"[{style}]{escape(finding.line())}[/{style}]")
    refused = [f for f in found if f.refuse]
    if refused and strict:
        err.print(f"[red]{len(refused)} setting(s) to change before production starts[/red]")
        raise typer.Exit(1)
    if refused:
        console.print(
            f"environment {settings.environment}: not refused here; production would refuse "
            f"{len(refused)} (zhongtai config check --production)"
        )
    elif not found:
        console.print("settings: no findings")


@config_app.command("show")
def show() -> None:
    """Print the effective settings as ZHONGTAI_NAME=value lines, secrets and passwords as ***."""
    for name, value in effective_settings(get_settings()).items():
        console.print(escape(f"{name}={value}"))


@config_app.command("airflow-env")
def airflow_env() -> None:
    """Print the AIRFLOW_* variables (NAME=value lines) that give Airflow the executor and
    metadata database the settings choose; infra/airflow.sh exports them."""
    for name, value in airflow_environment(get_settings()).items():
        typer.echo(f"{name}={value}")
