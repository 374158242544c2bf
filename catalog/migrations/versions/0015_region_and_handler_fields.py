"""Row-scoped sharing: ``datasets.region_field``, the GB/T 2260 field a dataset's rows are
returned to lower levels by (数据回流, ``catalog.regions``), and ``datasets.handler_field``, the
field naming the department that handles a row, which alone sees the row's personal fields
unmasked (民呼我为, ``catalog.read_plan``); NULL for a dataset that names none.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Natively, not in a batch: a batch "move and copy" would drop and re-create ``datasets``,
# which the tables pointing at it refuse (SQLite >= 3.35 adds and drops a column in place).


def upgrade() -> None:
    op.add_column("datasets", sa.Column("region_field", sa.String(length=64), nullable=True))
    op.add_column("datasets", sa.Column("handler_field", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("datasets", "handler_field")
    op.drop_column("datasets", "region_field")
