"""The bulk access mode over HTTP, on SQLite- and PostgreSQL-metadata lakes: every format read
back, masks kept, the manifest equal to the bytes received, quota clipping, and every refusal
audited with nothing sent and no spool file left behind."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import update

from catalog.models import Grant, utcnow
from tests.exchange_api.bulk_fixtures import (
    DATASET,
    bulk_platform,
    events,
    grant,
    spool_files,
)
from tests.exchange_api.conftest import Platform

__all__ = ["bulk_platform"]

SWJ, GAJ, OWNER = "swj-exchange", "gaj-exchange", "rsj-exchange"
FIELDS = ["citizen_id", "person_name", "employer_name", "period", "amount", "region"]
MASKED_ID = re.compile(r"\d{6}\*{4}[\dX]{4}")
WHOLE_ID = re.compile(r"\d{17}[\dX]")
MASKED_NAME = re.compile(r"\w\*+")
URL = f"/api/v1/datasets/{DATASET}/bulk"


@pytest.fixture(scope="module")
def bulk_grant(bulk_platform: Platform) -> int:
    return grant(bulk_platform, SWJ, FIELDS)


def _get(platform: Platform, account: str, **params: Any) -> Any:
    return platform.client.get(URL, headers=platform.headers(account), params=params)


def _check_manifest(platform: Platform, response: Any, fmt: str, encoding: str) -> dict[str, Any]:
    """The headers, the audit event and the bytes received all agree."""
    assert response.status_code == 200, response.text
    body = response.content
    digest = hashlib.sha256(body).hexdigest()
    assert response.headers["x-content-sha256"] == digest
    assert int(response.headers["content-length"]) == len(body)
    assert 'attachment; filename="' in response.headers["content-disposition"]
    event_id = int(response.headers["x-zhongtai-audit-event"])
    [event] = [e for e in events(platform, "data.bulk_delivered") if e["id"] == event_id]
    assert event["content_sha256"] == digest and event["bytes_sent"] == len(body)
    assert event["row_count"] == int(response.headers["x-row-count"])
    assert (event["format"], event["encoding"]) == (fmt, encoding)
    assert spool_files(platform) == []  # removed once sent
    return event


def _rows_csv(body: bytes, encoding: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode(encoding), newline="")))


def _assert_masked(rows: list[dict[str, Any]]) -> None:
    assert rows
    for row in rows:
        assert MASKED_ID.fullmatch(row["citizen_id"]), row["citizen_id"]
        assert MASKED_NAME.fullmatch(row["person_name"]), row["person_name"]
        assert set(row) == set(FIELDS)


def test_parquet_holds_every_granted_row_masked(bulk_platform: Platform, bulk_grant: int) -> None:
    response = _get(bulk_platform, SWJ, format="parquet", grant_id=bulk_grant)
    event = _check_manifest(bulk_platform, response, "parquet", "utf-8")
    assert response.headers["content-type"] == "application/vnd.apache.parquet"
    table = pq.read_table(io.BytesIO(response.content))
    rows = table.to_pylist()
    _assert_masked(rows)
    assert len(rows) == event["row_count"] == bulk_platform.batch.rows_published
    assert event["masked_columns"] == ["citizen_id", "person_name"]
    assert event["complete"] is True and event["grant_id"] == bulk_grant
    assert event["purpose"] == "批量核对社保缴费" and event["snapshot_id"] is not None
    assert not WHOLE_ID.search(response.content.decode("latin-1"))


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "gb18030"])
def test_csv_in_each_encoding_decodes_with_the_names_masked(
    bulk_platform: Platform, bulk_grant: int, encoding: str
) -> None:
    response = _get(bulk_platform, SWJ, format="csv", encoding=encoding, grant_id=bulk_grant)
    _check_manifest(bulk_platform, response, "csv", encoding)
    assert response.headers["content-type"] == f"text/csv; charset={encoding}"
    rows = _rows_csv(response.content, encoding)
    _assert_masked(rows)
    assert len(rows) == bulk_platform.batch.rows_published
    assert all(re.fullmatch(r"[\u4e00-\u9fff]\*+", r["person_name"]) for r in rows)
    assert any("公司" in r["employer_name"] for r in rows)  # unmasked Chinese text intact
    if encoding != "utf-8":
        with pytest.raises(UnicodeDecodeError):
            response.content.decode("utf-8")  # really GBK bytes, not UTF-8 relabelled


def test_arrow_stream_holds_the_masked_rows(bulk_platform: Platform, bulk_grant: int) -> None:
    response = _get(
        bulk_platform, SWJ, format="arrow", grant_id=bulk_grant, fields="citizen_id,person_name"
    )
    event = _check_manifest(bulk_platform, response, "arrow", "utf-8")
    table = pa.ipc.open_stream(response.content).read_all()
    assert table.column_names == ["citizen_id", "person_name"]
    assert event["columns"] == ["citizen_id", "person_name"]
    assert all(MASKED_ID.fullmatch(v) for v in table.column("citizen_id").to_pylist())
    assert table.num_rows == event["row_count"]


def test_post_filters_on_a_visible_field_and_refuses_a_masked_one(
    bulk_platform: Platform, bulk_grant: int
) -> None:
    client, headers = bulk_platform.client, bulk_platform.headers(SWJ)
    body = {
        "format": "csv",
        "grant_id": bulk_grant,
        "filters": [{"field": "period", "op": "eq", "value": "2026-10"}],
    }
    response = client.post(URL, headers=headers, json=body)
    event = _check_manifest(bulk_platform, response, "csv", "utf-8")
    rows = _rows_csv(response.content, "utf-8")
    assert rows and {r["period"] for r in rows} == {"2026-10"}
    assert event["filters"] == [{"field": "period", "op": "eq", "value": "2026-10"}]

    before = len(events(bulk_platform, "data.bulk_delivered"))
    probe = {**body, "filters": [{"field": "person_name", "op": "prefix", "value": "张"}]}
    refused = client.post(URL, headers=headers, json=probe)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "field.masked"
    assert events(bulk_platform, "data.read_refused")[-1]["code"] == "field.masked"
    assert len(events(bulk_platform, "data.bulk_delivered")) == before
    assert spool_files(bulk_platform) == []


def test_the_owner_reads_unmasked(bulk_platform: Platform) -> None:
    response = _get(bulk_platform, OWNER, format="csv", fields="citizen_id,person_name")
    event = _check_manifest(bulk_platform, response, "csv", "utf-8")
    rows = _rows_csv(response.content, "utf-8")
    assert all(WHOLE_ID.fullmatch(r["citizen_id"]) for r in rows)
    assert event["masked_columns"] == [] and event["grant_id"] is None


def test_a_quota_smaller_than_the_extract_clips_it(bulk_platform: Platform) -> None:
    grant_id = grant(bulk_platform, GAJ, ["period", "amount", "region"], quota=50)
    response = _get(bulk_platform, GAJ, format="parquet", grant_id=grant_id)
    event = _check_manifest(bulk_platform, response, "parquet", "utf-8")
    assert pq.read_table(io.BytesIO(response.content)).num_rows == 50
    assert response.headers["x-zhongtai-complete"] == "false" and event["complete"] is False
    with bulk_platform.sessions() as session:
        row = session.get(Grant, grant_id)
        assert row is not None and row.rows_used == 50
    again = _get(bulk_platform, GAJ, format="parquet", grant_id=grant_id)
    assert again.status_code == 403 and again.json()["code"] == "quota.exceeded"
    assert events(bulk_platform, "data.read_refused")[-1]["code"] == "quota.exceeded"


def _refused(platform: Platform, account: str, grant_id: int, code: str, status: int) -> None:
    before = len(events(platform, "data.bulk_delivered"))
    response = _get(platform, account, format="csv", grant_id=grant_id)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    refusal = events(platform, "data.read_refused")[-1]
    assert refusal["code"] == code and refusal["actor"] is not None
    assert len(events(platform, "data.bulk_delivered")) == before
    assert spool_files(platform) == []


def test_a_grant_without_the_bulk_mode_is_refused(bulk_platform: Platform) -> None:
    query_only = grant(bulk_platform, SWJ, ["period", "amount"], modes=("query",))
    _refused(bulk_platform, SWJ, query_only, "grant.mode_not_allowed", 403)


def test_another_departments_grant_is_refused(bulk_platform: Platform, bulk_grant: int) -> None:
    _refused(bulk_platform, GAJ, bulk_grant, "grant.missing", 403)


def test_revoked_and_expired_grants_are_refused(bulk_platform: Platform) -> None:
    revoked = grant(bulk_platform, SWJ, ["period", "amount"])
    answer = bulk_platform.client.post(
        f"/api/v1/grants/{revoked}/revoke",
        headers=bulk_platform.headers(OWNER),
        json={"reason": "停止共享"},
    )
    assert answer.status_code == 200, answer.text
    _refused(bulk_platform, SWJ, revoked, "grant.revoked", 403)
    expired = grant(bulk_platform, SWJ, ["period", "amount"])
    with bulk_platform.sessions() as session:  # time passes: the grant's end is behind us
        session.execute(update(Grant).where(Grant.id == expired).values(expires_at=utcnow()))
        session.commit()
    _refused(bulk_platform, SWJ, expired, "grant.expired", 403)


@pytest.mark.parametrize(
    "params",
    [
        {"format": "xlsx"},
        {"format": "parquet", "encoding": "gbk"},
        {"format": "csv", "encoding": "latin-1"},
        {"format": "csv", "fields": "salary"},
    ],
)
def test_bad_options_are_problems(
    bulk_platform: Platform, bulk_grant: int, params: dict[str, str]
) -> None:
    response = _get(bulk_platform, SWJ, grant_id=bulk_grant, **params)
    assert response.status_code in (403, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert spool_files(bulk_platform) == []


def test_no_token_no_file(bulk_platform: Platform) -> None:
    response = bulk_platform.client.get(URL, params={"format": "csv"})
    assert response.status_code == 401
