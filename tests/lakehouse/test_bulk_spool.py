"""Bulk spool files on a real DuckLake (SQLite and PostgreSQL metadata): a character GBK cannot
hold is refused naming its row and field, with nothing left behind; GB18030 holds it; every
format's digest and row count describe the file's bytes."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from catalog.models import AccessMode
from catalog.policy import AccessPlan
from lakehouse.bulk_spool import (
    BulkEncoding,
    BulkFormat,
    EncodingUnrepresentable,
    write_spool,
)
from lakehouse.read import compile_plan
from tests.catalog import policy_factories as pf
from tests.catalog.policy_factories import decide
from tests.lakehouse.test_read import COLUMNS, TABLE, Lake, lake

__all__ = ["lake"]

RARE = "䶮"  # CJK extension A: in GB18030, not in GBK (a real given name: 刘䶮)


@pytest.fixture(scope="module")
def rare_lake(lake: Lake) -> Lake:
    """The shared rows plus one person whose name starts with a character GBK lacks."""
    row = ["330106199001011237", RARE + "明", "91330106MA2B3C4D5E", "某公司", "2026-10"]
    lake.con.execute(
        f"INSERT INTO lake.{TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, 9, 1)",
        [*row, Decimal("10.00"), "330106"],
    )
    assert COLUMNS[1] == "person_name"
    return lake


def _plan() -> AccessPlan:
    """A bulk plan of a grantee: names masked keep:1:0 — the first character stays visible."""
    terms = pf.grant(access_modes=frozenset({AccessMode.BULK}), row_filter=())
    request = pf.request(mode=AccessMode.BULK, limit=None)
    plan = decide(pf.principal(), pf.contract(), terms, request, now=pf.NOW)
    assert isinstance(plan, AccessPlan), plan
    return dataclasses.replace(plan, order_by=(), order_hidden=False)


def test_gbk_refuses_a_character_it_cannot_hold_and_leaves_nothing(
    rare_lake: Lake, tmp_path: Path
) -> None:
    sql, params = compile_plan(_plan())
    target = tmp_path / "x.csv"
    with pytest.raises(EncodingUnrepresentable) as caught:
        write_spool(rare_lake.con, sql, params, target, BulkFormat.CSV, BulkEncoding.GBK)
    error = caught.value
    assert error.code == "encoding.unrepresentable" and error.status == 422
    assert error.context["field"] == "person_name"
    assert "person_name" in error.message and RARE not in error.message  # no data in messages
    assert list(tmp_path.iterdir()) == []

    utf8 = write_spool(rare_lake.con, sql, params, target, BulkFormat.CSV, BulkEncoding.UTF8)
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8"), newline="")))
    assert rows[error.context["row"] - 1]["person_name"].startswith(RARE)
    assert utf8.row_count == len(rows)


def test_gb18030_holds_every_character(rare_lake: Lake, tmp_path: Path) -> None:
    sql, params = compile_plan(_plan())
    target = tmp_path / "x.csv"
    spool = write_spool(rare_lake.con, sql, params, target, BulkFormat.CSV, BulkEncoding.GB18030)
    data = target.read_bytes()
    assert spool.content_sha256 == hashlib.sha256(data).hexdigest()
    assert spool.byte_count == len(data)
    rows = list(csv.DictReader(io.StringIO(data.decode("gb18030"), newline="")))
    assert len(rows) == spool.row_count
    assert any(r["person_name"].startswith(RARE) for r in rows)
    assert all(r["person_name"][1:] and set(r["person_name"][1:]) == {"*"} for r in rows)


@pytest.mark.parametrize("fmt", list(BulkFormat))
def test_each_format_counts_its_rows_and_hashes_its_bytes(
    lake: Lake, tmp_path: Path, fmt: BulkFormat
) -> None:
    sql, params = compile_plan(_plan())
    target = tmp_path / f"x.{fmt.suffix}"
    spool = write_spool(lake.con, sql, params, target, fmt)
    data = target.read_bytes()
    assert spool.content_sha256 == hashlib.sha256(data).hexdigest()
    if fmt is BulkFormat.PARQUET:
        table = pq.read_table(target)
    elif fmt is BulkFormat.ARROW:
        table = pa.ipc.open_stream(data).read_all()
    else:
        table = pa.Table.from_pylist(list(csv.DictReader(io.StringIO(data.decode(), newline=""))))
    assert table.num_rows == spool.row_count > 0
    assert "employer_name" not in table.column_names  # not granted
