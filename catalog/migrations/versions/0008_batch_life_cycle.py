"""Batches: a rejected or failed batch's bytes may be delivered again; the publish intent.

- the unique (dataset_id, source_sha256) becomes a partial unique index
  ``uq_batches_live_source``: at most one batch per bytes that is not ``rejected`` or ``failed``,
  so a retry of a refused delivery is a new batch and the old one stays on record;
- new columns: ``retry_of`` (the batch a retry runs again), ``publish_started_at`` (the publish
  intent, committed before the lake commit), ``source_kind`` (default ``csv``), ``encoding``
  (default ''), ``delivered_by_department_id``; ``size_bytes`` becomes BIGINT.

SQLite cannot drop a constraint written inside CREATE TABLE: the table is rebuilt. Its one child,
``quality_reports``, is copied aside and rebuilt after it, because SQLite (foreign keys on, which
cannot be switched off inside the migration's transaction) refuses to drop a parent table whose
rows are referenced.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = sa.text("status NOT IN ('rejected', 'failed')")
_PG_UNIQUE = "batches_dataset_id_source_sha256_key"
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s_%(column_1_name)s"}
_SQLITE_UNIQUE = "uq_batches_dataset_id_source_sha256"


def _new_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("source_kind", sa.String(length=16), nullable=False, server_default="csv"),
        sa.Column("encoding", sa.String(length=32), nullable=False, server_default=""),
        sa.Column("delivered_by_department_id", sa.Integer(), nullable=True),
        sa.Column("retry_of", sa.Integer(), nullable=True),
        sa.Column("publish_started_at", sa.DateTime(), nullable=True),
    ]


def _foreign_keys(batch: BatchOperations) -> None:
    batch.create_foreign_key(
        "fk_batches_delivered_by_department_id",
        "departments",
        ["delivered_by_department_id"],
        ["id"],
    )
    batch.create_foreign_key("fk_batches_retry_of", "batches", ["retry_of"], ["id"])


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _upgrade_sqlite()
    else:
        op.drop_constraint(_PG_UNIQUE, "batches", type_="unique")
        for column in _new_columns():
            op.add_column("batches", column)
        op.alter_column("batches", "size_bytes", type_=sa.BigInteger(), existing_nullable=False)
        op.create_foreign_key(
            "fk_batches_delivered_by_department_id",
            "batches",
            "departments",
            ["delivered_by_department_id"],
            ["id"],
        )
        op.create_foreign_key("fk_batches_retry_of", "batches", "batches", ["retry_of"], ["id"])
    op.create_index(
        "uq_batches_live_source",
        "batches",
        ["dataset_id", "source_sha256"],
        unique=True,
        sqlite_where=_LIVE,
        postgresql_where=_LIVE,
    )


def _upgrade_sqlite() -> None:
    with _child_set_aside():
        with op.batch_alter_table("batches", recreate="always", naming_convention=_NAMING) as batch:
            batch.drop_constraint(_SQLITE_UNIQUE, type_="unique")
            for column in _new_columns():
                batch.add_column(column)
            batch.alter_column("size_bytes", type_=sa.BigInteger(), existing_nullable=False)
            _foreign_keys(batch)


class _child_set_aside:  # noqa: N801  (used as a context manager, reads as one)
    """Copy ``quality_reports`` aside and drop it; rebuild it, indexes and rows, on exit."""

    def __enter__(self) -> None:
        bind = op.get_bind()
        rows = bind.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'quality_reports' "
            "AND sql IS NOT NULL ORDER BY type DESC"
        ).all()
        self._statements = [str(sql) for _, _, sql in rows]  # the table first, then its indexes
        bind.exec_driver_sql("CREATE TEMP TABLE _qr_aside AS SELECT * FROM quality_reports")
        bind.exec_driver_sql("DROP TABLE quality_reports")

    def __exit__(self, *exc: object) -> None:
        bind = op.get_bind()
        if exc[0] is not None:
            return
        for statement in self._statements:
            bind.exec_driver_sql(statement)
        bind.exec_driver_sql("INSERT INTO quality_reports SELECT * FROM _qr_aside")
        bind.exec_driver_sql("DROP TABLE _qr_aside")
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"foreign keys broken by migration 0008: {broken[:5]}")


def downgrade() -> None:
    op.drop_index("uq_batches_live_source", table_name="batches")
    if op.get_bind().dialect.name == "sqlite":
        with _child_set_aside():
            with op.batch_alter_table("batches", recreate="always") as batch:
                batch.drop_constraint("fk_batches_retry_of", type_="foreignkey")
                batch.drop_constraint("fk_batches_delivered_by_department_id", type_="foreignkey")
                for column in reversed(_new_columns()):
                    batch.drop_column(column.name)
                batch.alter_column("size_bytes", type_=sa.Integer(), existing_nullable=False)
                batch.create_unique_constraint(_SQLITE_UNIQUE, ["dataset_id", "source_sha256"])
        return
    op.drop_constraint("fk_batches_retry_of", "batches", type_="foreignkey")
    op.drop_constraint("fk_batches_delivered_by_department_id", "batches", type_="foreignkey")
    for column in reversed(_new_columns()):
        op.drop_column("batches", column.name)
    op.alter_column("batches", "size_bytes", type_=sa.Integer(), existing_nullable=False)
    op.create_unique_constraint(_PG_UNIQUE, "batches", ["dataset_id", "source_sha256"])
