"""A steward signs a quality report off: once, for a published snapshot, audited and hash-bound."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy import select

from catalog.audit import verify_chain
from catalog.models import AuditEvent
from exchange_api.demo import DATASET
from lakehouse.pipeline import run_batch
from lakehouse.samples import write_social_insurance_extract
from quality.reports import REPORT_SCHEMA_PATH, report_sha256
from tests.exchange_api.conftest import Platform, report_of

SCHEMA: dict[str, Any] = json.loads(REPORT_SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def report_id(platform: Platform) -> int:
    return report_of(platform, platform.batch.batch_id)


@pytest.fixture(scope="module")
def rejected_report_id(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> int:
    """A 40-row batch with six defects: 15 % failing, over the 5 % threshold, so rejected."""
    path = tmp_path_factory.mktemp("rejected") / "small.csv"
    write_social_insurance_extract(path, rows=40, seed=7, month="2026-09")
    summary = run_batch(platform.settings, DATASET, path)
    assert summary.status == "rejected", summary
    return report_of(platform, summary.batch_id)


def _sign(platform: Platform, report_id: int, account: str, note: str = "已核对") -> Any:
    return platform.client.post(
        f"/api/v1/quality/reports/{report_id}/sign-off",
        headers=platform.headers(account),
        json={"note": note},
    )


@pytest.mark.parametrize("account", ["swj-exchange", "dsj-audit", "dsj-admin"])
def test_only_a_steward_of_the_owner_signs_off(
    platform: Platform, report_id: int, account: str
) -> None:
    response = _sign(platform, report_id, account)
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "report.not_steward"


def test_a_rejected_batch_has_no_snapshot_to_sign(
    platform: Platform, rejected_report_id: int
) -> None:
    response = _sign(platform, rejected_report_id, "rsj-exchange")
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "report.no_snapshot"


def test_sign_off_needs_a_token_and_a_sane_body(platform: Platform, report_id: int) -> None:
    path = f"/api/v1/quality/reports/{report_id}/sign-off"
    assert platform.client.post(path, json={"note": "x"}).status_code == 401
    response = platform.client.post(
        path, headers=platform.headers("rsj-exchange"), json={"note": "x" * 2001}
    )
    assert response.status_code == 422
    cookie_only = platform.client.post(
        path,
        json={"note": "x"},
        headers=platform.cookie_headers("rsj-exchange"),
    )
    assert cookie_only.status_code == 401  # the session cookie is no credential for the API


def test_steward_signs_off_once_bound_to_snapshot_and_hash(
    platform: Platform, report_id: int
) -> None:
    before = platform.client.get(
        f"/api/v1/quality/reports/{report_id}", headers=platform.headers("rsj-exchange")
    ).json()
    assert before["sign_off"] is None

    response = _sign(platform, report_id, "rsj-exchange", "抽查隔离样例无误")
    assert response.status_code == 200, response.text
    signed = response.json()
    jsonschema.Draft202012Validator(SCHEMA).validate(signed)
    assert signed["sign_off"]["by"]["name"] == "rsj-exchange"
    assert signed["sign_off"]["by"]["department"] == "330100RSJ"
    assert signed["sign_off"]["note"] == "抽查隔离样例无误"

    with platform.sessions() as session:
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "quality.report_signed_off")
        ).all()
        chain = verify_chain(session)
    assert event.detail["report_id"] == report_id
    assert event.detail["batch_id"] == platform.batch.batch_id
    assert event.detail["snapshot_id"] == platform.batch.snapshot_id == signed["snapshot_id"]
    # what was signed is the report as it stood: the JSON a reader sees, sign_off nulled
    assert event.detail["report_sha256"] == report_sha256(before) == report_sha256(signed)
    tampered = dict(signed, rows_quarantined=signed["rows_quarantined"] - 1)
    assert report_sha256(tampered) != event.detail["report_sha256"]
    assert event.actor_department_id is not None
    assert chain.ok, chain.describe()

    again = _sign(platform, report_id, "rsj-exchange")
    assert again.status_code == 409
    assert again.json()["code"] == "report.already_signed_off"

    page = platform.client.get(
        f"/portal/quality/{report_id}", headers=platform.headers("rsj-exchange")
    )
    assert "抽查隔离样例无误" in page.text
    assert "已签核" in page.text


def test_cli_prints_the_latest_report(
    platform: Platform, report_id: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from catalog.settings import get_settings
    from exchange_api.cli import app

    monkeypatch.setenv("ZHONGTAI_VAR_DIR", str(platform.settings.var_dir))
    monkeypatch.setenv("ZHONGTAI_ENVIRONMENT", "test")
    monkeypatch.setenv("ZHONGTAI_ENV_FILE", str(tmp_path / "none.env"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        as_json = runner.invoke(app, ["quality", "report", DATASET, "--json"])
        assert as_json.exit_code == 0, as_json.output
        report = json.loads(as_json.output)
        jsonschema.Draft202012Validator(SCHEMA).validate(report)
        assert report["dataset"]["code"] == DATASET
        table = runner.invoke(app, ["quality", "report", DATASET, "--lang", "en"])
        assert table.exit_code == 0, table.output
        assert "Rule results" in table.output and "citizen_id.check_digit" in table.output
        zh = runner.invoke(app, ["quality", "report", DATASET])
        assert "规则校验结果" in zh.output
        assert runner.invoke(app, ["quality", "report", "nope"]).exit_code == 1
    finally:
        get_settings.cache_clear()
