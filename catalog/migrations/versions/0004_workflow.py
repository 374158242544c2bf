"""The request workflow: reply deadlines in working days, and objections (异议) to refusals.

- ``share_requests.reply_due_at`` / ``reply_due_provisional``: when the owner must answer a
  conditional request, counted on the official calendar; provisional when a day of it fell in a
  year the calendar does not know;
- ``request_objections``: a requester's objection to a refusal, with its own deadline, and the
  owner's answer (upheld: the request is open again; dismissed: the refusal stands);
- row quotas and the rows a grant has delivered become 64-bit: ``INTEGER`` is 32-bit on
  PostgreSQL, and a grant without a quota would overflow it after 2^31 rows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("grants") as batch:
        batch.alter_column("quota_rows", existing_type=sa.Integer(), type_=sa.BigInteger())
        batch.alter_column(
            "rows_used", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False
        )
    with op.batch_alter_table("share_requests") as batch:
        batch.alter_column("quota_rows", existing_type=sa.Integer(), type_=sa.BigInteger())
        batch.add_column(sa.Column("reply_due_at", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column(
                "reply_due_provisional", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.create_table(
        "request_objections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("share_requests.id"), nullable=False),
        sa.Column(
            "filed_by_account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("filed_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "answered_by_account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True
        ),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("request_objections")
    with op.batch_alter_table("share_requests") as batch:
        batch.drop_column("reply_due_provisional")
        batch.drop_column("reply_due_at")
        batch.alter_column("quota_rows", existing_type=sa.BigInteger(), type_=sa.Integer())
    with op.batch_alter_table("grants") as batch:
        batch.alter_column(
            "rows_used", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False
        )
        batch.alter_column("quota_rows", existing_type=sa.BigInteger(), type_=sa.Integer())
