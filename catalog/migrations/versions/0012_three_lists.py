"""Two of the three lists (三张清单): the responsibility list and the demand list.

- ``responsibility_items`` (责任清单): what each department must provide, on what legal basis,
  how often and at what minimum quality score, and the dataset linked as fulfilling it; retired,
  never deleted;
- ``demand_items`` (需求清单): what a department asked for, with scenario and legal duty and the
  fields it wants; the matched dataset, the share request filed for it, its status (open,
  matched, requested, fulfilled, declined with a reason) and who did each step when.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "responsibility_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("duty", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        sa.Column("update_cycle", sa.String(length=16), nullable=False),
        sa.Column("min_quality_score", sa.Float(), nullable=False),
        sa.Column("created_by_account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("linked_by_account_id", sa.Integer(), nullable=True),
        sa.Column("linked_at", sa.DateTime(), nullable=True),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("retired_by_account_id", sa.Integer(), nullable=True),
        sa.Column("retire_reason", sa.Text(), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"]),
        sa.ForeignKeyConstraint(["created_by_account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["linked_by_account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["retired_by_account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_responsibility_items_department_id", "responsibility_items", ["department_id"]
    )
    op.create_table(
        "demand_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_department_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("legal_duty", sa.Text(), nullable=False),
        sa.Column("fields_wanted", sa.JSON(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        sa.Column("share_request_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("filed_by_account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("matched_by_account_id", sa.Integer(), nullable=True),
        sa.Column("matched_at", sa.DateTime(), nullable=True),
        sa.Column("requested_by_account_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=True),
        sa.Column("fulfilled_by_account_id", sa.Integer(), nullable=True),
        sa.Column("fulfilled_at", sa.DateTime(), nullable=True),
        sa.Column("declined_by_account_id", sa.Integer(), nullable=True),
        sa.Column("declined_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["requester_department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"]),
        sa.ForeignKeyConstraint(["share_request_id"], ["share_requests.id"]),
        sa.ForeignKeyConstraint(["filed_by_account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["matched_by_account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["requested_by_account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["fulfilled_by_account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["declined_by_account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_demand_items_requester_department_id", "demand_items", ["requester_department_id"]
    )
    op.create_index("ix_demand_items_dataset_id", "demand_items", ["dataset_id"])


def downgrade() -> None:
    op.drop_index("ix_demand_items_dataset_id", table_name="demand_items")
    op.drop_index("ix_demand_items_requester_department_id", table_name="demand_items")
    op.drop_table("demand_items")
    op.drop_index("ix_responsibility_items_department_id", table_name="responsibility_items")
    op.drop_table("responsibility_items")
