"""Audit events carry one envelope for every kind of act; checkpoints become append-only.

- ``audit_events`` gains ``format`` (how its hash is computed: existing events keep format 1 and
  their original hashes, so the chain written before this revision verifies unchanged; new events
  are format 2) and the envelope columns ``object``, ``purpose``, ``params_sha256``,
  ``rows_sent``, ``bytes_sent`` and ``content_sha256``, indexed for the auditor's filters;
- on PostgreSQL the sequence numbers (``audit_events.id``, ``audit_checkpoints.last_event_id``)
  become BIGINT: at 20,000 events a second, 32 bits would run out in 30 hours;
- ``audit_checkpoints`` refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL) by trigger, as
  ``audit_events`` has since 0001: a signed checkpoint cannot be quietly withdrawn.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKPOINTS_APPEND_ONLY = "audit_checkpoints is append-only"

_SQLITE_TRIGGERS: tuple[str, ...] = (
    f"""
    CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
    BEGIN SELECT RAISE(ABORT, '{CHECKPOINTS_APPEND_ONLY}'); END
    """,
    f"""
    CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
    BEGIN SELECT RAISE(ABORT, '{CHECKPOINTS_APPEND_ONLY}'); END
    """,
)

_POSTGRESQL_TRIGGERS: tuple[str, ...] = (
    f"""
    CREATE FUNCTION audit_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{CHECKPOINTS_APPEND_ONLY}' USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_append_only()
    """,
    """
    CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_append_only()
    """,
)

_ENVELOPE: tuple[sa.Column[object], ...] = (
    sa.Column("format", sa.Integer(), nullable=False, server_default="1"),
    sa.Column("object", sa.String(length=120), nullable=False, server_default=""),
    sa.Column("purpose", sa.Text(), nullable=False, server_default=""),
    sa.Column("params_sha256", sa.String(length=64), nullable=False, server_default=""),
    sa.Column("rows_sent", sa.Integer(), nullable=True),
    sa.Column("bytes_sent", sa.BigInteger(), nullable=True),
    sa.Column("content_sha256", sa.String(length=64), nullable=False, server_default=""),
)

_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ix_audit_events_action_time", ("action", "occurred_at")),
    ("ix_audit_events_time", ("occurred_at",)),
    ("ix_audit_events_department", ("actor_department_id", "occurred_at")),
    ("ix_audit_events_dataset", ("dataset_id", "occurred_at")),
    ("ix_audit_events_grant", ("grant_id", "occurred_at")),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # SQLite's INTEGER is 64-bit already
        op.alter_column("audit_events", "id", type_=sa.BigInteger(), existing_nullable=False)
        op.alter_column(
            "audit_checkpoints", "last_event_id", type_=sa.BigInteger(), existing_nullable=False
        )
    # Plain ADD COLUMN (not batch mode): SQLite would otherwise copy the table, and the copy
    # would have to pass the append-only triggers. Adding a column fires no row trigger.
    for column in _ENVELOPE:
        op.add_column("audit_events", column)
    for name, columns in _INDEXES:
        op.create_index(name, "audit_events", list(columns))
    op.create_index("ix_audit_checkpoints_last_event", "audit_checkpoints", ["last_event_id"])
    dialect = op.get_bind().dialect.name
    statements = _SQLITE_TRIGGERS if dialect == "sqlite" else _POSTGRESQL_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_truncate ON audit_checkpoints")
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_append_only ON audit_checkpoints")
        op.execute("DROP FUNCTION IF EXISTS audit_checkpoints_append_only()")
    op.drop_index("ix_audit_checkpoints_last_event", table_name="audit_checkpoints")
    for name, _ in _INDEXES:
        op.drop_index(name, table_name="audit_events")
    for column in reversed(_ENVELOPE):
        op.drop_column("audit_events", column.name)
    if dialect == "postgresql":
        op.alter_column("audit_events", "id", type_=sa.Integer(), existing_nullable=False)
        op.alter_column(
            "audit_checkpoints", "last_event_id", type_=sa.Integer(), existing_nullable=False
        )
