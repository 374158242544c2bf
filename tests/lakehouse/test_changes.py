"""The change feed as a grantee sees it, on real DuckLakes (SQLite and PostgreSQL metadata).

Four snapshots: the first batch, a later batch, one snapshot of updates (a visible change, a row
leaving the grant's region with a tell-tale amount, a row entering it, a change only a mask hides,
a change outside the region) and one of deletes (inside and outside the region).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from catalog.models import AccessMode
from catalog.policy import AccessPlan, Condition, Op
from catalog.settings import Settings
from lakehouse.changes import compile_changes, read_changes
from lakehouse.connection import connect
from tests.catalog import policy_factories as pf
from tests.catalog.policy_factories import decide
from tests.fixtures.postgres import PostgresServer
from tests.lakehouse.test_read import LATER, ROWS, TABLE, _insert

KEY = bytes(range(32))
FIELDS = ("citizen_id", "person_name", "period", "amount", "region")
STAY, LEAVE, ENTER, MASKED_ONLY = ROWS[0], ROWS[1], ROWS[2], ROWS[3]
OUTSIDE = next(r for r in ROWS[4:] if not r["region"].startswith("3301"))
GONE_OUTSIDE = next(r for r in ROWS[4:] if not r["region"].startswith("3301") and r is not OUTSIDE)
TELL_TALE = Decimal("7777.77")


@dataclasses.dataclass(frozen=True)
class Feed:
    con: duckdb.DuckDBPyConnection
    snapshots: tuple[int, int, int, int]  # first batch, later batch, updates, deletes


def _last(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT max(snapshot_id) FROM lake.snapshots()").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite-lake"),
        pytest.param("postgresql", id="postgresql-lake", marks=pytest.mark.postgres),
    ],
)
def feed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Feed]:
    var: Path = tmp_path_factory.mktemp("var")
    lake_catalog = database = ""
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgresql_server")
        database = server.create_database("lake")
        lake_catalog = server.lake_catalog(database)
    config = Settings(var_dir=var, environment="test", lake_catalog=lake_catalog, lake_data_path="")
    try:
        with connect(config) as con:
            con.execute(
                f"CREATE TABLE lake.{TABLE} (citizen_id VARCHAR, person_name VARCHAR,"
                " employer_uscc VARCHAR, employer_name VARCHAR, period VARCHAR,"
                " amount DECIMAL(18,2), region VARCHAR, _batch_id BIGINT, _row BIGINT)"
            )
            _insert(con, ROWS, 1, 1)
            first = _last(con)
            _insert(con, LATER, 2, len(ROWS) + 1)
            later = _last(con)
            t = f"lake.{TABLE}"
            con.execute("BEGIN TRANSACTION")
            con.execute(
                f"UPDATE {t} SET amount = 1500.00 WHERE citizen_id = ?", [STAY["citizen_id"]]
            )
            con.execute(
                f"UPDATE {t} SET region = '110101', amount = ? WHERE citizen_id = ?",
                [TELL_TALE, LEAVE["citizen_id"]],
            )
            con.execute(
                f"UPDATE {t} SET region = '330106' WHERE citizen_id = ?", [ENTER["citizen_id"]]
            )
            con.execute(
                f"UPDATE {t} SET person_name = '欧阳娜' WHERE citizen_id = ?",
                [MASKED_ONLY["citizen_id"]],
            )
            con.execute(
                f"UPDATE {t} SET amount = 1.00 WHERE citizen_id = ?", [OUTSIDE["citizen_id"]]
            )
            con.execute("COMMIT")
            updates = _last(con)
            con.execute(
                f"DELETE FROM {t} WHERE citizen_id IN (?, ?)",
                [LATER[0]["citizen_id"], GONE_OUTSIDE["citizen_id"]],
            )
            yield Feed(con, (first, later, updates, _last(con)))
    finally:
        if database:
            with server.admin_connection() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _plan(grantee: bool = True, **changes: Any) -> AccessPlan:
    request = pf.request(mode=AccessMode.CHANGES, **changes)
    if not grantee:
        decision = decide(pf.owner(), pf.contract(), None, request, now=pf.NOW)
        assert isinstance(decision, AccessPlan), decision
        return decision
    grant = pf.grant(fields=FIELDS, access_modes=frozenset({AccessMode.CHANGES}))
    decision = decide(pf.principal(), pf.contract(), grant, request, now=pf.NOW)
    assert isinstance(decision, AccessPlan), decision
    return dataclasses.replace(decision, hash_key=KEY)


def _changes(feed: Feed, plan: AccessPlan, **kwargs: Any) -> list[dict[str, Any]]:
    first, _, _, deletes = feed.snapshots
    return read_changes(feed.con, plan, first + 1, deletes, **kwargs).changes


def _masked(cid: str) -> str:
    return cid[:6] + "****" + cid[-4:]


def test_the_owner_sees_every_change_unmasked(feed: Feed) -> None:
    _, later, updates, deletes = feed.snapshots
    got = _changes(feed, _plan(grantee=False))
    kinds = [(c["snapshot_id"], c["change"], c["row"]["citizen_id"]) for c in got]
    assert kinds[0] == (later, "added", LATER[0]["citizen_id"])
    changed = {cid for s, kind, cid in kinds if s == updates and kind == "changed"}
    assert changed == {r["citizen_id"] for r in (STAY, LEAVE, ENTER, MASKED_ONLY, OUTSIDE)}
    removed = {cid for s, kind, cid in kinds if s == deletes and kind == "removed"}
    assert removed == {LATER[0]["citizen_id"], GONE_OUTSIDE["citizen_id"]}
    assert len(got) == 8
    assert all(c["row_ref"].isdigit() for c in got)  # the owner sees the row id itself


def test_a_grantee_sees_only_its_view_changing(feed: Feed) -> None:
    _, later, updates, deletes = feed.snapshots
    got = _changes(feed, _plan())
    seen = [(c["snapshot_id"], c["change"], c["row"]["citizen_id"]) for c in got]
    assert seen[0] == (later, "added", _masked(LATER[0]["citizen_id"]))
    assert sorted(seen[1:4]) == sorted(
        [
            (updates, "changed", _masked(STAY["citizen_id"])),
            (updates, "removed", _masked(LEAVE["citizen_id"])),
            (updates, "added", _masked(ENTER["citizen_id"])),
        ]
    )
    assert seen[4:] == [(deletes, "removed", _masked(LATER[0]["citizen_id"]))]
    by_change = {(c["change"], c["row"]["citizen_id"]): c["row"] for c in got}
    assert by_change[("changed", _masked(STAY["citizen_id"]))]["amount"] == Decimal("1500.00")
    # The row that left the region is shown as it was (which the grantee could read), never as
    # it became: neither its new region nor its new amount is sent.
    left = by_change[("removed", _masked(LEAVE["citizen_id"]))]
    assert left["region"] == LEAVE["region"] and left["amount"] == LEAVE["amount"]
    assert by_change[("added", _masked(ENTER["citizen_id"]))]["region"] == "330106"
    for change in got:
        assert change["row"]["region"].startswith("3301"), change
        assert change["row"]["amount"] != TELL_TALE
        assert re.fullmatch(r"\d{6}\*{4}[\dX]{4}", change["row"]["citizen_id"])
        assert change["row"]["person_name"].endswith("****")


def test_row_refs_follow_a_row_without_revealing_it(feed: Feed) -> None:
    got = _changes(feed, _plan())
    refs = {c["row_ref"] for c in got}
    assert all(re.fullmatch(r"[0-9a-f]{64}", r) for r in refs)
    zhao = [c for c in got if c["row"]["citizen_id"] == _masked(LATER[0]["citizen_id"])]
    assert [c["change"] for c in zhao] == ["added", "removed"]
    assert zhao[0]["row_ref"] == zhao[1]["row_ref"]
    other_key = dataclasses.replace(_plan(), hash_key=bytes(32))
    assert refs.isdisjoint(c["row_ref"] for c in _changes(feed, other_key))


def test_selected_columns_decide_what_counts_as_changed(feed: Feed) -> None:
    """A change to a column the caller did not select is no change to it."""
    got = _changes(feed, _plan(fields=("citizen_id", "period")))
    kinds = sorted(c["change"] for c in got)
    assert kinds == ["added", "added", "removed", "removed"]  # no 'changed' at all


def test_client_filters_narrow_every_image(feed: Feed) -> None:
    plan = _plan(filters=(Condition("period", Op.EQ, STAY["period"]),))
    got = _changes(feed, plan)
    assert got and all(c["row"]["period"] == STAY["period"] for c in got)


def test_one_snapshot_and_keyset_pages(feed: Feed) -> None:
    _, later, updates, deletes = feed.snapshots
    plan = _plan()
    only_updates = read_changes(feed.con, plan, updates, updates).changes
    assert {c["snapshot_id"] for c in only_updates} == {updates} and len(only_updates) == 3
    everything = _changes(feed, plan, order_salt=5)
    for size in (1, 2, 4):
        paged: list[dict[str, Any]] = []
        after = None
        while True:
            page = read_changes(
                feed.con,
                dataclasses.replace(plan, limit=size),
                later,
                deletes,
                order_salt=5,
                after=after,
            )
            if not page.changes:
                break
            paged.extend(page.changes)
            after = page.last_position
        assert paged == everything


def test_values_are_bound_never_pasted(feed: Feed) -> None:
    plan = _plan(filters=(Condition("period", Op.EQ, "2026-10' OR 1=1 --"),))
    sql, params = compile_changes(plan, 3, 4, after=(3, 99))
    assert "OR 1=1" not in sql and "2026-10' OR 1=1 --" in params
    assert KEY.hex() not in sql
    assert _changes(feed, plan) == []
