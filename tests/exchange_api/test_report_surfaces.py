"""智能报表 over its surfaces (issue 15): the API (JSON and XLSX), the CLI and the portal page
give the same pre-filled report for the 北山街道 office — the truth's values where reused, the
collect, masked-filter and small-count fields to collect, the three 重复采集 fields flagged —
each pre-fill audited; errors are problem+json with stable codes and a zh/en page; an auditor
cannot pre-fill and sees no nav link; another department learns no value."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import init_catalog
from catalog.models import AuditEvent
from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.demo_report import OFFICE, grant_office, office_prefill
from exchange_api.report_sheet import FIELD_HEADERS, SOURCE_HEADERS
from exchange_api.scenario_world import ScenarioWorld
from tests.fixtures.cli_runner import run_zhongtai
from tests.fixtures.world_copy import copied_world

API = "/api/v1/reports"
MONTH = "2026-11"
REUSED = {"disabled_persons", "dibao_persons", "living_subsidy_persons"}
REUSED |= {"living_subsidy_amount", "care_subsidy_persons"}
REPEATED = {"disabled_persons", "dibao_persons", "care_subsidy_persons"}


@dataclass
class Site:
    settings: Settings
    sessions: sessionmaker[Session]
    world: ScenarioWorld
    client: TestClient

    def headers(self, account: str) -> dict[str, str]:
        return self.world.tokens.headers(account)

    def event(self, event_id: int) -> AuditEvent:
        with self.sessions() as session:
            found = session.get(AuditEvent, event_id)
            assert found is not None
            session.expunge(found)
            return found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    var = tmp_path_factory.mktemp("report-api") / "var"
    settings = Settings(var_dir=var, environment="test", _env_file=None)  # type: ignore[call-arg]
    world = copied_world(settings)
    sessions: sessionmaker[Session] = init_catalog(settings.resolved_catalog_url)
    grant_office(sessions)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Site(settings, sessions, world, client)
    sessions.kw["bind"].dispose()


def _prefill(site: Site, account: str = OFFICE, **query: str) -> dict[str, object]:
    answer = site.client.get(
        f"{API}/street_monthly/prefill",
        params={"month": MONTH, **query},
        headers=site.headers(account),
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    event = site.event(int(answer.headers["X-Zhongtai-Audit-Event"]))
    assert event.action == "report.prefilled"
    return body


def test_templates_are_listed(site: Site) -> None:
    answer = site.client.get(f"{API}/templates", headers=site.headers(OFFICE))
    assert answer.status_code == 200
    (only,) = answer.json()
    assert only["code"] == "street_monthly" and only["collected_today"] == 3


def test_the_api_prefills_with_the_truth(site: Site) -> None:
    body = _prefill(site)
    fields = {f["name"]: f for f in body["fields"]}  # type: ignore[attr-defined]
    reused = {n for n, f in fields.items() if f["status"] == "reused"}
    assert reused == REUSED
    truth = site.world.truth.report_values
    assert all(fields[n]["value"] == truth[n] for n in reused)
    assert {n for n, f in fields.items() if f["repeated_collection"]} == REPEATED
    assert fields["home_visits"]["reason"]["code"] == "collect"
    severe = fields["severe_disabled_persons"]
    assert severe["value"] is None and severe["reason"]["code"] == "field.masked"
    assert fields["dibian_persons"]["reason"]["code"] == "report.suppressed"
    assert body["counts"] == {"reused": 5, "to_collect": 5, "repeated_collection": 3}
    amount = fields["living_subsidy_amount"]["source"]
    assert amount["dataset"] == "czj_disability_subsidies"
    assert amount["via"]["dataset"] == "cl_disabled_persons"


def test_the_xlsx_reads_back(site: Site) -> None:
    answer = site.client.get(
        f"{API}/street_monthly/prefill",
        params={"month": MONTH, "format": "xlsx"},
        headers=site.headers(OFFICE),
    )
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content), read_only=True)
    assert book.sheetnames == ["报表", "数据来源"]
    rows = [list(r) for r in book["报表"].iter_rows(values_only=True)]
    assert tuple(rows[1]) == FIELD_HEADERS
    by_name = {r[0]: r for r in rows[2:]}
    disabled = by_name["disabled_persons"]
    assert disabled[2] == site.world.truth.report_values["disabled_persons"]
    assert disabled[3] == "已复用" and disabled[4] == "cl_disabled_persons"
    assert isinstance(disabled[5], int) and disabled[10] == "是"
    assert by_name["home_visits"][3] == "待采集"
    assert by_name["severe_disabled_persons"][9] == "cl_disabled_persons.disability_level"
    sources = [list(r) for r in book["数据来源"].iter_rows(values_only=True)]
    assert tuple(sources[0]) == SOURCE_HEADERS and len(sources) == 5
    book.close()


def test_errors_are_problems_with_stable_codes(site: Site) -> None:
    office = site.headers(OFFICE)
    bad = site.client.get(f"{API}/street_monthly/prefill?month=2026-13", headers=office)
    assert bad.status_code == 422 and bad.json()["code"] == "report.month_invalid"
    assert bad.headers["content-type"].startswith("application/problem+json")
    missing = site.client.get(f"{API}/nonesuch/prefill?month={MONTH}", headers=office)
    assert missing.status_code == 404 and missing.json()["code"] == "report.not_found"
    traversal = site.client.get(f"{API}/..%2Fdatasets/prefill?month={MONTH}", headers=office)
    assert traversal.status_code in (404, 422)
    auditor = site.client.get(
        f"{API}/street_monthly/prefill?month={MONTH}", headers=site.headers("scen-dsj-audit")
    )
    assert auditor.status_code == 403 and auditor.json()["code"] == "role.requester_required"


def test_another_department_learns_no_value(site: Site) -> None:
    body = _prefill(site, "scen-mhww")
    platform = [f for f in body["fields"] if f["fill"] == "platform"]  # type: ignore[attr-defined]
    assert all(f["status"] == "to_collect" and f["value"] is None for f in platform)
    assert {f["reason"]["code"] for f in platform} == {"grant.missing"}


def test_the_cli(site: Site, tmp_path: Path) -> None:
    env = dict(
        ZHONGTAI_VAR_DIR=str(site.settings.var_dir),
        ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_ENV_FILE=os.devnull,
        ZHONGTAI_TOKEN=site.world.tokens.by_account[OFFICE],
        COLUMNS="200",
    )
    listed = run_zhongtai("report", "templates", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)[0]["code"] == "street_monthly"
    out = tmp_path / "report.xlsx"
    done = run_zhongtai(
        "report",
        "prefill",
        "street_monthly",
        "--month",
        MONTH,
        "--json",
        "--xlsx",
        str(out),
        env=env,
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert {f["name"] for f in body["fields"] if f["status"] == "reused"} == REUSED
    assert load_workbook(out, read_only=True).sheetnames == ["报表", "数据来源"]
    table = run_zhongtai("report", "prefill", "street_monthly", "--month", MONTH, env=env)
    assert table.returncode == 0 and "5 fields reused" in table.stdout
    bad = run_zhongtai("report", "prefill", "street_monthly", "--month", "11/2026", env=env)
    assert bad.returncode == 2 and "report.month_invalid" in bad.stderr


def test_the_portal_page(site: Site) -> None:
    office = site.headers(OFFICE)
    page = site.client.get("/portal/reports", headers=office)
    assert page.status_code == 200, page.text
    html = page.text
    assert 'href="/portal/reports?lang=zh"' in html and "智能报表" in html
    assert '<label>报表月份 <input type="month" name="month"' in html
    filled = site.client.get(
        f"/portal/reports?template=street_monthly&month={MONTH}&lang=en", headers=office
    )
    assert filled.status_code == 200, filled.text
    html = filled.text
    assert '<html lang="en">' in html
    for name in REUSED:
        assert f'data-field="{name}" data-status="reused"' in html
    assert 'data-field="home_visits" data-status="to_collect"' in html
    assert html.count('data-repeated="true"') == 3
    assert 'id="report-download"' in html
    download = site.client.get(
        f"/portal/reports/download?template=street_monthly&month={MONTH}", headers=office
    )
    assert download.status_code == 200 and download.content[:2] == b"PK"
    bad = site.client.get("/portal/reports?template=street_monthly&month=2026-13", headers=office)
    assert bad.status_code == 422 and "报表月份格式为 YYYY-MM" in bad.text
    auditor = site.client.get("/portal/lineage", headers=site.headers("scen-dsj-audit"))
    assert "/portal/reports?" not in auditor.text


def test_the_demo_step_is_idempotent(site: Site) -> None:
    """``make demo``'s step: the office's grants are found live, not filed again."""
    with site.sessions() as session:
        before = session.query(AuditEvent).filter(AuditEvent.action == "request.filed").count()
    report = office_prefill(site.settings)
    assert set(report.reused) == REUSED and len(report.repeated) == 3
    with site.sessions() as session:
        after = session.query(AuditEvent).filter(AuditEvent.action == "request.filed").count()
    assert after == before
