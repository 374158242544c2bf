"""Identity: expiring, revocable tokens; certificate mapping; portal sessions; lockout counts.

- ``accounts``: ``expires_at``, ``revoked_at``, ``revoke_reason``, ``last_used_at`` and
  ``cert_sha256`` (unique: the SHA-256 of a TLS client certificate mapped to the account). Tokens
  issued before this revision get the service lifetime (90 days) from the upgrade; accounts that
  were already inactive are marked revoked then;
- ``portal_sessions``: server-side portal sessions, keyed by the SHA-256 of the random session id;
- ``auth_failures``: refused credentials per client address, counted for lockout.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LEGACY_TOKEN_DAYS = 90


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("revoke_reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("cert_sha256", sa.String(length=64), nullable=True))
    op.create_index("ix_accounts_cert_sha256", "accounts", ["cert_sha256"], unique=True)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    accounts = sa.table(
        "accounts",
        sa.column("active", sa.Boolean()),
        sa.column("expires_at", sa.DateTime()),
        sa.column("revoked_at", sa.DateTime()),
        sa.column("revoke_reason", sa.Text()),
    )
    op.execute(
        accounts.update()
        .where(accounts.c.expires_at.is_(None))
        .values(expires_at=now + dt.timedelta(days=_LEGACY_TOKEN_DAYS))
    )
    op.execute(
        accounts.update()
        .where(accounts.c.active.is_(False))
        .values(revoked_at=now, revoke_reason="inactive before migration 0005")
    )

    op.create_table(
        "portal_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("user_agent_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_hash"),
    )
    op.create_index("ix_portal_sessions_account_id", "portal_sessions", ["account_id"])

    op.create_table(
        "auth_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("credential", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_auth_failures_occurred_at", "auth_failures", ["occurred_at"])
    op.create_index(
        "ix_auth_failures_client_occurred_at", "auth_failures", ["client", "occurred_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_auth_failures_client_occurred_at", table_name="auth_failures")
    op.drop_index("ix_auth_failures_occurred_at", table_name="auth_failures")
    op.drop_table("auth_failures")
    op.drop_index("ix_portal_sessions_account_id", table_name="portal_sessions")
    op.drop_table("portal_sessions")
    op.drop_index("ix_accounts_cert_sha256", table_name="accounts")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("cert_sha256")
        batch.drop_column("last_used_at")
        batch.drop_column("revoke_reason")
        batch.drop_column("revoked_at")
        batch.drop_column("expires_at")
