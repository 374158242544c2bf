"""A value delivered to a department, through the real exchange query path, traced back by an
auditor through the lake snapshot, the batch's publish and standardise runs, to the landed
file's SHA-256 and the row of it; the graph and the file's recipients over the API; and a
hostile steward of another department refused (403 problem+json, audited)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from catalog.audit_tables import LineageEvent
from catalog.lineage_edges import dataset_node
from catalog.models import AuditEvent, Department, Role
from catalog.settings import get_settings
from catalog.tokens import issue_account
from exchange_api.cli import app
from exchange_api.demo import DATASET
from lakehouse.lineage_runs import ingest_run_id
from tests.exchange_api.verify_platform import AUDIT, BASE, RSJ, SWJ, Platform, make_grant, platform

__all__ = ["platform"]

PROBLEM = "application/problem+json"
LINEAGE = "/api/v1/lineage"


def _pipeline_events(platform: Platform) -> list[str]:
    """The event types of the ingestion run of the platform's batch, as the pipeline emitted
    them (``run_batch`` → ``lakehouse.lineage_ingest``): nothing here records one by hand."""
    with platform.sessions() as session:
        run_id = ingest_run_id(DATASET, platform.batch.batch_id)
        return list(
            session.scalars(
                select(LineageEvent.event_type)
                .where(LineageEvent.run_id == run_id)
                .order_by(LineageEvent.id)
            )
        )


def _steward_of(platform: Platform, department: str, name: str) -> dict[str, str]:
    with platform.sessions() as session:
        dept = session.scalars(select(Department).where(Department.code == department)).one()
        _, token = issue_account(session, dept, name, [Role.STEWARD])
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def _landed_row(path: Path, encoding: str, row: int) -> dict[str, str]:
    text = path.read_bytes().decode(encoding)
    records = list(csv.DictReader(io.StringIO(text)))
    return records[row - 1]  # ``_row`` is 1-based, the header not counted


def _plain(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


@pytest.fixture(scope="module")
def delivered(platform: Platform) -> tuple[int, dict[str, Any]]:
    assert _pipeline_events(platform) == ["START", "COMPLETE"]
    grant = make_grant(platform, ["employer_uscc", "employer_name", "period", "amount"], ["query"])
    answer = platform.client.post(
        f"{BASE}/query", headers=platform.headers(SWJ), json={"grant_id": grant, "limit": 5}
    )
    assert answer.status_code == 200, answer.text
    return int(answer.headers["X-Zhongtai-Audit-Event"]), answer.json()["rows"][2]


def test_a_delivered_value_traces_to_the_landed_file_and_row(
    platform: Platform, delivered: tuple[int, dict[str, Any]]
) -> None:
    event_id, row = delivered
    key = [f"{f}={row[f]}" for f in ("employer_uscc", "period", "amount")]
    got = platform.client.get(
        f"{LINEAGE}/deliveries/{event_id}/origin",
        params={"key": key},
        headers=platform.headers(AUDIT),
    )
    assert got.status_code == 200, got.text
    origin = got.json()
    assert origin["department"] == "330100SWJ"
    assert origin["table"] == dataset_node(DATASET)
    assert origin["snapshot_id"] == platform.batch.snapshot_id
    assert origin["rows"], origin
    run = ingest_run_id(DATASET, platform.batch.batch_id)
    for traced in origin["rows"]:
        assert traced["batch_id"] == platform.batch.batch_id
        assert traced["sha256"] == platform.manifest.sha256  # the landed bytes
        assert traced["file_intact"] is True
        assert traced["publish_run"] == traced["standardise_run"] == run
        source = _landed_row(Path(traced["raw_path"]), platform.manifest.encoding, traced["row"])
        assert _plain(source["单位统一社会信用代码"]) == row["employer_uscc"]


def test_the_graph_and_the_recipients_over_the_api(
    platform: Platform, delivered: tuple[int, dict[str, Any]]
) -> None:
    event_id, _ = delivered
    auditor = platform.headers(AUDIT)
    up = platform.client.get(
        f"{LINEAGE}/delivery:330100SWJ/{event_id}", params={"direction": "up"}, headers=auditor
    )
    assert up.status_code == 200, up.text
    nodes = {n["key"] for n in up.json()["nodes"]}
    assert {f"batch:{platform.batch.batch_id}", f"file:{platform.manifest.sha256}"} <= nodes
    recipients = platform.client.get(
        f"{LINEAGE}/files/{platform.manifest.sha256}/recipients", headers=auditor
    )
    assert recipients.status_code == 200, recipients.text
    assert f"delivery:330100SWJ/{event_id}" in {r["delivery"] for r in recipients.json()}
    own = platform.client.get(f"{LINEAGE}/{DATASET}?direction=down", headers=platform.headers(RSJ))
    assert own.status_code == 200, own.text  # the owner's steward, its own dataset
    for path, code, status in (
        (f"{LINEAGE}/{DATASET}?depth=99", "lineage.bad_depth", 422),
        (f"{LINEAGE}/no_such_dataset", "lineage.unknown_node", 404),
        (f"{LINEAGE}/file:zz", "lineage.bad_node", 422),
        (f"{LINEAGE}/files/{'0' * 64}/recipients?from=2026-13-01", "audit.bad_date", 422),
        (f"{LINEAGE}/deliveries/{event_id}/origin?key=nofield=1", "lineage.bad_key", 422),
    ):
        answer = platform.client.get(path, headers=auditor)
        assert answer.status_code == status, (path, answer.text)
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["code"] == code


def test_a_hostile_steward_is_refused_and_audited(
    platform: Platform, delivered: tuple[int, dict[str, Any]]
) -> None:
    event_id, _ = delivered
    hostile = _steward_of(platform, "330100GAJ", "gaj-lineage-steward")
    for path in (
        f"{LINEAGE}/{DATASET}?direction=down",
        f"{LINEAGE}/files/{platform.manifest.sha256}/recipients",
        f"{LINEAGE}/deliveries/{event_id}/origin?key=period=2026-10",
        f"{LINEAGE}/deliveries/999999/origin?key=period=2026-10",  # no such: refused alike
    ):
        answer = platform.client.get(path, headers=hostile)
        assert answer.status_code == 403, (path, answer.text)
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["code"] == "lineage.not_allowed"
    reader = platform.client.get(
        f"{LINEAGE}/delivery:330100SWJ/{event_id}", headers=platform.headers(SWJ)
    )
    assert reader.status_code == 403  # the receiving department is no steward of the dataset
    with platform.sessions() as session:
        refused = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "access.refused")
            .order_by(AuditEvent.id.desc())
            .limit(5)
        ).all()
        objects = [e.detail.get("resource") or e.object for e in refused]
    assert sum("lineage:" in str(o) for o in objects) == 5, objects


def _cli(platform: Platform, monkeypatch: pytest.MonkeyPatch, account: str, *args: str) -> Result:
    monkeypatch.setenv("ZHONGTAI_VAR_DIR", str(platform.settings.var_dir))
    monkeypatch.setenv("ZHONGTAI_ENVIRONMENT", "test")
    monkeypatch.setenv("ZHONGTAI_ENV_FILE", os.devnull)
    monkeypatch.setenv("ZHONGTAI_CATALOG_URL", platform.settings.resolved_catalog_url)
    monkeypatch.setenv("ZHONGTAI_LAKE_CATALOG", platform.settings.resolved_lake_catalog)
    monkeypatch.setenv("ZHONGTAI_TOKEN", platform.tokens.by_account[account])
    monkeypatch.setenv("COLUMNS", "300")
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, ["lineage", *args])
    finally:
        get_settings.cache_clear()


def test_the_cli(
    platform: Platform, delivered: tuple[int, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    event_id, row = delivered
    up = _cli(platform, monkeypatch, AUDIT, "up", f"delivery:330100SWJ/{event_id}", "--json")
    assert up.exit_code == 0, up.output
    assert f"file:{platform.manifest.sha256}" in {n["key"] for n in json.loads(up.output)["nodes"]}
    down = _cli(platform, monkeypatch, RSJ, "down", DATASET)
    assert down.exit_code == 0, down.output
    assert "(downstream)" in down.output
    down = _cli(platform, monkeypatch, RSJ, "down", DATASET, "--json")
    assert f"delivery:330100SWJ/{event_id}" in {
        e["target"] for e in json.loads(down.output)["edges"]
    }
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    got = _cli(
        platform, monkeypatch, AUDIT, "recipients", platform.manifest.sha256,
        "--from", str(today - dt.timedelta(days=1)), "--to", str(today), "--json",
    )  # fmt: skip
    assert got.exit_code == 0, got.output
    assert "330100SWJ" in {r["department"] for r in json.loads(got.output)}
    key = [arg for f in ("employer_uscc", "period") for arg in ("--key", f"{f}={row[f]}")]
    origin = _cli(platform, monkeypatch, AUDIT, "origin", str(event_id), *key)
    assert origin.exit_code == 0, origin.output
    assert platform.manifest.sha256 in origin.output
    refused = _cli(platform, monkeypatch, SWJ, "up", DATASET)
    assert refused.exit_code != 0
    assert getattr(refused.exception, "code", None) == "lineage.not_allowed"
    bad = _cli(platform, monkeypatch, AUDIT, "up", DATASET, "--depth", "0")
    assert getattr(bad.exception, "code", None) == "lineage.bad_depth"
    rebuilt = _cli(platform, monkeypatch, "dsj-admin", "rebuild")
    assert rebuilt.exit_code == 0 and "0 edges written" in rebuilt.output
    assert _cli(platform, monkeypatch, AUDIT, "rebuild").exit_code != 0  # auditors change nothing
