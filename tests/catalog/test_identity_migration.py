"""Migration 0005 on a catalog that already has accounts: no token is left without an expiry,
and an account that was inactive is revoked."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from catalog.db import make_engine, upgrade

pytestmark = pytest.mark.real_migrations  # the path itself, not a copy of its result


def test_existing_tokens_get_an_expiry_and_inactive_accounts_are_revoked(catalog_url: str) -> None:
    engine = make_engine(catalog_url)
    try:
        upgrade(engine, "0003")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO departments (id, code, name, region_code, created_at) "
                    "VALUES (1, 'D1', '部门', '330100', :t)"
                ),
                {"t": dt.datetime(2026, 1, 1)},
            )
            for account_id, active in ((1, True), (2, False)):
                connection.execute(
                    text(
                        "INSERT INTO accounts (id, department_id, name, kind, roles, token_hash, "
                        "token_prefix, active, created_at) VALUES (:id, 1, :name, 'service', "
                        "'[\"requester\"]', :hash, 'zt_abcde', :active, :t)"
                    ),
                    {
                        "id": account_id,
                        "name": f"svc-{account_id}",
                        "hash": f"{account_id:064d}",
                        "active": active,
                        "t": dt.datetime(2026, 1, 1),
                    },
                )
        before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT id, expires_at, revoked_at, revoke_reason, cert_sha256 "
                    "FROM accounts ORDER BY id"
                )
            ).all()
    finally:
        engine.dispose()
    (live, inactive) = rows
    for row in rows:
        assert row.expires_at is not None and row.cert_sha256 is None
        expires = dt.datetime.fromisoformat(str(row.expires_at))  # SQLite answers text
        assert dt.timedelta(days=89) < expires - before < dt.timedelta(days=91)
    assert live.revoked_at is None and live.revoke_reason == ""
    assert inactive.revoked_at is not None
    assert inactive.revoke_reason == "inactive before migration 0005"
