"""A dataset fed from a database: incremental by watermark, the watermark advanced only by a
published batch, the password never recorded or printed; SQLite and PostgreSQL as the source."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from catalog.models import BatchStatus
from catalog.settings import Settings
from exchange_api.cli import app
from lakehouse.db_ingest import DbSourceError, ingest_from_db, mask
from tests.lakehouse import factories
from tests.lakehouse.batch_life_world import SOCIAL, World, build_world

_COLUMNS = (*factories.HEADER, "updated_at")


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    built = build_world(settings)
    try:
        yield built
    finally:
        built.sessions.kw["bind"].dispose()


@pytest.fixture
def source_db(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / '人社系统.sqlite'}")
    _create(engine)
    yield engine
    engine.dispose()


def _create(engine: sa.Engine) -> None:
    columns = ", ".join(f'"{c}" TEXT' for c in factories.HEADER)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE contributions ({columns}, updated_at TIMESTAMP)"))


def _insert(engine: sa.Engine, rows: Sequence[Sequence[str]], day: int) -> None:
    names = ", ".join(f":c{i}" for i in range(len(_COLUMNS)))
    with engine.begin() as conn:
        for n, row in enumerate(rows):
            stamp = f"2026-11-{day:02d} 08:{n:02d}:00"
            values = {f"c{i}": v for i, v in enumerate([*row, stamp])}
            conn.execute(sa.text(f"INSERT INTO contributions VALUES ({names})"), values)


def _cells(n: int, seed: int) -> list[tuple[str, ...]]:
    return [r.cells for r in factories.source_rows(n, seed=seed)]


def test_incremental_by_watermark_and_a_refused_batch_does_not_advance_it(
    world: World, source_db: sa.Engine
) -> None:
    url = str(source_db.url)
    _insert(source_db, _cells(6, seed=1), day=1)
    first = ingest_from_db(
        world.settings, SOCIAL, url, table="contributions", watermark="updated_at"
    )
    assert first.summary is not None and first.summary.outcome == "published"
    assert (first.rows, first.since, first.through) == (6, None, "2026-11-01 08:05:00")
    assert first.summary.rows_published == 6

    bad = [("123", *row[1:]) for row in _cells(4, seed=2)]  # not citizen IDs: over the threshold
    _insert(source_db, bad, day=2)
    refused = ingest_from_db(
        world.settings, SOCIAL, url, table="contributions", watermark="updated_at"
    )
    assert refused.summary is not None and refused.summary.outcome == "rejected"
    assert (refused.rows, refused.since) == (4, "2026-11-01 08:05:00")

    with source_db.begin() as conn:  # the department fixes its rows; they are read again
        conn.execute(sa.text("DELETE FROM contributions WHERE updated_at > '2026-11-02'"))
    _insert(source_db, _cells(3, seed=3), day=3)
    second = ingest_from_db(
        world.settings, SOCIAL, url, table="contributions", watermark="updated_at"
    )
    assert second.summary is not None and second.summary.outcome == "published"
    assert (second.rows, second.since, second.through) == (
        3,
        "2026-11-01 08:05:00",
        "2026-11-03 08:02:00",
    )
    nothing = ingest_from_db(
        world.settings, SOCIAL, url, table="contributions", watermark="updated_at"
    )
    assert (nothing.rows, nothing.summary) == (0, None)
    assert nothing.since == "2026-11-03 08:02:00"
    assert world.lake_rows() and sum(n for _, n in world.lake_rows()) == 9
    statuses = [b.status for b in world.batches()]
    assert statuses == [BatchStatus.PUBLISHED, BatchStatus.REJECTED, BatchStatus.PUBLISHED]
    recorded = json.loads(world.batches()[-1].source_name.removeprefix("db:"))
    assert recorded["table"] == "contributions" and recorded["through"] == second.through


def test_the_cli_ingests_from_a_database(world: World, source_db: sa.Engine) -> None:
    _insert(source_db, _cells(5, seed=4), day=4)
    runner = CliRunner()
    args = ["ingest", SOCIAL, "--from-db", str(source_db.url), "--table", "contributions"]
    done = runner.invoke(app, [*args, "--watermark", "updated_at", "--json"])
    assert done.exit_code == 0, done.output
    record = json.loads(done.stdout)
    assert record["outcome"] == "published" and record["rows_extracted"] == 5
    assert record["source"].startswith("db:")
    again = runner.invoke(app, [*args, "--watermark", "updated_at"])
    assert again.exit_code == 0 and "no new rows since 2026-11-04 08:04:00" in again.stderr
    assert runner.invoke(app, ["ingest", SOCIAL, "x.csv", "--from-db", "sqlite://"]).exit_code == 2
    assert runner.invoke(app, ["ingest", SOCIAL, "--table", "t"]).exit_code == 2


def test_mask_hides_the_password() -> None:
    assert mask("postgresql+psycopg://zt:s3cr%40t@db.example:5432/rsj") == (
        "postgresql+psycopg://zt:***@db.example:5432/rsj"
    )


@pytest.mark.postgres
def test_postgresql_source_with_a_password_never_recorded(
    world: World, postgresql_url: str
) -> None:
    engine = sa.create_engine(postgresql_url)
    _create(engine)
    _insert(engine, _cells(4, seed=5), day=5)
    engine.dispose()
    secret = "s3cret-口令"
    url = sa.make_url(postgresql_url).set(password=secret).render_as_string(hide_password=False)
    assert "s3cret" in url  # the trust-authenticated test server ignores it
    done = ingest_from_db(
        world.settings, SOCIAL, url, table="contributions", watermark="updated_at"
    )
    assert done.summary is not None and done.summary.outcome == "published", done.summary
    assert done.through == "2026-11-05 08:03:00"
    assert "s3cret" not in done.source and "***" in done.source
    assert all("s3cret" not in b.source_name for b in world.batches())
    with pytest.raises(DbSourceError) as caught:
        ingest_from_db(world.settings, SOCIAL, url, table="no_such_table")
    assert "s3cret" not in str(caught.value) and "***" in str(caught.value)
    runner = CliRunner()
    shown = runner.invoke(app, ["ingest", SOCIAL, "--from-db", url, "--table", "contributions"])
    assert "s3cret" not in shown.output
