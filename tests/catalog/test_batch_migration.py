"""Migration 0008 on a catalog that already has batches and reports: nothing is lost, the reports
still point at their batches, and the bytes of a rejected or failed batch may land again while a
live batch's may not."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from catalog.db import downgrade, make_engine, upgrade

pytestmark = pytest.mark.real_migrations  # the path itself, not a copy of its result

T = dt.datetime(2026, 11, 1)
SHA = "ab" * 32


def _seed(connection: Connection) -> None:
    connection.execute(
        text(
            "INSERT INTO departments (id, code, name, region_code, created_at) "
            "VALUES (1, 'D1', '部门', '330100', :t)"
        ),
        {"t": T},
    )
    connection.execute(
        text(
            "INSERT INTO datasets (id, code, title_zh, title_en, description, owner_department_id,"
            " steward, share_type, share_basis, open_type, grade, update_cycle, status,"
            " contract_sha256, primary_key, created_at, updated_at) VALUES (1, 'ds', '数据', 'ds',"
            " '', 1, '', 'unconditional', '', 'not_open', 'general', 'daily', 'draft', '', '[]',"
            " :t, :t)"
        ),
        {"t": T},
    )
    for batch_id, status in ((1, "rejected"), (2, "published")):
        connection.execute(
            text(
                "INSERT INTO batches (id, dataset_id, source_name, source_sha256, raw_path, "
                "size_bytes, status, staging_path, error, landed_at) VALUES "
                "(:id, 1, '社保.csv', :sha, '/raw', 10, :status, '', '', :t)"
            ),
            {"id": batch_id, "sha": f"{batch_id:064d}", "status": status, "t": T},
        )
        connection.execute(
            text(
                "INSERT INTO quality_reports (batch_id, dataset_id, rows_in, rows_passed, "
                "rows_quarantined, score, decision, rule_counts, ge_result, batch_findings, "
                "created_at, sign_off_note) VALUES (:id, 1, 5, 5, 0, 1.0, 'publish', '{}', '{}', "
                "'{}', :t, '')"
            ),
            {"id": batch_id, "t": T},
        )


def _batch(connection: Connection, batch_id: int, sha: str, status: str) -> None:
    connection.execute(
        text(
            "INSERT INTO batches (id, dataset_id, source_name, source_sha256, raw_path, size_bytes,"
            " status, staging_path, error, landed_at, retry_of) VALUES (:id, 1, 'x.csv', :sha, "
            "'/raw', 5000000000, :status, '', '', :t, NULL)"
        ),
        {"id": batch_id, "sha": sha, "status": status, "t": T},
    )


def test_batches_survive_and_refused_bytes_may_land_again(catalog_url: str) -> None:
    engine = make_engine(catalog_url)
    try:
        upgrade(engine, "0007")
        with engine.begin() as connection:
            _seed(connection)
        upgrade(engine)
        with engine.begin() as connection:
            rows = connection.execute(
                text("SELECT id, status, source_kind, encoding, retry_of FROM batches ORDER BY id")
            ).all()
            assert [tuple(r) for r in rows] == [
                (1, "rejected", "csv", "", None),
                (2, "published", "csv", "", None),
            ]
            reports = connection.execute(
                text("SELECT batch_id FROM quality_reports ORDER BY batch_id")
            ).scalars()
            assert list(reports) == [1, 2]
            # the rejected batch's bytes land again, as a retry; twice live is refused
            _batch(connection, 3, f"{1:064d}", "landed")
        with pytest.raises(IntegrityError), engine.begin() as connection:
            _batch(connection, 4, f"{2:064d}", "landed")
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO quality_reports (batch_id, dataset_id, rows_in, rows_passed, "
                    "rows_quarantined, score, decision, rule_counts, ge_result, batch_findings, "
                    "created_at, sign_off_note) VALUES (99, 1, 5, 5, 0, 1.0, 'publish', '{}', "
                    "'{}', '{}', :t, '')"
                ),
                {"t": T},
            )
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM batches WHERE id = 3"))
        downgrade(engine, "0007")
        upgrade(engine)
    finally:
        engine.dispose()
