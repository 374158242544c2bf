"""A grant's download page: rendered in Chinese and English, linked from the grants page for a
grant with the bulk mode, and its CSRF-checked form streams the same audited, masked extract as
the API; refusals are pages with their code, audited, and nothing is sent."""

from __future__ import annotations

import csv
import hashlib
import io
import re

import pyarrow.parquet as pq
import pytest

from tests.exchange_api.bulk_fixtures import grant, spool_files
from tests.portal.conftest import Platform
from tests.portal.portal_browsers import GAJ, SWJ, browser, events, post

FIELDS = ["citizen_id", "person_name", "employer_name", "period", "amount"]


@pytest.fixture(scope="module")
def bulk_grant(platform: Platform) -> int:
    return grant(platform, SWJ, FIELDS, modes=("query", "bulk"))


def test_the_page_renders_in_both_languages_and_is_linked(
    platform: Platform, bulk_grant: int
) -> None:
    swj = browser(platform, SWJ)
    listed = swj.get("/portal/grants").text
    assert f'href="/portal/grants/{bulk_grant}/download?lang=zh"' in listed
    page = swj.get(f"/portal/grants/{bulk_grant}/download")
    assert page.status_code == 200, page.text
    assert "批量下载" in page.text and "GB18030（可表示全部汉字）" in page.text
    assert 'id="download-form"' in page.text and 'name="csrf"' in page.text
    assert re.search(r'data-field="citizen_id">.*?tag masked', page.text, re.S)
    english = swj.get(f"/portal/grants/{bulk_grant}/download?lang=en")
    assert english.status_code == 200
    assert "Download" in english.text and "Arrow IPC stream" in english.text
    assert "批量下载" not in english.text and "文件格式" not in english.text


def test_the_form_streams_the_masked_extract_as_an_attachment(
    platform: Platform, bulk_grant: int
) -> None:
    swj = browser(platform, SWJ)
    page = f"/portal/grants/{bulk_grant}/download"
    got = post(
        swj, page, page, format="csv", encoding="gbk", fields=["person_name", "period", "amount"]
    )
    assert got.status_code == 200, got.text
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-sha256"] == hashlib.sha256(got.content).hexdigest()
    rows = list(csv.DictReader(io.StringIO(got.content.decode("gbk"), newline="")))
    assert rows and set(rows[0]) == {"person_name", "period", "amount"}
    assert all(re.fullmatch(r"[\u4e00-\u9fff]\*+", r["person_name"]) for r in rows)
    [event] = [
        e
        for e in events(platform, "data.bulk_delivered")
        if e["content_sha256"] == got.headers["x-content-sha256"]
    ]
    assert event["grant_id"] == bulk_grant and event["encoding"] == "gbk"
    assert spool_files(platform) == []

    parquet = post(swj, page, page, format="parquet")
    table = pq.read_table(io.BytesIO(parquet.content))
    assert table.column_names == FIELDS
    assert all(
        re.fullmatch(r"\d{6}\*{4}[\dX]{4}", v) for v in table.column("citizen_id").to_pylist()
    )


def test_a_form_without_its_csrf_token_sends_nothing(platform: Platform, bulk_grant: int) -> None:
    swj = browser(platform, SWJ)
    refused = swj.post(f"/portal/grants/{bulk_grant}/download", data={"format": "csv"})
    assert refused.status_code == 403 and "csrf.invalid" in refused.text
    assert not refused.content.startswith(b"citizen_id")


def test_refusals_are_pages_and_audited(platform: Platform, bulk_grant: int) -> None:
    query_only = grant(platform, SWJ, ["period", "amount"], modes=("query",))
    swj = browser(platform, SWJ)
    page = f"/portal/grants/{query_only}/download"
    shown = swj.get(page)
    assert shown.status_code == 200 and 'id="no-bulk"' in shown.text
    assert 'id="download-form"' not in shown.text
    refused = post(swj, page + "?lang=en", f"/portal/grants/{bulk_grant}/download", format="csv")
    assert refused.status_code == 403 and "grant.mode_not_allowed" in refused.text
    assert events(platform, "data.read_refused")[-1]["code"] == "grant.mode_not_allowed"

    gaj = browser(platform, GAJ)
    assert gaj.get(f"/portal/grants/{bulk_grant}/download").status_code == 404
    stolen = post(
        gaj,
        f"/portal/grants/{bulk_grant}/download",
        "/portal/catalog/rsj_social_insurance",
        format="csv",
    )
    assert stolen.status_code == 404 and b"person_name" not in stolen.content

    mine = f"/portal/grants/{bulk_grant}/download"
    bad = post(swj, mine, mine, format="xlsx")
    assert bad.status_code == 422 and "bulk.invalid_format" in bad.text
    assert spool_files(platform) == []
