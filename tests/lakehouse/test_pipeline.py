"""One batch end to end through ``run_batch``: a real catalog (migrated SQLite file), real DuckLake.

Each extract comes from ``lakehouse.samples`` with an exactly-known defect manifest; the tests
assert that exactly those rows are quarantined with exactly those rule codes, that a batch over
the failure threshold or failing a blocking batch check is rejected with its reasons named, and
that batch checks compare a batch with the previous *published* one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.datasets import register_contract
from catalog.db import init_catalog
from catalog.departments import upsert_department
from catalog.models import Batch, BatchStatus, QualityDecision, QualityReport
from catalog.settings import Settings
from lakehouse.connection import connect
from lakehouse.pipeline import BatchSummary, run_batch
from lakehouse.quarantine import quarantine_sample
from lakehouse.samples import (
    SampleManifest,
    write_enterprise_extract,
    write_household_extract,
    write_social_insurance_extract,
)
from schemas import load_contract

pytestmark = pytest.mark.slow

HOUSEHOLD = "gaj_household_registration"
ENTERPRISE = "scjgj_enterprise_registration"
SOCIAL = "rsj_social_insurance"
DEPARTMENTS = (
    ("330100RSJ", "杭州市人力资源和社会保障局"),
    ("330100GAJ", "杭州市公安局"),
    ("330100SCJGJ", "杭州市市场监督管理局"),
)
EARLY_NOVEMBER = dt.datetime(2026, 11, 5, 2, 0, tzinfo=dt.UTC)  # 10:00 in Hangzhou


@pytest.fixture
def catalog(settings: Settings) -> Iterator[sessionmaker[Session]]:
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        for code, name in DEPARTMENTS:
            upsert_department(session, code, name, "330100")
        for dataset in (HOUSEHOLD, ENTERPRISE, SOCIAL):
            register_contract(session, load_contract(dataset))
        session.commit()
    yield sessions
    sessions.kw["bind"].dispose()  # an open pool on PostgreSQL (make test-production) would warn


def _quarantined(settings: Settings, dataset: str, batch_id: int) -> dict[int, list[str]]:
    with connect(settings) as con:
        rows = con.execute(
            f'SELECT _row, failed_rules FROM lake."{dataset}__quarantine" WHERE _batch_id = ?',
            [batch_id],
        ).fetchall()
    return {int(row): sorted(rules) for row, rules in rows}


def _published(settings: Settings, dataset: str, batch_id: int) -> int:
    with connect(settings) as con:
        row = con.execute(
            f'SELECT count(*) FROM lake."{dataset}" WHERE _batch_id = ?', [batch_id]
        ).fetchone()
    return int(row[0]) if row else 0


def _report(sessions: sessionmaker[Session], batch_id: int) -> tuple[Batch, QualityReport]:
    with sessions() as session:
        batch = session.get(Batch, batch_id)
        report = session.scalars(
            select(QualityReport).where(QualityReport.batch_id == batch_id)
        ).one()
        assert batch is not None
        session.expunge_all()
    return batch, report


def _run(
    settings: Settings, dataset: str, manifest: SampleManifest, now: dt.datetime
) -> BatchSummary:
    return run_batch(settings, dataset, manifest.path, now=now)


def test_household_batch_quarantines_exactly_the_manifest(
    settings: Settings, catalog: sessionmaker[Session], tmp_path: Path
) -> None:
    manifest = write_household_extract(tmp_path / "户籍_2026-10.csv", month="2026-10")
    summary = _run(settings, HOUSEHOLD, manifest, EARLY_NOVEMBER)

    assert summary.status == "published"
    assert summary.decision == QualityDecision.PUBLISH_WITH_QUARANTINE.value
    assert _quarantined(settings, HOUSEHOLD, summary.batch_id) == manifest.defects
    assert {c for codes in manifest.defects.values() for c in codes} >= {
        "citizen_id.check_digit",
        "citizen_id.format",
        "cross.id_birth_date",
        "cross.id_sex",
        "cast:registered_on",
        "ethnicity.known",
        "mobile.format",
        "admin_division.known",
        "primary_key.unique",
    }
    assert summary.rows_quarantined == len(manifest.defects) == 10
    assert _published(settings, HOUSEHOLD, summary.batch_id) == manifest.rows - 10

    batch, report = _report(catalog, summary.batch_id)
    assert batch.status is BatchStatus.PUBLISHED
    assert report.snapshot_id == batch.snapshot_id is not None
    assert report.rule_counts["cross.id_sex"] == 1
    assert report.rule_counts["cross.id_birth_date"] == 1
    findings = report.batch_findings
    assert set(findings) == {"batch.row_count_change", "batch.freshness"}
    assert findings["batch.row_count_change"]["passed"] is True
    assert findings["batch.row_count_change"]["bound"] is None  # first batch: nothing to compare
    assert findings["batch.freshness"] == {
        "passed": True,
        "observed": findings["batch.freshness"]["observed"],
        "bound": "2026-09-04",  # 62 days (two monthly cycles) before 2026-11-05
        "blocking": True,
        "message": findings["batch.freshness"]["message"],
    }
    assert "2026-10-" in findings["batch.freshness"]["observed"]
    # GE executed the freshness check and found the batch fresh
    ge_checks = {
        (r["expectation_config"].get("meta") or {}).get("batch_check"): r["success"]
        for r in report.ge_result["results"]
    }
    assert ge_checks["batch.freshness"] is True


def test_household_batch_over_the_threshold_is_rejected_with_reasons(
    settings: Settings, catalog: sessionmaker[Session], tmp_path: Path
) -> None:
    manifest = write_household_extract(tmp_path / "small.csv", rows=100)  # 10 % bad rows
    summary = _run(settings, HOUSEHOLD, manifest, EARLY_NOVEMBER)

    assert (summary.status, summary.decision) == ("rejected", "reject")
    assert "10 of 100 rows failed" in summary.reason
    for code in ("cross.id_sex (1)", "mobile.format (1)", "primary_key.unique (2)"):
        assert code in summary.reason
    batch, report = _report(catalog, summary.batch_id)
    assert batch.status is BatchStatus.REJECTED
    assert batch.error == summary.reason
    assert report.snapshot_id is None
    with connect(settings) as con:
        tables = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'lake'"
        ).fetchone()
    assert tables == (0,)  # nothing reached the lake


def test_second_batch_is_checked_against_the_previous_published_one(
    settings: Settings, catalog: sessionmaker[Session], tmp_path: Path
) -> None:
    first = write_household_extract(tmp_path / "first.csv", rows=500, seed=1)
    assert _run(settings, HOUSEHOLD, first, EARLY_NOVEMBER).status == "published"

    # 60 % fewer rows: outside ±50 %, and the contract makes batch checks blocking
    shrunk = write_household_extract(tmp_path / "shrunk.csv", rows=200, seed=2, defects=False)
    rejected = _run(settings, HOUSEHOLD, shrunk, EARLY_NOVEMBER)
    assert (rejected.status, rejected.decision) == ("rejected", "reject")
    assert rejected.reason.startswith("batch.row_count_change: 200 rows vs 500")
    finding = rejected.findings["batch.row_count_change"]
    assert (finding["passed"], finding["observed"], finding["bound"]) == (False, 200, [250, 750])
    assert finding["blocking"] is True

    # compared with the last PUBLISHED batch (500), not the rejected one (200)
    steady = write_household_extract(tmp_path / "steady.csv", rows=400, seed=3, defects=False)
    published = _run(settings, HOUSEHOLD, steady, EARLY_NOVEMBER)
    assert (published.status, published.decision) == ("published", "publish")
    finding = published.findings["batch.row_count_change"]
    assert (finding["passed"], finding["observed"], finding["bound"]) == (True, 400, [250, 750])


def test_stale_household_batch_is_rejected_by_freshness(
    settings: Settings, catalog: sessionmaker[Session], tmp_path: Path
) -> None:
    manifest = write_household_extract(tmp_path / "old.csv", month="2026-07", defects=False)
    summary = _run(settings, HOUSEHOLD, manifest, EARLY_NOVEMBER)
    assert (summary.status, summary.decision) == ("rejected", "reject")
    finding = summary.findings["batch.freshness"]
    assert finding["passed"] is False
    assert finding["observed"] <= "2026-07-31"
    assert finding["bound"] == "2026-09-04"
    assert summary.reason.startswith("batch.freshness: newest value 2026-07-")


def test_enterprise_batch_checks_only_warn(
    settings: Settings, catalog: sessionmaker[Session], tmp_path: Path
) -> None:
    first = write_enterprise_extract(tmp_path / "e1.csv", day=dt.date(2026, 11, 24))
    landed = dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC)
    summary = _run(settings, ENTERPRISE, first, landed)
    assert (summary.status, summary.decision) == ("published", "publish_with_quarantine")
    assert _quarantined(settings, ENTERPRISE, summary.batch_id) == first.defects
    assert {c for codes in first.defects.values() for c in codes} >= {
        "uscc.check_digit",
        "uscc.org_code",
        "citizen_id.format",
        "cast:established_on",
        "email.format",
        "landline.format",
    }
    assert summary.findings["batch.freshness"]["passed"] is True

    # a month-old extract with 60 % fewer rows: both checks fail, neither blocks
    stale = write_enterprise_extract(
        tmp_path / "e2.csv", rows=200, seed=5, defects=False, day=dt.date(2026, 10, 20)
    )
    warned = _run(settings, ENTERPRISE, stale, dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC))
    assert (warned.status, warned.decision) == ("published", "publish")
    assert {code: f["passed"] for code, f in warned.findings.items()} == {
        "batch.row_count_change": False,
        "batch.freshness": False,
    }
    assert not any(f["blocking"] for f in warned.findings.values())
    _, report = _report(catalog, warned.batch_id)
    assert report.batch_findings == warned.findings
    assert report.snapshot_id is not None


def test_social_insurance_defects_are_quarantined_by_name(
    settings: Settings, catalog: sessionmaker[Session], tmp_path: Path
) -> None:
    manifest = write_social_insurance_extract(tmp_path / "rsj.csv", rows=500)
    summary = _run(settings, SOCIAL, manifest, EARLY_NOVEMBER)
    assert (summary.status, summary.decision) == ("published", "publish_with_quarantine")
    assert _quarantined(settings, SOCIAL, summary.batch_id) == manifest.defects
    assert summary.findings == {}  # the contract declares no batch checks


def _source_rows(manifest: SampleManifest) -> list[list[str]]:
    text = manifest.path.read_bytes().decode(manifest.encoding)
    return list(csv.reader(io.StringIO(text, newline="")))[1:]


def test_quarantine_sample_masks_personal_fields(
    settings: Settings, catalog: sessionmaker[Session], tmp_path: Path
) -> None:
    manifest = write_household_extract(tmp_path / "户籍.csv")
    summary = _run(settings, HOUSEHOLD, manifest, EARLY_NOVEMBER)
    contract = load_contract(HOUSEHOLD)
    with connect(settings) as con:
        sample = quarantine_sample(con, contract, summary.batch_id, limit=50)
        raw = con.execute(
            f'SELECT citizen_id, person_name, mobile, address, birth_date FROM lake."{HOUSEHOLD}'
            '__quarantine" WHERE _batch_id = ?',
            [summary.batch_id],
        ).fetchall()
        assert quarantine_sample(con, contract, summary.batch_id, limit=3) == sample[:3]
        assert quarantine_sample(con, contract, summary.batch_id + 99) == []

    assert [row["_row"] for row in sample] == sorted(manifest.defects)
    assert {row["_row"]: row["failed_rules"] for row in sample} == manifest.defects
    assert set(sample[0]) == {"_row", "failed_rules", *contract.field_names}
    shown = json.dumps(sample, default=str, ensure_ascii=False)
    sources = _source_rows(manifest)
    for cid, name, mobile, address, birth in raw:
        assert cid not in shown
        assert address not in shown
        assert str(birth) not in shown
        if mobile:
            assert mobile not in shown
        assert len(name) < 2 or name not in shown
    for number in manifest.defects:
        assert sources[number - 1][0] not in shown  # not even the raw text as sent
    for row in sample:
        cid = row["citizen_id"]
        assert cid == "***" or re.fullmatch(r".{6}\*{4}.{4}", cid), cid
        assert row["address"] == row["ethnicity"] == row["birth_date"] == "***"
        assert row["person_name"] == "***" or row["person_name"][1:] == "****"
