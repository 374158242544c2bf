"""The ``zhongtai audit`` group: verify the chain (live or an evidence bundle), sign checkpoints,
manage the signing key, export evidence.

Commands live in their own modules and attach themselves to :data:`audit_app`;
``exchange_api.cli`` imports those modules so the commands are registered.
"""

from __future__ import annotations

import typer

__all__ = ["audit_app"]

audit_app = typer.Typer(
    help="The audit log: verify it (live or an exported bundle), sign checkpoints, manage the "
    "signing key, export evidence.",
    no_args_is_help=True,
)
key_app = typer.Typer(help="The audit signing key: create, rotate, show.", no_args_is_help=True)
audit_app.add_typer(key_app, name="key")
