"""Access: primary keys and mask specs from the catalog, match keys, grants that supersede.

- ``datasets.primary_key``: the contract's key, so reads order (and refuse to order) from the
  catalog row rather than a contract file cached in the process;
- ``fields.mask`` widened to 40 characters for parametrised mask specs (``keep:6:4``);
- ``share_requests.match_fields`` / ``grants.match_fields``: masked fields the grantee may match
  exactly, one value per call;
- ``share_requests.replaces_grant_id`` / ``grants.superseded_by_grant_id``: a new grant replaces
  an earlier one only when the request says so, and the earlier one records by which;
- ``grants.revoke_reason``: why a grant was revoked (or superseded).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EMPTY_LIST = sa.text("'[]'")


def upgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(
            sa.Column("primary_key", sa.JSON(), nullable=False, server_default=_EMPTY_LIST)
        )
    with op.batch_alter_table("fields") as batch:
        batch.alter_column("mask", existing_type=sa.String(length=24), type_=sa.String(length=40))
    with op.batch_alter_table("share_requests") as batch:
        batch.add_column(
            sa.Column("match_fields", sa.JSON(), nullable=False, server_default=_EMPTY_LIST)
        )
        batch.add_column(sa.Column("replaces_grant_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("grants") as batch:
        batch.add_column(
            sa.Column("match_fields", sa.JSON(), nullable=False, server_default=_EMPTY_LIST)
        )
        batch.add_column(
            sa.Column(
                "superseded_by_grant_id",
                sa.Integer(),
                sa.ForeignKey("grants.id", name="fk_grants_superseded_by_grant_id"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("revoke_reason", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("grants") as batch:
        batch.drop_column("revoke_reason")
        batch.drop_column("superseded_by_grant_id")
        batch.drop_column("match_fields")
    with op.batch_alter_table("share_requests") as batch:
        batch.drop_column("replaces_grant_id")
        batch.drop_column("match_fields")
    with op.batch_alter_table("fields") as batch:
        batch.alter_column("mask", existing_type=sa.String(length=40), type_=sa.String(length=24))
    with op.batch_alter_table("datasets") as batch:
        batch.drop_column("primary_key")
