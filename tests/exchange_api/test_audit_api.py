"""The auditor's API over the real app: the log, usage and reconciliation after real reads;
everyone but auditors and admins refused (and recorded); hostile filters answered 422 with stable
codes; downloads recorded with the SHA-256 of the file sent."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from catalog.models import AuditEvent
from exchange_api.demo import DATASET
from tests.exchange_api.conftest import Platform
from tests.exchange_api.verify_platform import make_grant, stored_rows

SWJ, GAJ, RSJ, AUDIT, ADMIN = (
    "swj-exchange",
    "gaj-exchange",
    "rsj-exchange",
    "dsj-audit",
    "dsj-admin",
)
ENDPOINTS = ("/api/v1/audit/events", "/api/v1/audit/usage", "/api/v1/audit/reconciliation")


@pytest.fixture(scope="module")
def used(platform: Platform) -> dict[str, Any]:
    """税务局 holds a grant and reads through it three times (5 rows each)."""
    grant = make_grant(platform, ["citizen_id", "period", "amount"], ["query", "bulk"], quota=1000)
    for page in range(3):
        read = platform.client.get(
            f"/api/v1/datasets/{DATASET}/data",
            params={"grant_id": grant, "limit": 5, "offset": page * 5, "fields": "period,amount"},
            headers=platform.headers(SWJ),
        )
        assert read.status_code == 200, read.text
    return {"grant": grant}


def _get(platform: Platform, path: str, account: str | None = AUDIT, **params: Any) -> Any:
    headers = platform.headers(account) if account else {}
    return platform.client.get(path, params=params, headers=headers)


def _count(platform: Platform, action: str) -> int:
    with platform.sessions() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
            )
            or 0
        )


def test_usage_counts_the_real_reads(platform: Platform, used: dict[str, Any]) -> None:
    answer = _get(platform, "/api/v1/audit/usage", grant=str(used["grant"]))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    (line,) = body["rows"]
    assert (line["reads"], line["rows"], line["modes"]) == (3, 15, {"query": 3})
    assert (
        line["department"] == "330100SWJ" and line["department_name"] == "国家税务总局杭州市税务局"
    )
    assert line["purposes"] == ["核验与统计测试"] and line["accounts"] == [SWJ]
    assert body["totals"]["total"]["rows"] == 15 and len(body["totals"]["by_period"]) == 30

    recon = _get(platform, "/api/v1/audit/reconciliation", grant=str(used["grant"])).json()
    (g,) = recon["grants"]
    assert g["columns_never_read"] == ["citizen_id"] and g["modes_never_used"] == ["bulk"]
    assert g["rows_used"] == 15 and g["quota_rows"] == 1000
    assert g["findings"] == ["columns_never_read", "modes_never_used"]


def test_the_log_shows_the_reads_but_never_their_rows(
    platform: Platform, used: dict[str, Any]
) -> None:
    page = _get(
        platform, "/api/v1/audit/events", grant=str(used["grant"]), action="data.read", limit="2"
    )
    assert page.status_code == 200, page.text
    first = page.json()
    assert [e["action"] for e in first["events"]] == ["data.read", "data.read"]
    event = first["events"][0]
    assert event["actor"]["name"] == SWJ and event["rows_sent"] == 5
    assert event["detail"]["columns"] == ["period", "amount"]
    rest = _get(
        platform,
        "/api/v1/audit/events",
        grant=str(used["grant"]),
        action="data.read",
        limit="2",
        before=str(first["next_before"]),
    ).json()
    assert len(rest["events"]) == 1 and rest["next_before"] is None
    everything = _get(platform, "/api/v1/audit/events", limit="500").text
    for row in stored_rows(platform)[:50]:
        assert row["citizen_id"] not in everything
        assert row["person_name"] not in everything


@pytest.mark.parametrize("account", [SWJ, GAJ, RSJ])
@pytest.mark.parametrize("path", ENDPOINTS)
def test_only_auditors_and_admins(platform: Platform, path: str, account: str) -> None:
    before = _count(platform, "access.refused")
    refused = _get(platform, path, account, department="330100SWJ", format="csv")
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "role.auditor_required"
    assert _count(platform, "access.refused") == before + 1
    assert _get(platform, path, None).status_code == 401
    assert _get(platform, path, ADMIN).status_code == 200


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        (ENDPOINTS[0], {"from": "2026-02-30"}, "audit.bad_date"),
        (ENDPOINTS[0], {"from": "2026-03-02", "to": "2026-03-01"}, "audit.range_invalid"),
        (ENDPOINTS[0], {"department": "330100SWJ' OR '1'='1"}, "audit.unknown_department"),
        (ENDPOINTS[0], {"department": "NOWHERE"}, "audit.unknown_department"),
        (ENDPOINTS[0], {"dataset": "x; DROP TABLE grants"}, "audit.unknown_dataset"),
        (ENDPOINTS[0], {"grant": "1 OR 1=1"}, "audit.unknown_grant"),
        (ENDPOINTS[0], {"limit": "100000"}, "audit.limit_invalid"),
        (ENDPOINTS[0], {"limit": "99999999999999999999999"}, "audit.limit_invalid"),
        (ENDPOINTS[0], {"before": "0"}, "audit.bad_cursor"),
        (ENDPOINTS[0], {"action": "data.%"}, "audit.bad_action"),
        (ENDPOINTS[0], {"outcome": "perhaps"}, "audit.bad_outcome"),
        (ENDPOINTS[1], {"from": "2020-01-01", "to": "2026-01-01"}, "audit.range_too_long"),
        (ENDPOINTS[1], {"by": "year"}, "audit.bad_period"),
        (ENDPOINTS[1], {"format": "pdf"}, "usage.bad_format"),
        (ENDPOINTS[1], {"format": "csv", "encoding": "latin-1"}, "usage.bad_encoding"),
        (ENDPOINTS[2], {"to": "9999-12-31"}, "audit.bad_date"),
        (ENDPOINTS[2], {"grant": "\x00"}, "audit.unknown_grant"),
    ],
)
def test_bad_filters_are_422_with_stable_codes(
    platform: Platform, path: str, params: dict[str, str], code: str
) -> None:
    answer = _get(platform, path, **params)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == code


def test_csv_download_is_recorded_with_its_sha256(platform: Platform, used: dict[str, Any]) -> None:
    before = _count(platform, "audit.usage_exported")
    answer = _get(platform, ENDPOINTS[1], grant=str(used["grant"]), format="csv")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].startswith('attachment; filename="usage_')
    assert answer.content.startswith(b"\xef\xbb\xbf")
    digest = hashlib.sha256(answer.content).hexdigest()
    assert answer.headers["x-content-sha256"] == digest
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [(r["部门"], r["行数"]) for r in rows] == [("国家税务总局杭州市税务局", "15")]
    assert _count(platform, "audit.usage_exported") == before + 1
    with platform.sessions() as session:
        event = session.get(AuditEvent, int(answer.headers["x-zhongtai-audit-event"]))
        assert event is not None and event.content_sha256 == digest
        assert event.grant_id == used["grant"] and event.detail["format"] == "csv"


def test_xlsx_and_gbk_downloads(platform: Platform, used: dict[str, Any]) -> None:
    xlsx = _get(platform, ENDPOINTS[2], department="330100SWJ", format="xlsx", lang="en")
    assert xlsx.status_code == 200, xlsx.text
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["reconciliation", "filters"]
    header, *lines = list(book["reconciliation"].iter_rows(values_only=True))
    found = {row[header.index("grant")]: row for row in lines}
    assert found[used["grant"]][header.index("department")] == "国家税务总局杭州市税务局"
    gbk = _get(platform, ENDPOINTS[2], grant=str(used["grant"]), format="csv", encoding="gbk")
    assert gbk.headers["content-type"] == "text/csv; charset=gbk"
    assert "国家税务总局杭州市税务局" in gbk.content.decode("gbk")
