"""The ``zhongtai exchange`` group: receiving shared data from scripts (pull, verify, subscribe).

Each mode's commands live in their own module and attach themselves to :data:`exchange_app`;
``exchange_api.cli`` imports those modules so the commands are registered.
"""

from __future__ import annotations

import typer

__all__ = ["exchange_app"]

exchange_app = typer.Typer(
    help="Receive shared data through a grant: pull (bulk), verify (核验), subscribe.",
    no_args_is_help=True,
)
