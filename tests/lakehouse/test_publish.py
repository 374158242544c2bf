"""Publishing: one batch is exactly one DuckLake snapshot covering both tables; or nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import AuditEvent, Batch, BatchStatus, Dataset, DatasetStatus
from catalog.settings import Settings
from lakehouse.connection import connect
from lakehouse.errors import LakeSchemaMismatch, PublishError
from lakehouse.land import land
from lakehouse.publish import publish, reject
from lakehouse.standardize import standardize
from lakehouse.tables import ensure_tables
from tests.lakehouse import factories

TABLE = "lake.rsj_social_insurance"
QUARANTINE = "lake.rsj_social_insurance__quarantine"


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    with factories.sqlite_session(tmp_path) as s:
        yield s


def _landed_and_staged(
    session: Session,
    settings: Settings,
    tmp_path: Path,
    name: str,
    n: int,
    *,
    seed: int = 7,
    bad_amount_rows: tuple[int, ...] = (),
    legacy: bool = False,
) -> tuple[int, Path]:
    """A landed, standardised batch; ``legacy``: its staging file as written before the checking
    pass (no rule flags), which a separate verdict file judges."""
    dataset = session.scalars(select(Dataset)).first() or factories.dataset(session)
    rows = [list(r.cells) for r in factories.source_rows(n, seed=seed)]
    for i in bad_amount_rows:
        rows[i - 1][5] = "待定"
    source = factories.write_csv(tmp_path / name, rows)
    landing = land(session, settings, dataset, source)
    staged = standardize(settings, factories.contract(), landing.batch_id, landing.raw_path)
    if legacy:
        _strip_checks(staged.staging_path)
    return landing.batch_id, staged.staging_path


def _strip_checks(staging: Path) -> None:
    con = duckdb.connect()
    try:
        con.execute(
            f"COPY (SELECT _row, COLUMNS(c -> c NOT LIKE '\\_rule\\_%' ESCAPE '\\' "
            f"AND c NOT IN ('_row', '_failed_rules', '_passed')) FROM read_parquet('{staging}')) "
            f"TO '{staging}.tmp' (FORMAT parquet)"
        )
    finally:
        con.close()
    Path(f"{staging}.tmp").replace(staging)


def _verdict(path: Path, failing: dict[int, list[str]]) -> Path:
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE v (_row BIGINT, failed_rules VARCHAR[])")
        con.executemany("INSERT INTO v VALUES (?, ?)", [[r, f] for r, f in failing.items()])
        con.execute(f"COPY v TO '{path}' (FORMAT parquet)")
    finally:
        con.close()
    return path


def _snapshots(settings: Settings) -> list[tuple[int, dict[str, list[str]], str | None]]:
    with connect(settings) as con:
        return [
            (int(r[0]), dict(r[1]), r[2])
            for r in con.execute(
                "SELECT snapshot_id, changes, commit_extra_info FROM lake.snapshots() "
                "ORDER BY snapshot_id"
            ).fetchall()
        ]


def _scalar(settings: Settings, sql: str) -> object:
    with connect(settings) as con:
        row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_publish_is_one_snapshot_with_passing_and_quarantined_rows(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    batch_id, staging = _landed_and_staged(
        session, settings, tmp_path, "a.csv", 30, bad_amount_rows=(7,), legacy=True
    )
    verdict = _verdict(tmp_path / "v.parquet", {2: ["citizen_id.gb11643"], 5: ["a", "b"]})
    before = _snapshots(settings)

    published = publish(session, settings, factories.contract(), batch_id, staging, verdict)

    assert (published.rows_published, published.rows_quarantined) == (27, 3)
    after = _snapshots(settings)
    assert len(after) == len(before) + 1
    snapshot_id, changes, extra = after[-1]
    assert published.snapshot_id == snapshot_id
    assert extra is not None and json.loads(extra)["batch_id"] == batch_id
    with connect(settings) as con:
        ids = dict(
            con.execute("SELECT table_name, table_id FROM ducklake_table_info('lake')").fetchall()
        )
    inserted = {t for kind, tables in changes.items() if "insert" in kind for t in tables}
    assert inserted == {
        str(ids["rsj_social_insurance"]),
        str(ids["rsj_social_insurance__quarantine"]),
    }
    assert sorted(changes["tables_created"]) == [
        "main.rsj_social_insurance",
        "main.rsj_social_insurance__quarantine",
    ]

    assert _scalar(settings, f"SELECT count(*) FROM {TABLE} WHERE _batch_id = {batch_id}") == 27
    with connect(settings) as con:
        quarantined = con.execute(
            f"SELECT _row, failed_rules, amount FROM {QUARANTINE} ORDER BY _row"
        ).fetchall()
        published_rows = {r[0] for r in con.execute(f"SELECT _row FROM {TABLE}").fetchall()}
    assert quarantined[0][:2] == (2, ["citizen_id.gb11643"])
    assert quarantined[1][:2] == (5, ["a", "b"])
    assert quarantined[2] == (7, ["cast:amount"], None)
    assert published_rows == set(range(1, 31)) - {2, 5, 7}

    batch = session.get(Batch, batch_id)
    assert batch is not None
    assert batch.status is BatchStatus.PUBLISHED
    assert (batch.rows_published, batch.rows_quarantined, batch.snapshot_id) == (
        27,
        3,
        snapshot_id,
    )
    assert batch.published_at is not None
    assert batch.dataset.current_snapshot_id == snapshot_id
    assert batch.dataset.status is DatasetStatus.PUBLISHED
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None and event.action == "batch.published"
    assert event.detail == {
        "batch_id": batch_id,
        "snapshot_id": snapshot_id,
        "rows_published": 27,
        "rows_quarantined": 3,
        "rows_superseded": 0,
        "mode": "append",
    }


def test_second_batch_time_travel_and_republish_refused(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    contract = factories.contract()
    first, staging1 = _landed_and_staged(session, settings, tmp_path, "a.csv", 10)
    snap1 = publish(session, settings, contract, first, staging1, None).snapshot_id
    second, staging2 = _landed_and_staged(session, settings, tmp_path, "b.csv", 4, seed=8)
    snap2 = publish(session, settings, contract, second, staging2, None).snapshot_id

    assert snap2 == snap1 + 1
    assert _scalar(settings, f"SELECT count(*) FROM {TABLE}") == 14
    assert _scalar(settings, f"SELECT count(*) FROM {TABLE} AT (VERSION => {snap1})") == 10
    assert (
        _scalar(
            settings,
            f"SELECT count(*) FROM {TABLE} AT (VERSION => {snap1}) WHERE _batch_id = {second}",
        )
        == 0
    )

    with pytest.raises(PublishError) as caught:
        publish(session, settings, contract, first, staging1, None)
    assert caught.value.code == "batch.already_published"
    assert _scalar(settings, f"SELECT count(*) FROM {TABLE}") == 14
    assert _snapshots(settings)[-1][0] == snap2


def test_lake_guard_refuses_a_batch_whose_catalog_update_was_lost(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    contract = factories.contract()
    batch_id, staging = _landed_and_staged(session, settings, tmp_path, "a.csv", 5)
    publish(session, settings, contract, batch_id, staging, None)
    batch = session.get(Batch, batch_id)
    assert batch is not None
    batch.status = BatchStatus.VALIDATED  # as if the catalog commit after the lake commit failed
    snapshots = len(_snapshots(settings))

    with pytest.raises(PublishError) as caught:
        publish(session, settings, contract, batch_id, staging, None)
    assert caught.value.code == "batch.already_published"
    assert len(_snapshots(settings)) == snapshots
    assert _scalar(settings, f"SELECT count(*) FROM {TABLE}") == 5


def test_a_failing_lake_transaction_changes_nothing_and_marks_the_batch_failed(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    contract = factories.contract()
    batch_id, staging = _landed_and_staged(session, settings, tmp_path, "a.csv", 6, legacy=True)
    verdict = _verdict(tmp_path / "v.parquet", {3: ["rule"]})
    with connect(settings) as con:  # a quarantine table whose failed_rules cannot take a list
        ensure_tables(con, contract)
        con.execute(f"DROP TABLE {QUARANTINE}")
        fields = ", ".join(f'"{f.name}" {f.duckdb_type}' for f in contract.fields)
        con.execute(
            f"CREATE TABLE {QUARANTINE} ({fields}, _batch_id BIGINT, _row BIGINT, "
            "failed_rules INTEGER)"
        )
    before = _snapshots(settings)

    with pytest.raises(PublishError) as caught:
        publish(session, settings, contract, batch_id, staging, verdict)

    assert caught.value.code == "publish.failed"
    assert _snapshots(settings) == before
    assert _scalar(settings, f"SELECT count(*) FROM {TABLE}") == 0
    batch = session.get(Batch, batch_id)
    assert batch is not None
    assert batch.status is BatchStatus.FAILED
    assert "failed_rules" in batch.error or "INTEGER" in batch.error
    assert batch.dataset.current_snapshot_id is None
    assert session.scalars(select(AuditEvent.action)).all() == ["batch.landed"]


def test_schema_drift_is_refused_before_anything_is_written(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    with connect(settings) as con:
        con.execute(f"CREATE TABLE {TABLE} (citizen_id VARCHAR)")
    with connect(settings) as con, pytest.raises(LakeSchemaMismatch, match="rsj_social_insurance"):
        ensure_tables(con, factories.contract())


def test_verdict_naming_unknown_rows_is_refused(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    batch_id, staging = _landed_and_staged(session, settings, tmp_path, "a.csv", 3, legacy=True)
    verdict = _verdict(tmp_path / "v.parquet", {99: ["rule"]})
    with pytest.raises(PublishError) as caught:
        publish(session, settings, factories.contract(), batch_id, staging, verdict)
    assert caught.value.code == "verdict.malformed"
    batch = session.get(Batch, batch_id)
    assert batch is not None and batch.status is BatchStatus.LANDED


def test_a_checked_staging_file_is_split_on_its_own_flags(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    """The checking pass wrote the verdict into the staging file: publish splits on ``_passed``
    and keeps each failing row's rules; a cast error is quarantined with its cast rule."""
    batch_id, staging = _landed_and_staged(
        session, settings, tmp_path, "a.csv", 12, bad_amount_rows=(4, 9)
    )
    published = publish(session, settings, factories.contract(), batch_id, staging, None)
    assert (published.rows_published, published.rows_quarantined) == (10, 2)
    with connect(settings) as con:
        quarantined = con.execute(
            f"SELECT _row, failed_rules, amount FROM {QUARANTINE} ORDER BY _row"
        ).fetchall()
        published_rows = {r[0] for r in con.execute(f"SELECT _row FROM {TABLE}").fetchall()}
    assert quarantined == [(4, ["cast:amount"], None), (9, ["cast:amount"], None)]
    assert published_rows == set(range(1, 13)) - {4, 9}


def test_a_second_verdict_for_a_checked_staging_file_is_refused(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    """Two verdicts for one batch could disagree: the one the checking pass wrote stands alone."""
    batch_id, staging = _landed_and_staged(session, settings, tmp_path, "a.csv", 3)
    verdict = _verdict(tmp_path / "v.parquet", {1: ["rule"]})
    with pytest.raises(PublishError) as caught:
        publish(session, settings, factories.contract(), batch_id, staging, verdict)
    assert caught.value.code == "verdict.malformed"
    assert _scalar(settings, "SELECT count(*) FROM lake.snapshots()") == 1  # only the creation


def test_reject_marks_and_audits_once_and_publishes_nothing(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    batch_id, staging = _landed_and_staged(session, settings, tmp_path, "a.csv", 3)
    reject(session, batch_id, "quality: 40% of rows failed")
    reject(session, batch_id, "quality: 40% of rows failed")
    batch = session.get(Batch, batch_id)
    assert batch is not None
    assert (batch.status, batch.error) == (BatchStatus.REJECTED, "quality: 40% of rows failed")
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["batch.landed", "batch.rejected"]
    assert events[1].detail == {"batch_id": batch_id, "reason": "quality: 40% of rows failed"}
    with pytest.raises(PublishError) as caught:
        publish(session, settings, factories.contract(), batch_id, staging, None)
    assert caught.value.code == "batch.not_publishable"


def test_signature_checks_stay_on(settings: Settings) -> None:
    with connect(settings) as con:
        row = con.execute("SELECT current_setting('allow_unsigned_extensions')").fetchone()
    assert row == (False,)
