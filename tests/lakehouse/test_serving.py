"""The serving path: a serving index returns exactly what the lake returns, only faster.

The same plans run twice on each engine (SQLite- and PostgreSQL-metadata DuckLake): once on the
lake, once on the snapshot's serving index (``lakehouse.serving``). Columns, masks, filters, the
primary-key order and the hidden order must come out identical, row for row.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.policy import AccessPlan, Condition, Op
from catalog.settings import Settings
from lakehouse.read import Keyset, compile_plan, read
from lakehouse.serving import ServingLake, Source, build_serving_index, serving_path
from tests.lakehouse import test_read
from tests.lakehouse.test_read import (
    COLUMNS,
    KEY,
    LATER,
    ROWS,
    TABLE,
    Lake,
    grantee_plan,
    owner_plan,
)

lake = test_read.lake  # the fixture: the same rows on SQLite- and PostgreSQL-metadata DuckLake

PRIMARY_KEY = ("citizen_id", "employer_uscc", "period")
INDEXED = ("citizen_id", "person_name", "employer_uscc", "period")  # most selective first


def _moved(lake: Lake, var: Path) -> Settings:
    """The lake's settings with another var dir (for serving indexes) but the same lake."""
    return lake.settings.model_copy(
        update={
            "var_dir": var,
            "lake_catalog": lake.settings.resolved_lake_catalog,
            "lake_data_path": lake.settings.resolved_lake_data_path,
        }
    )


def _build(lake: Lake, var: Path, snapshot: int) -> Settings:
    config = _moved(lake, var)
    build_serving_index(
        lake.con,
        config,
        table=TABLE,
        fields=COLUMNS,
        primary_key=PRIMARY_KEY,
        indexed=INDEXED,
        snapshot_id=snapshot,
    )
    return config


@pytest.fixture(scope="module")
def served(lake: Lake, tmp_path_factory: pytest.TempPathFactory) -> tuple[Lake, Source]:
    """The first snapshot's serving index, attached to the lake's own connection."""
    var = tmp_path_factory.mktemp("serving")
    config = _build(lake, var, lake.first_snapshot)
    path = serving_path(config, TABLE, lake.first_snapshot)
    alias = f"srv_test_{lake.first_snapshot}"
    lake.con.execute(f"ATTACH '{path}' AS {alias} (READ_ONLY)")
    return lake, Source(relation=f'{alias}."rows"', indexed=INDEXED)


def _both(served: tuple[Lake, Source], plan: AccessPlan) -> tuple[list[Any], list[Any]]:
    lake, source = served
    kwargs: dict[str, Any] = {"snapshot_id": lake.first_snapshot, "order_salt": 99}
    on_lake = read(lake.con, plan, **kwargs).table.to_pylist()
    on_index = read(lake.con, plan, source=source, **kwargs).table.to_pylist()
    return on_lake, on_index


_VALUES = st.sampled_from(
    [r["citizen_id"] for r in ROWS[:3]]
    + [r["person_name"] for r in ROWS[:3]]
    + [r["employer_uscc"] for r in ROWS[:3]]
    + ["2026-10", "2026-09", "330106", "nobody", LATER[0]["citizen_id"]]
)
_CONDITIONS = st.lists(
    st.builds(
        Condition,
        field=st.sampled_from(["citizen_id", "person_name", "employer_uscc", "period"]),
        op=st.sampled_from([Op.EQ, Op.NE, Op.GE, Op.PREFIX]),
        value=_VALUES,
    ),
    max_size=2,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    conditions=_CONDITIONS,
    limit=st.integers(1, 60),
    offset=st.integers(0, 50),
    hidden=st.booleans(),
    hashed=st.booleans(),
)
def test_an_index_returns_what_the_lake_returns(
    served: tuple[Lake, Source],
    conditions: list[Condition],
    limit: int,
    offset: int,
    hidden: bool,
    hashed: bool,
) -> None:
    plan = dataclasses.replace(
        owner_plan(), conditions=tuple(conditions), limit=limit, offset=offset
    )
    if hidden:  # a grantee who sees the key masked: the keyed hash of the row id orders pages
        plan = dataclasses.replace(
            grantee_plan(), conditions=tuple(conditions), limit=limit, offset=offset
        )
        plan = dataclasses.replace(plan, order_by=(), order_hidden=True, hash_key=KEY)
    if hashed:
        plan = dataclasses.replace(plan, hash_key=KEY)
    on_lake, on_index = _both(served, plan)
    assert on_index == on_lake


def test_grantee_masks_are_the_same_on_both_paths(served: tuple[Lake, Source]) -> None:
    plan = grantee_plan(match=("citizen_id",))
    on_lake, on_index = _both(served, plan)
    assert on_lake and on_index == on_lake
    matched = dataclasses.replace(
        plan, conditions=(Condition("citizen_id", Op.EQ, ROWS[0]["citizen_id"]),)
    )
    on_lake, on_index = _both(served, matched)
    assert len(on_lake) == 1 and on_index == on_lake
    assert on_lake[0]["citizen_id"] != ROWS[0]["citizen_id"]  # still masked


def test_an_exact_match_on_an_indexed_field_is_a_point_lookup(
    served: tuple[Lake, Source],
) -> None:
    lake, source = served
    wanted = ROWS[1]["citizen_id"]
    plan = dataclasses.replace(
        owner_plan(),
        conditions=(Condition("period", Op.EQ, "2026-10"), Condition("citizen_id", Op.EQ, wanted)),
    )
    sql, params = compile_plan(plan, source=source)
    assert "MATERIALIZED" in sql and params[0] == wanted  # the most selective indexed match
    assert [r["citizen_id"] for r in read(lake.con, plan, source=source).table.to_pylist()] == [
        wanted
    ]
    unindexed = dataclasses.replace(owner_plan(), conditions=(Condition("region", Op.EQ, "x"),))
    assert "MATERIALIZED" not in compile_plan(unindexed, source=source)[0]


def test_the_lake_is_never_touched_through_the_index(served: tuple[Lake, Source]) -> None:
    _, source = served
    sql, _ = compile_plan(owner_plan(), source=source, snapshot_id=1)
    assert "lake." not in sql and "AT (VERSION" not in sql


def test_a_worker_attaches_the_current_index_and_retires_the_older(
    lake: Lake, tmp_path: Path
) -> None:
    first = lake.first_snapshot
    latest_row = lake.con.execute("SELECT max(snapshot_id) FROM lake.snapshots()").fetchone()
    assert latest_row is not None
    latest = int(latest_row[0])
    assert latest > first
    config = _build(lake, tmp_path, first)
    built = serving_path(config, TABLE, first)
    assert built.stat().st_mode & 0o777 == 0o600  # unmasked rows: readable by the service only
    serving = ServingLake(config)
    try:
        old = serving.source(TABLE, first)
        assert old is not None and old.indexed == INDEXED
        assert serving.source(TABLE, latest) is None  # not built: the lake answers
        _build(lake, tmp_path, latest)
        new = serving.source(TABLE, latest)
        assert new is not None and new.relation != old.relation
        assert serving.source(TABLE, first) is None  # older than the one attached: the lake
        cursor = serving.cursor()
        try:
            attached = {
                r[0]
                for r in cursor.execute("SELECT database_name FROM duckdb_databases()").fetchall()
            }
            assert new.relation.split(".")[0] in attached
            assert old.relation.split(".")[0] not in attached
            count = cursor.execute(f"SELECT count(*) FROM {new.relation}").fetchone()
            assert count == (len(ROWS) + len(LATER),)
        finally:
            cursor.close()
    finally:
        serving.close()


def test_a_damaged_index_falls_back_to_the_lake(lake: Lake, tmp_path: Path) -> None:
    config = _moved(lake, tmp_path)
    path = serving_path(config, TABLE, lake.first_snapshot)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a duckdb file" * 100)
    serving = ServingLake(config)
    try:
        assert serving.source(TABLE, lake.first_snapshot) is None
        cursor = serving.cursor()
        try:  # and the lake still answers on the same worker connection
            result = read(cursor, owner_plan(), snapshot_id=lake.first_snapshot)
            assert result.row_count == len(ROWS)
        finally:
            cursor.close()
    finally:
        serving.close()


def test_a_long_lived_worker_sees_snapshots_published_after_it_opened(
    lake: Lake, tmp_path: Path
) -> None:
    serving = ServingLake(lake.settings)
    cursor = serving.cursor()
    try:
        # Results read to the end, as every read does: an idle worker then holds no transaction
        # open, so it never blocks a publisher on the SQLite lake catalog.
        before = cursor.execute("SELECT max(snapshot_id) FROM lake.snapshots()").fetchall()
        lake.con.execute("CREATE TABLE lake.serving_probe AS SELECT 1 AS x")  # another writer
        after = lake.con.execute("SELECT max(snapshot_id) FROM lake.snapshots()").fetchall()
        assert after[0][0] > before[0][0]
        seen = cursor.execute("SELECT max(snapshot_id) FROM lake.snapshots()").fetchall()
        assert seen == after
        assert cursor.execute("SELECT x FROM lake.serving_probe").fetchall() == [(1,)]
    finally:
        cursor.close()
        serving.close()
        lake.con.execute("DROP TABLE lake.serving_probe")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(conditions=_CONDITIONS, limit=st.integers(1, 15), hidden=st.booleans())
def test_keyset_pages_are_the_same_on_both_paths(
    served: tuple[Lake, Source], conditions: list[Condition], limit: int, hidden: bool
) -> None:
    """Page after page, by cursor position: the index and the lake agree row for row, and a
    position taken on one path continues on the other (the row ids are the same)."""
    lake, source = served
    plan = dataclasses.replace(owner_plan(), conditions=tuple(conditions), limit=limit)
    if hidden:
        plan = dataclasses.replace(plan, order_by=(), order_hidden=True, hash_key=KEY)
    after: int | None = None
    for page in range(4):
        kwargs: dict[str, Any] = {
            "snapshot_id": lake.first_snapshot,
            "order_salt": 5,
            "keyset": Keyset(after),
        }
        on_lake = read(lake.con, plan, **kwargs)
        on_index = read(lake.con, plan, source=source, **kwargs)
        assert on_index.table.to_pylist() == on_lake.table.to_pylist(), page
        assert on_index.last_rowid == on_lake.last_rowid
        if on_lake.last_rowid is None:
            break
        after = on_lake.last_rowid


def test_only_the_newest_indexes_are_kept(lake: Lake, tmp_path: Path) -> None:
    config = _moved(lake, tmp_path)
    folder = serving_path(config, TABLE, 1).parent
    folder.mkdir(parents=True)
    first = lake.first_snapshot
    assert first >= 2
    for old in (first - 2, first - 1):  # indexes of snapshots published before
        serving_path(config, TABLE, old).write_bytes(b"old")
    _build(lake, tmp_path, first)
    kept = sorted(p.name for p in folder.glob("*.duckdb"))
    assert kept == [f"{first - 1}.duckdb", f"{first}.duckdb"], kept
