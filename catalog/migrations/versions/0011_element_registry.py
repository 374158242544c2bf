"""The data-element registry: ``data_elements`` holds whole definitions (type, check, params,
default mask, description, where it came from, who added it, when), and code lists live in the
catalog (``code_lists``, ``code_list_entries``) — ``catalog.elements``.

Rows mirrored before this revision keep ``origin = ''`` (an incomplete mirror); the shipped seed
(``zhongtai init``, the demo, ``zhongtai element seed``) completes them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (no foreign key, nothing a SQLite rebuild would need): data_elements is
    # referenced by fields, and a rebuild of a referenced table fails with foreign keys on.
    for column in _columns():
        op.add_column("data_elements", column)
    op.create_table(
        "code_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("standard", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("added_by_account_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["added_by_account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "code_list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_list_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("parent", sa.String(length=64), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["code_list_id"], ["code_lists.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_list_id", "code", name="uq_code_list_entries_code"),
    )


def downgrade() -> None:
    op.drop_table("code_list_entries")
    op.drop_table("code_lists")
    for column in reversed(_columns()):
        op.drop_column("data_elements", column.name)  # SQLite ≥ 3.35: in place, no rebuild


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("duckdb_type", sa.String(length=32), nullable=False, server_default="VARCHAR"),
        sa.Column("params", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("default_mask", sa.String(length=40), nullable=False, server_default="none"),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("origin", sa.String(length=16), nullable=False, server_default=""),
        sa.Column("definition_sha256", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("added_by_account_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=True),
    ]
