"""Quality reports over HTTP: the report JSON and its schema, masked samples, who may read."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from typing import Any

import jsonschema
import pytest
from sqlalchemy import select

from catalog.models import AuditEvent
from exchange_api.demo import DATASET
from quality.reports import REPORT_SCHEMA_PATH
from tests.exchange_api.conftest import Platform, report_of

PROBLEM = "application/problem+json"
SCHEMA: dict[str, Any] = json.loads(REPORT_SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


@pytest.fixture(scope="module")
def report_id(platform: Platform) -> int:
    return report_of(platform, platform.batch.batch_id)


def _get(platform: Platform, path: str, account: str | None) -> Any:
    headers = platform.headers(account) if account else {}
    return platform.client.get(path, headers=headers)


def test_report_json_validates_and_names_exactly_the_defects(
    platform: Platform, report_id: int
) -> None:
    response = _get(platform, f"/api/v1/quality/reports/{report_id}", "rsj-exchange")
    assert response.status_code == 200, response.text
    report = response.json()
    VALIDATOR.validate(report)

    assert report["dataset"]["code"] == DATASET
    assert report["batch_id"] == platform.batch.batch_id
    assert report["snapshot_id"] == platform.batch.snapshot_id is not None
    assert report["source_sha256"] == platform.manifest.sha256
    assert report["rows_in"] == platform.manifest.rows
    assert report["decision"] == "publish_with_quarantine"
    assert report["sign_off"] is None
    assert report["great_expectations"]["statistics"]["evaluated_expectations"] > 0
    assert "results" not in report["great_expectations"]  # the full GE result stays inside

    expected = Counter(code for codes in platform.manifest.defects.values() for code in codes)
    failing = {r["code"]: r["failed"] for r in report["rules"] if r["failed"]}
    assert failing == dict(expected)  # the manifest lists both rows that share a key
    assert all(r["description"] for r in report["rules"])
    assert report["rows_quarantined"] == len(report["samples"]) > 0


def test_samples_are_masked_and_carry_their_rules(platform: Platform, report_id: int) -> None:
    report = _get(platform, f"/api/v1/quality/reports/{report_id}", "dsj-audit").json()
    codes = {r["code"] for r in report["rules"]}
    for sample in report["samples"]:
        assert set(sample["failed_rules"]) <= codes | {"cast:" + f for f in ("amount", "period")}
        assert sample["failed_rules"]
        citizen_id = sample["citizen_id"]
        assert citizen_id is None or re.fullmatch(r".{6}\*{4}.{4}|\*{3}", citizen_id), citizen_id
        assert sample["person_name"] is None or re.fullmatch(r".\*{4}|\*{3}", sample["person_name"])
    raw_ids = {
        line.split(",")[0]
        for line in platform.manifest.path.read_bytes().decode("gbk").splitlines()[1:]
    }
    assert not raw_ids & {s["citizen_id"] for s in report["samples"]}


def test_showing_samples_is_audited(platform: Platform, report_id: int) -> None:
    before = _sample_events(platform)
    report = _get(platform, f"/api/v1/quality/reports/{report_id}", "rsj-exchange").json()
    after = _sample_events(platform)
    assert len(after) == len(before) + 1
    event = after[-1]
    assert event.detail["report_id"] == report_id
    assert event.detail["row_count"] == len(report["samples"])
    assert len(event.detail["content_sha256"]) == 64


def _sample_events(platform: Platform) -> list[AuditEvent]:
    with platform.sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "quality.quarantine_sample_read")
                .order_by(AuditEvent.id)
            )
        )


def test_dataset_quality_has_latest_and_trend(platform: Platform, report_id: int) -> None:
    response = _get(platform, f"/api/v1/datasets/{DATASET}/quality", "rsj-exchange")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["dataset"] == DATASET
    VALIDATOR.validate(body["latest"])
    assert body["latest"]["report_id"] == report_id
    assert "samples" not in body["latest"]
    [point] = body["trend"]
    point_schema = {"$ref": "#/$defs/trend_point", "$defs": SCHEMA["$defs"]}
    jsonschema.Draft202012Validator(point_schema).validate(point)
    assert point["batch_id"] == platform.batch.batch_id
    assert point["rows_quarantined"] == body["latest"]["rows_quarantined"]


@pytest.mark.parametrize(
    ("account", "status"),
    [
        ("rsj-exchange", 200),  # the owner department
        ("dsj-audit", 200),  # the auditor, of another department
        ("dsj-admin", 200),  # the platform admin (a separate account, GB/T 39477)
        ("swj-exchange", 403),  # a requester of another department
        ("gaj-exchange", 403),
        (None, 401),
    ],
)
def test_who_may_read_reports(
    platform: Platform, report_id: int, account: str | None, status: int
) -> None:
    for path in (f"/api/v1/quality/reports/{report_id}", f"/api/v1/datasets/{DATASET}/quality"):
        response = _get(platform, path, account)
        assert response.status_code == status, (path, response.text)
        if status != 200:
            assert response.headers["content-type"].startswith(PROBLEM)
            expected = "report.access_refused" if status == 403 else "auth.missing_token"
            assert response.json()["code"] == expected


def test_unknown_report_and_dataset_are_404(platform: Platform) -> None:
    response = _get(platform, "/api/v1/quality/reports/999999", "dsj-audit")
    assert response.status_code == 404
    assert response.json()["code"] == "report.not_found"
    response = _get(platform, "/api/v1/datasets/nope/quality", "dsj-audit")
    assert response.json()["code"] == "dataset.not_found"


def test_the_schema_is_published(platform: Platform) -> None:
    response = platform.client.get("/api/v1/quality/report.schema.json")
    assert response.status_code == 200
    assert response.json() == SCHEMA


def _valid(report: dict[str, Any]) -> bool:
    return VALIDATOR.is_valid(report)


def test_the_schema_rejects_malformed_reports(platform: Platform, report_id: int) -> None:
    good = _get(platform, f"/api/v1/quality/reports/{report_id}", "rsj-exchange").json()
    assert _valid(good)

    def broken(change: Any) -> dict[str, Any]:
        report = copy.deepcopy(good)
        change(report)
        return report

    assert not _valid(broken(lambda r: r.pop("rules")))
    assert not _valid(broken(lambda r: r.update(score=120.0)))
    assert not _valid(broken(lambda r: r.update(decision="maybe")))
    assert not _valid(broken(lambda r: r.update(source_sha256="not-a-hash")))
    assert not _valid(broken(lambda r: r.update(unexpected=True)))
    assert not _valid(broken(lambda r: r["rules"][0].update(failed=-1)))
    assert not _valid(broken(lambda r: r["rules"][0].pop("code")))
    assert not _valid(broken(lambda r: r.update(sign_off={"by": "someone"})))
    assert not _valid(broken(lambda r: r["great_expectations"].update(results=[])))
    assert not _valid(broken(lambda r: r.update(created_at="yesterday")))
