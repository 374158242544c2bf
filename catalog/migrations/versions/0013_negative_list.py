"""The negative list (负面清单): ``negative_list_entries``, one row per dataset or field that may
not be shared, with its legal basis, review date and who added or lifted it
(``catalog.negative_tables``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "negative_list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("field_name", sa.String(length=64), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("added_by_account_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("lifted_by_account_id", sa.Integer(), nullable=True),
        sa.Column("lift_reason", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"]),
        sa.ForeignKeyConstraint(["added_by_account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["lifted_by_account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_negative_list_entries_dataset", "negative_list_entries", ["dataset_id", "lifted_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_negative_list_entries_dataset", table_name="negative_list_entries")
    op.drop_table("negative_list_entries")
