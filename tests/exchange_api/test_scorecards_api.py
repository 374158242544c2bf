"""The scorecard API over the month with known answers (``tests.catalog.scorecard_fixtures``), on
SQLite and PostgreSQL: the league for an auditor, one's own card for a department, another's
refused (403, audited), unknown or forged department codes 404, bad periods and parts 422 — all
problem+json — and the CSV and XLSX downloads read back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog import scorecard_terms
from catalog.models import AuditEvent, Role
from catalog.settings import Settings
from exchange_api.app import create_app
from tests.catalog import factories
from tests.catalog.scorecard_fixtures import NOW, Month, build

API = "/api/v1/scorecards"
PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Api:
    client: TestClient
    month: Month
    tokens: dict[str, str]
    sessions: sessionmaker[Session]

    def get(self, who: str, url: str, **params: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.get(url, params=params, headers=headers)


@pytest.fixture
def api(
    catalog_url: str,
    catalog_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Api]:
    with catalog_factory() as session:
        month = build(session, tmp_path / "contracts")
        auditor = factories.actor(session, month.idle, Role.AUDITOR)
        session.commit()
        tokens = {
            "publisher": month.publisher.token,
            "requester": month.requester.token,
            "auditor": auditor.token,
        }
    monkeypatch.setattr(
        scorecard_terms,
        "responsibilities_of",
        lambda session, department_id: [i for i in month.items if i.department_id == department_id],
    )
    settings = Settings(  # type: ignore[call-arg]
        var_dir=tmp_path / "var", catalog_url=catalog_url, environment="test", _env_file=None
    )
    app = create_app(settings)
    app.state.clock = lambda: NOW
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, month, tokens, catalog_factory)


def test_the_league_for_an_auditor_and_ones_own_for_a_department(api: Api) -> None:
    league = api.get("auditor", API, period="2026-10")
    assert league.status_code == 200, league.text
    cards = league.json()
    assert [c["department_code"] for c in cards] == ["330100TEST", "330100ASKS", "330100IDLE"]
    test = cards[0]
    assert (test["fulfilment"]["share"], test["fulfilment"]["fulfilled"]) == (0.25, 1)
    replies = test["replies"]
    assert (replies["requests"], replies["breaches"], replies["pending_overdue"]) == (6, 2, 1)
    assert (replies["median_working_days"], replies["median_hours"]) == (1.0, 51.0)
    assert test["objections"]["share_on_time"] == 0.3333
    assert (test["quality"]["direction"], test["quality"]["change"]) == ("down", -17.5)
    assert test["period_start"] == "2026-09-30T16:00:00Z"

    own = api.get("requester", API, period="2026-10").json()
    assert [c["department_code"] for c in own] == ["330100ASKS"]
    default = api.get("publisher", f"{API}/330100TEST")  # this month, by the app's clock
    assert default.json()["period"] == "2026-11"
    september = api.get("publisher", f"{API}/330100TEST", period="2026-09").json()
    (line,) = september["replies"]["lines"]
    assert (line["working_days"], line["breach"]) == (6, True)  # the make-up Saturday


def test_refusals_and_bad_input_are_problems(api: Api) -> None:
    def refused() -> int:
        with api.sessions() as session:
            query = select(func.count()).where(AuditEvent.action == "access.refused")
            return int(session.scalar(query) or 0)

    before = refused()
    other = api.get("requester", f"{API}/330100TEST", period="2026-10")
    assert other.status_code == 403
    assert other.headers["content-type"] == PROBLEM
    assert other.json()["code"] == "scorecard.not_allowed"
    assert refused() == before + 1
    for code in ("NOSUCH", "bad'code", "x" * 40, "％全角"):
        missing = api.get("auditor", f"{API}/{code}")
        assert missing.status_code == 404, code
        assert missing.json()["code"] == "department.not_found"
    for url, params, code in (
        (API, {"period": "2026-13"}, "request.invalid"),
        (f"{API}/export.csv", {"part": "grants"}, "request.invalid"),
        (f"{API}/export.csv", {"period": "2026-Q9"}, "request.invalid"),
        (f"{API}/330100TEST", {"period": "1999"}, "request.invalid"),
    ):
        bad = api.get("auditor", url, **params)
        assert bad.status_code == 422, url
        assert bad.json()["code"] == code
    assert api.get("auditor", f"{API}/export.xlsx", lang="fr").status_code == 422
    assert api.client.get(API).status_code == 401


def test_downloads(api: Api) -> None:
    got = api.get("auditor", f"{API}/export.csv", period="2026-10", part="objections")
    assert got.status_code == 200, got.text
    body: bytes = got.content
    assert body.startswith(b"\xef\xbb\xbf")
    assert "scorecards_all_2026-10_objections.csv" in got.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(body[3:].decode("utf-8"))))
    assert rows[0][:4] == ["部门代码", "部门名称", "考核期", "异议编号"]
    assert [r[-1] for r in rows[1:]] == ["是", "否", "否"]
    event_id = int(got.headers["x-zhongtai-audit-event"])
    with api.sessions() as session:
        event = session.get(AuditEvent, event_id)
        assert event is not None and event.action == "scorecard.exported"

    book_bytes = api.get("publisher", f"{API}/export.xlsx", period="2026-10", lang="en")
    assert book_bytes.status_code == 200
    book = load_workbook(io.BytesIO(book_bytes.content), read_only=True)
    try:
        assert book.sheetnames == [
            "Summary",
            "Responsibilities",
            "Replies",
            "Objections",
            "Quality",
        ]
        summary = list(book["Summary"].iter_rows(values_only=True))
        assert summary[0][:3] == ("Department code", "Department", "Period")
        assert [r[0] for r in summary[1:]] == ["330100TEST"]
    finally:
        book.close()
    refused = api.get("requester", f"{API}/export.xlsx", department="330100TEST")
    assert refused.status_code == 403
    for forged in ("330100TEST\x00", "' OR 1=1 --", "％"):
        missing = api.get("auditor", f"{API}/export.csv", department=forged)
        assert missing.status_code == 404, forged
        assert missing.json()["code"] == "department.not_found"
