"""Publish modes (append, merge, replace) and duplicate-key policies, over real DuckLake lakes, on
SQLite and PostgreSQL catalogs: each mode over several batches, time travel to each snapshot, the
line-ending regression of issue 11, a change feed over a merge, and a reader during a publish."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pytest import MonkeyPatch
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import AuditEvent, Batch, BatchStatus, Dataset
from catalog.settings import Settings
from lakehouse.changes import read_changes
from lakehouse.connection import connect
from lakehouse.land import land
from lakehouse.publish import Published, publish
from lakehouse.reconcile import reconcile_dataset
from lakehouse.serving import ROWID, serving_path
from lakehouse.standardize import standardize
from schemas.loader import DatasetContract
from schemas.publish_mode import PublishOptions
from tests.lakehouse import factories
from tests.lakehouse.test_changes import _plan

TABLE = "lake.rsj_social_insurance"
QUARANTINE = "lake.rsj_social_insurance__quarantine"
KEY = "citizen_id, employer_uscc, period"


def _contract(mode: str = "append", duplicates: str = "quarantine") -> DatasetContract:
    return dataclasses.replace(factories.contract(), publish=PublishOptions(mode, duplicates))


def _rows(n: int, seed: int = 7) -> list[list[str]]:
    return [list(r.cells) for r in factories.source_rows(n, seed=seed)]


def _publish(
    session: Session,
    settings: Settings,
    tmp_path: Path,
    name: str,
    rows: Sequence[Sequence[str]],
    contract: DatasetContract,
    *,
    newline: str = "\r\n",
) -> Published:
    dataset = session.scalars(select(Dataset)).first() or factories.dataset(session)
    source = factories.write_csv(tmp_path / name, rows, newline=newline)
    landing = land(session, settings, dataset, source)
    session.commit()
    staged = standardize(settings, contract, landing.batch_id, landing.raw_path)
    batch = session.get(Batch, landing.batch_id)
    assert batch is not None
    batch.status = BatchStatus.VALIDATED  # as validation leaves it (no verdict: every row passed)
    session.commit()
    return publish(session, settings, contract, landing.batch_id, staged.staging_path, None)


def _all(settings: Settings, sql: str) -> list[tuple[object, ...]]:
    with connect(settings) as con:
        return [tuple(r) for r in con.execute(sql).fetchall()]


def _one(settings: Settings, sql: str) -> object:
    return _all(settings, sql)[0][0]


def _at(snapshot: int) -> str:
    return f"{TABLE} AT (VERSION => {snapshot})"


def _count(settings: Settings, snapshot: int | None = None) -> int:
    relation = TABLE if snapshot is None else _at(snapshot)
    return int(str(_one(settings, f"SELECT count(*) FROM {relation}")))


def _keys(settings: Settings) -> int:
    return int(str(_one(settings, f"SELECT count(DISTINCT ({KEY})) FROM {TABLE}")))


def test_same_rows_with_other_line_endings_publish_no_second_copy(
    settings: Settings, catalog_session: Session, tmp_path: Path
) -> None:
    """Issue 11: the same rows saved with LF instead of CRLF became a second batch appended to
    the first (3,682 rows for 1,841 keys). The key is unique across the whole table now."""
    rows = _rows(40)
    first = _publish(catalog_session, settings, tmp_path, "crlf.csv", rows, _contract())
    second = _publish(
        catalog_session, settings, tmp_path, "lf.csv", rows, _contract(), newline="\n"
    )

    assert (first.rows_published, first.rows_quarantined) == (40, 0)
    assert (second.rows_published, second.rows_quarantined) == (0, 40)
    assert second.snapshot_id > first.snapshot_id
    assert _count(settings) == _keys(settings) == 40
    assert _count(settings, second.snapshot_id) == 40
    rules = _all(
        settings,
        f"SELECT DISTINCT failed_rules FROM {QUARANTINE} WHERE _batch_id = "
        f"(SELECT max(_batch_id) FROM {QUARANTINE})",
    )
    assert rules == [(["primary_key.exists"],)]
    batch = catalog_session.get(Batch, 2)
    assert batch is not None and (batch.rows_published, batch.rows_quarantined) == (0, 40)


def test_append_over_three_batches_keeps_each_snapshot_readable(
    settings: Settings, catalog_session: Session, tmp_path: Path
) -> None:
    rows = _rows(30)
    a = _publish(catalog_session, settings, tmp_path, "a.csv", rows[:10], _contract())
    # the second batch repeats rows 5..9 and adds 10..19; the third adds 20..29
    b = _publish(catalog_session, settings, tmp_path, "b.csv", rows[5:20], _contract())
    c = _publish(catalog_session, settings, tmp_path, "c.csv", rows[20:], _contract())

    assert [(p.rows_published, p.rows_quarantined) for p in (a, b, c)] == [
        (10, 0),
        (10, 5),
        (10, 0),
    ]
    assert [_count(settings, p.snapshot_id) for p in (a, b, c)] == [10, 20, 30]
    assert _keys(settings) == 30


def test_merge_updates_changed_values_inserts_new_keys_and_the_feed_says_changed(
    settings: Settings, catalog_session: Session, tmp_path: Path
) -> None:
    merge = _contract("merge")
    rows = _rows(12)
    a = _publish(catalog_session, settings, tmp_path, "a.csv", rows[:10], merge)
    changed = [list(r) for r in rows[:3]]
    for row in changed:
        row[5] = "１２３４.５６"  # full-width digits: the standardised amount is 1234.56
    b = _publish(catalog_session, settings, tmp_path, "b.csv", changed + rows[10:], merge)
    c = _publish(catalog_session, settings, tmp_path, "c.csv", rows[3:5], merge)

    assert (b.rows_published, b.rows_quarantined) == (5, 0)
    assert [_count(settings, p.snapshot_id) for p in (a, b, c)] == [10, 12, 12]
    assert _keys(settings) == 12
    first_id = factories.source_rows(1).__next__().citizen_id
    amount = f"SELECT amount FROM {{}} WHERE citizen_id = '{first_id}'"
    assert _one(settings, amount.format(TABLE)) == Decimal("1234.56")
    assert _one(settings, amount.format(_at(a.snapshot_id))) != Decimal("1234.56")

    plan = _plan(grantee=False)
    with connect(settings) as con:
        feed = read_changes(con, plan, a.snapshot_id + 1, b.snapshot_id)
        unchanged = read_changes(con, plan, b.snapshot_id + 1, c.snapshot_id)
    assert feed.counts() == {"added": 2, "changed": 3, "removed": 0}
    assert {c["row"]["amount"] for c in feed.changes if c["change"] == "changed"} == {
        Decimal("1234.56")
    }
    # the same rows merged again change nothing a reader can see
    assert unchanged.counts() == {"added": 0, "changed": 0, "removed": 0}
    # the serving index of the merged snapshot holds exactly the lake's rows, with their row ids
    lake = _all(settings, f"SELECT rowid, citizen_id, amount FROM {_at(c.snapshot_id)} ORDER BY 1")
    index = serving_path(settings, "rsj_social_insurance", c.snapshot_id)
    with contextlib.closing(duckdb.connect(str(index), read_only=True)) as served:
        served_rows = served.execute(
            f"SELECT {ROWID}, citizen_id, amount FROM rows ORDER BY 1"
        ).fetchall()
    assert [tuple(r) for r in served_rows] == lake


def test_replace_makes_the_batch_the_whole_table_and_keeps_the_old_snapshot(
    settings: Settings, catalog_session: Session, tmp_path: Path
) -> None:
    replace = _contract("replace")
    rows = _rows(30)
    a = _publish(catalog_session, settings, tmp_path, "a.csv", rows, replace)
    b = _publish(catalog_session, settings, tmp_path, "b.csv", rows[:8], replace)
    c = _publish(catalog_session, settings, tmp_path, "c.csv", rows[20:], replace)

    assert [p.rows_published for p in (a, b, c)] == [30, 8, 10]
    assert [_count(settings, p.snapshot_id) for p in (a, b, c)] == [30, 8, 10]
    assert _all(settings, f"SELECT DISTINCT _batch_id FROM {TABLE}") == [(3,)]
    assert _one(settings, f"SELECT count(*) FROM {_at(a.snapshot_id)} WHERE _batch_id = 1") == 30


def _duplicated() -> tuple[list[list[str]], list[str]]:
    """Ten rows, then three later copies of row 0's key (full-width ID, other names and amounts)
    and one of row 1's; the expected name of row 0 under keep_first and keep_last."""
    rows = _rows(10)
    source = list(factories.source_rows(2))
    later = []
    for name, amount in (("欧阳娜", "100.00"), ("司马懿", "200.00"), ("诸葛亮", "300.00")):
        copy = list(rows[0])
        copy[0] = source[0].citizen_id.translate(factories.FULL_WIDTH_DIGITS)
        copy[1], copy[5] = f"\u3000{name}", amount
        later.append(copy)
    again = list(rows[1])
    again[5] = "9.99"
    return rows + later + [again], [source[0].person_name, "诸葛亮"]


def test_keep_first_and_keep_last_publish_one_copy_and_set_the_rest_aside(
    settings: Settings, catalog_session: Session, tmp_path: Path
) -> None:
    rows, (first_name, last_name) = _duplicated()
    cid = factories.source_rows(1).__next__().citizen_id
    cases = (
        ("keep_first", first_name, "\r\n", [11, 12, 13, 14]),
        ("keep_last", last_name, "\n", [1, 2, 11, 12]),
    )
    for policy, expected, newline, set_aside in cases:
        contract = _contract("replace", policy)
        done = _publish(
            catalog_session, settings, tmp_path, f"{policy}.csv", rows, contract, newline=newline
        )
        assert (done.rows_published, done.rows_quarantined, done.rows_superseded) == (10, 0, 4)
        name = f"SELECT person_name FROM {TABLE} WHERE citizen_id = '{cid}'"
        assert _one(settings, name) == expected
        quarantined = _all(
            settings,
            f"SELECT _row, failed_rules FROM {QUARANTINE} "
            f"WHERE _batch_id = {_latest_batch(catalog_session)} ORDER BY _row",
        )
        assert [r[0] for r in quarantined] == set_aside
        assert {str(r[1]) for r in quarantined} == {"['primary_key.superseded']"}
        event = catalog_session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "batch.published")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None and event.detail["rows_superseded"] == 4
        assert event.detail["rows_quarantined"] == 0


def _latest_batch(session: Session) -> int:
    latest = session.scalars(select(Batch.id).order_by(Batch.id.desc())).first()
    assert latest is not None
    return latest


def test_quarantine_policy_quarantines_every_copy_even_without_a_verdict(
    settings: Settings, catalog_session: Session, tmp_path: Path
) -> None:
    rows, _ = _duplicated()
    done = _publish(catalog_session, settings, tmp_path, "q.csv", rows, _contract())
    assert (done.rows_published, done.rows_quarantined, done.rows_superseded) == (8, 6, 0)
    assert _all(settings, f"SELECT DISTINCT failed_rules FROM {QUARANTINE}") == [
        (["primary_key.unique"],)
    ]


def test_a_reader_never_sees_a_half_applied_replace(
    settings: Settings, catalog_session: Session, tmp_path: Path
) -> None:
    replace = _contract("replace")
    rows = _rows(300)
    _publish(catalog_session, settings, tmp_path, "a.csv", rows, replace)
    seen: set[tuple[int, int]] = set()
    stop = threading.Event()

    def watch() -> None:
        with connect(settings) as con:
            while not stop.is_set():
                try:
                    found = con.execute(
                        f"SELECT count(*), count(DISTINCT _batch_id) FROM {TABLE}"
                    ).fetchone()
                except duckdb.Error:
                    continue  # the metadata file busy: try again
                assert found is not None
                seen.add((int(found[0]), int(found[1])))
                # no pause: in SQLite's rollback-journal mode a reader like this one held the
                # metadata file's lock through the writer's statements and failed the publish
                # ("database is locked"); the lake's metadata is now in WAL mode

    reader = threading.Thread(target=watch)
    reader.start()
    try:
        _publish(catalog_session, settings, tmp_path, "b.csv", rows[:100], replace)
    finally:
        stop.set()
        reader.join()
    assert seen and seen <= {(300, 1), (100, 1)}


def test_a_lake_commit_refused_as_locked_is_run_again(
    settings: Settings, catalog_session: Session, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """SQLite metadata locked by a reader at the commit: the rolled-back transaction runs again
    and the batch is published once, not marked failed."""
    import lakehouse.publish as publishing

    real = publishing._commit_snapshot
    calls: list[int] = []

    def locked_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise duckdb.TransactionException(
                'Failed to commit DuckLake transaction: Failed to execute query "COMMIT": '
                "database is locked"
            )
        return real(*args, **kwargs)

    monkeypatch.setattr(publishing, "_commit_snapshot", locked_once)
    rows = _rows(20)
    _publish(catalog_session, settings, tmp_path, "a.csv", rows, _contract("append"))
    assert len(calls) == 2
    assert _all(settings, f"SELECT count(*) FROM {TABLE}") == [(20,)]


class _Killed(BaseException):
    """Stands in for SIGKILL right after the lake commit: nothing in publish catches it."""


def test_reconcile_finishes_a_killed_keep_last_publication_with_its_superseded_rows(
    settings: Settings, catalog_session: Session, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    def die(_settings: object, point: str) -> None:
        if point == "lake_committed":
            raise _Killed(point)

    contract = _contract("merge", "keep_last")
    rows, _ = _duplicated()
    monkeypatch.setattr("lakehouse.publish.fault", die)
    with pytest.raises(_Killed):
        _publish(catalog_session, settings, tmp_path, "k.csv", rows, contract)
    monkeypatch.undo()
    catalog_session.rollback()
    dataset = catalog_session.scalars(select(Dataset)).one()
    with connect(settings) as con:
        done = reconcile_dataset(catalog_session, con, dataset, contract)
    assert list(done.finished) == [1]
    batch = catalog_session.get(Batch, 1)
    assert batch is not None and (batch.rows_published, batch.rows_quarantined) == (10, 0)
    event = catalog_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "batch.published")
    ).one()
    assert (event.detail["rows_superseded"], event.detail["mode"]) == (4, "merge")
