"""Quality reports: the snapshot they are bound to, batch-level findings, a sign-off note.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("quality_reports") as batch:
        batch.add_column(
            sa.Column("batch_findings", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch.add_column(sa.Column("snapshot_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sign_off_note", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("quality_reports") as batch:
        batch.drop_column("sign_off_note")
        batch.drop_column("snapshot_id")
        batch.drop_column("batch_findings")
