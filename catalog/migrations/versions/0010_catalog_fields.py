"""The national catalog fields of a dataset (GB/T 21063: resource code, classification, provider,
format, share conditions and methods, open conditions, publication date, related resources, tags,
contract version) and ``dataset_versions``, every contract text a dataset was registered with.

Existing datasets keep a ``NULL`` resource code until their next registration or revision gives
them one by the rule of :mod:`schemas.catalog_fields`.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EMPTY_LIST = sa.text("'[]'")


def upgrade() -> None:
    # Column by column, in place (SQLite adds a column natively): a batch "move and copy"
    # would drop and re-create ``datasets``, which the tables pointing at it refuse.
    columns: list[sa.Column[Any]] = [
        sa.Column("resource_code", sa.String(length=64), nullable=True)
    ]
    for name, length in (("classification", 20), ("provider_code", 32), ("resource_format", 100)):
        columns.append(sa.Column(name, sa.String(length=length), server_default="", nullable=False))
    for name in ("share_conditions", "open_conditions"):
        columns.append(sa.Column(name, sa.Text(), server_default="", nullable=False))
    for name in ("share_method", "related_resources", "tags"):
        columns.append(sa.Column(name, sa.JSON(), server_default=_EMPTY_LIST, nullable=False))
    columns.append(sa.Column("publication_date", sa.Date(), nullable=True))
    columns.append(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
    for column in columns:
        op.add_column("datasets", column)
    op.create_index("ix_datasets_resource_code", "datasets", ["resource_code"], unique=True)
    op.create_table(
        "dataset_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("contract_text", sa.Text(), nullable=False),
        sa.Column("contract_sha256", sa.String(length=64), nullable=False),
        sa.Column("registered_by_account_id", sa.Integer(), nullable=True),
        sa.Column("registered_by", sa.String(length=200), server_default="", nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("change_summary", sa.Text(), server_default="", nullable=False),
        sa.Column("changes", sa.JSON(), server_default=sa.text("'{}'"), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"]),
        sa.ForeignKeyConstraint(["registered_by_account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dataset_id", "version", name="uq_dataset_versions"),
    )
    op.create_index("ix_dataset_versions_dataset_id", "dataset_versions", ["dataset_id"])


def downgrade() -> None:
    op.drop_table("dataset_versions")
    op.drop_index("ix_datasets_resource_code", table_name="datasets")
    # Column by column, natively (SQLite >= 3.35 drops a column in place): a batch "move and
    # copy" would drop and re-create ``datasets``, which the tables pointing at it refuse.
    for name in (
        "version",
        "publication_date",
        "tags",
        "related_resources",
        "share_method",
        "open_conditions",
        "share_conditions",
        "resource_format",
        "provider_code",
        "classification",
        "resource_code",
    ):
        op.execute(sa.text(f"ALTER TABLE datasets DROP COLUMN {name}"))
