"""The lineage graph: ``lineage_edges``, one input→output edge of each stored OpenLineage event
(``catalog.lineage_edges``), indexed from both ends, and the edges of the events stored before it
derived here (the backfill ``zhongtai lineage rebuild`` runs too).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from catalog.lineage_edges import backfill

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lineage_edges",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=400), nullable=False),
        sa.Column("source_field", sa.String(length=120), server_default="", nullable=False),
        sa.Column("target", sa.String(length=400), nullable=False),
        sa.Column("target_field", sa.String(length=120), server_default="", nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("event_time", sa.DateTime(), nullable=False),
        sa.Column("snapshot_id", sa.BigInteger(), nullable=True),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column("department", sa.String(length=32), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["lineage_events.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_lineage_edges_source", "lineage_edges", ["source", "source_field", "target"]
    )
    op.create_index(
        "ix_lineage_edges_target", "lineage_edges", ["target", "target_field", "source"]
    )
    op.create_index("ix_lineage_edges_source_time", "lineage_edges", ["source", "event_time"])
    op.create_index("ix_lineage_edges_event", "lineage_edges", ["event_id"])
    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table("lineage_edges")
