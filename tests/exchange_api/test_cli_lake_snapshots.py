"""``zhongtai lake snapshots|read`` through the installed command: earlier catalog-bound snapshots
listed and read by id or time, through the one access decision, audited; a snapshot the catalog
did not bind to this dataset (another dataset's, a bare lake snapshot) is refused, never read.

The commands run in this process through the installed command's entry point
(``tests.fixtures.cli_runner``): nothing here is about the process itself."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess

import pytest
from sqlalchemy import select

from catalog.datasets import get_dataset
from catalog.errors import InvalidInput, NotFound
from catalog.models import AuditEvent, Batch
from catalog.snapshots import resolve_snapshot
from exchange_api.demo import DATASET
from lakehouse.connection import connect
from tests.exchange_api import changes_fixtures
from tests.exchange_api.changes_fixtures import GAJ, RSJ, SWJ, Lakehouse
from tests.fixtures.cli_runner import run_zhongtai

lakehouse = changes_fixtures.lakehouse  # SQLite- and PostgreSQL-metadata lakes


def _env(lh: Lakehouse, account: str) -> dict[str, str]:
    settings = lh.platform.settings
    return {
        "ZHONGTAI_VAR_DIR": str(settings.var_dir),
        "ZHONGTAI_ENVIRONMENT": "test",
        "ZHONGTAI_ENV_FILE": os.devnull,
        "ZHONGTAI_LAKE_CATALOG": settings.lake_catalog,
        "ZHONGTAI_TOKEN": lh.platform.tokens.by_account[account],
        "COLUMNS": "200",
    }


def _run(lh: Lakehouse, account: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``zhongtai lake ARGS`` in this process, through the installed command's entry point (a
    process start costs seconds): a domain error exits 2 with its code, as ``main`` prints it."""
    return run_zhongtai("lake", *args, env=_env(lh, account))


def _published_at(lh: Lakehouse, snapshot: int) -> dt.datetime:
    with lh.platform.sessions() as session:
        found = session.scalars(select(Batch.published_at).where(Batch.snapshot_id == snapshot))
        value = found.one()
    assert value is not None
    return value


def _last_read(lh: Lakehouse) -> AuditEvent:
    with lh.platform.sessions() as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "data.read")
            .order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None
    return event


def test_the_owner_lists_and_reads_each_earlier_snapshot(lakehouse: Lakehouse) -> None:
    lh = lakehouse
    listed = _run(lh, RSJ, "snapshots", DATASET, "--json")
    assert listed.returncode == 0, listed.stderr
    snapshots = json.loads(listed.stdout)
    assert [s["snapshot_id"] for s in snapshots][:3] == [lh.first, lh.second, lh.edits]
    assert lh.foreign not in {s["snapshot_id"] for s in snapshots}
    assert {s["mode"] for s in snapshots} == {"append"}
    first_rows, second_rows = snapshots[0]["rows"], snapshots[1]["rows"]
    assert 0 < first_rows < second_rows

    by_id = _run(lh, RSJ, "read", DATASET, "--snapshot", str(lh.first), "--json")
    assert by_id.returncode == 0, by_id.stderr
    page = json.loads(by_id.stdout)
    assert (page["snapshot_id"], page["row_count"]) == (lh.first, first_rows)
    event = _last_read(lh)
    assert event.detail["snapshot_id"] == lh.first and event.detail["row_count"] == first_rows

    # a time between the first and the second publication reads the first, as CSV
    moment = _published_at(lh, lh.first) + dt.timedelta(microseconds=1)
    by_time = _run(lh, RSJ, "read", DATASET, "--at", moment.isoformat(), "--limit", "10000")
    assert by_time.returncode == 0, by_time.stderr
    rows = list(csv.DictReader(io.StringIO(by_time.stdout)))
    assert len(rows) == first_rows
    assert {r["citizen_id"] for r in rows} == {r["citizen_id"] for r in page["rows"]}
    assert _last_read(lh).detail["snapshot_id"] == lh.first

    table = _run(lh, RSJ, "snapshots", DATASET)
    assert table.returncode == 0 and str(lh.second) in table.stdout


def test_unbound_snapshots_times_and_strangers_are_refused_without_rows(
    lakehouse: Lakehouse,
) -> None:
    lh = lakehouse
    foreign = _run(lh, RSJ, "read", DATASET, "--snapshot", str(lh.foreign))
    assert foreign.returncode == 2 and "snapshot.unknown" in foreign.stderr, foreign.stderr
    assert foreign.stdout == ""
    stranger = _run(lh, GAJ, "read", DATASET, "--snapshot", str(lh.first))
    assert stranger.returncode == 2 and stranger.stdout == ""
    # a grantee reads an earlier snapshot with its grant's row filter and masks
    with connect(lh.platform.settings) as con:
        stored = con.execute(
            f"SELECT citizen_id FROM lake.{DATASET} AT (VERSION => ?)", [lh.first]
        ).fetchall()
    grantee = _run(
        lh, SWJ, "read", DATASET, "--snapshot", str(lh.first), "--grant", str(lh.grant_id),
        "--json",
    )  # fmt: skip
    assert grantee.returncode == 0, grantee.stderr
    seen = json.loads(grantee.stdout)
    assert 0 < seen["row_count"] < len(stored)
    assert {r["region"] for r in seen["rows"]} == {lh.region}
    full_ids = {str(r[0]) for r in stored}
    assert not full_ids & {r["citizen_id"] for r in seen["rows"]}


def test_resolving_a_snapshot_names_only_what_the_catalog_bound(lakehouse: Lakehouse) -> None:
    lh = lakehouse
    first_at = _published_at(lh, lh.first)
    with lh.platform.sessions() as session:
        dataset = get_dataset(session, DATASET)
        assert resolve_snapshot(session, dataset).snapshot_id == dataset.current_snapshot_id
        assert resolve_snapshot(session, dataset, snapshot_id=lh.second).snapshot_id == lh.second
        assert resolve_snapshot(session, dataset, at=first_at).snapshot_id == lh.first
        # at the moment the second was published (a later batch may follow within a second)
        second_at = _published_at(lh, lh.second)
        assert resolve_snapshot(session, dataset, at=second_at).snapshot_id == lh.second
        refused = (
            ({"snapshot_id": lh.foreign}, NotFound, "snapshot.unknown"),
            ({"snapshot_id": lh.unpublished}, NotFound, "snapshot.unknown"),
            ({"snapshot_id": 10**12}, NotFound, "snapshot.unknown"),
            ({"at": first_at - dt.timedelta(seconds=1)}, NotFound, "snapshot.none_before"),
            ({"at": first_at.replace(tzinfo=None)}, InvalidInput, "snapshot.invalid_time"),
            ({"at": first_at, "snapshot_id": lh.first}, InvalidInput, "snapshot.ambiguous"),
        )
        for asked, error, code in refused:
            with pytest.raises(error) as caught:
                resolve_snapshot(session, dataset, **asked)
            assert caught.value.code == code, asked
