"""Scenario requests (应用场景, ``catalog.scenarios``): ``scenario_requests`` — one purpose and
legal duty over several datasets joined on one field — and ``share_requests.scenario_id``, the
scenario a request is a member of (NULL for an ordinary request).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scenario_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("requester_department_id", sa.Integer(), nullable=False),
        sa.Column("filed_by_account_id", sa.Integer(), nullable=False),
        sa.Column("join_field", sa.String(length=64), nullable=False),
        sa.Column("anchor_dataset_id", sa.Integer(), nullable=True),
        sa.Column("anchor_fields", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["requester_department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["filed_by_account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["anchor_dataset_id"], ["datasets.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    # Natively, not in a batch (a batch would re-create ``share_requests``, which grants and
    # objections point at): SQLite adds a nullable column with an inline REFERENCES in place.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE share_requests ADD COLUMN scenario_id INTEGER "
            "CONSTRAINT fk_share_requests_scenario_id REFERENCES scenario_requests (id)"
        )
    else:
        op.add_column("share_requests", sa.Column("scenario_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_share_requests_scenario_id",
            "share_requests",
            "scenario_requests",
            ["scenario_id"],
            ["id"],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE share_requests DROP COLUMN scenario_id")
    else:
        op.drop_constraint("fk_share_requests_scenario_id", "share_requests", type_="foreignkey")
        op.drop_column("share_requests", "scenario_id")
    op.drop_table("scenario_requests")
