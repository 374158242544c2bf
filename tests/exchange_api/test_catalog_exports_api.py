"""``/api/v1/catalog/dcat.*`` (public, no token) and ``/api/v1/catalog/export.*`` (any account
with a role, recorded), and ``zhongtai catalog export`` through the installed command.

Its ``zhongtai`` commands run in this process through the installed command's entry
point (``tests.fixtures.cli_runner``)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from catalog.catalog_sheet import CATALOG_HEADINGS
from catalog.db import init_catalog
from catalog.models import AuditEvent, Department
from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.demo import DemoTokens, seed
from tests.catalog import factories
from tests.fixtures.cli_runner import run_zhongtai

BASE = "https://data.hangzhou.example.cn/zt/"
OPEN = "rsj_open_statistics"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Site:
    settings: Settings
    tokens: DemoTokens
    client: TestClient


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    var = tmp_path_factory.mktemp("exports") / "var"
    settings = Settings(  # type: ignore[call-arg]
        var_dir=var, environment="test", public_base_url=BASE, _env_file=None
    )
    sessions = init_catalog(settings.resolved_catalog_url)
    try:
        with sessions() as session:
            tokens = seed(session)
            owner = session.scalars(select(Department).where(Department.code == "330100RSJ")).one()
            factories.dataset(
                session,
                var / "contracts",
                owner,
                code=OPEN,
                title_zh="社会保险参保人数统计",
                title_en="Insured persons, statistics",
                open_type="open",
                drop_fields=("citizen_id", "person_name"),
                primary_key=["employer_uscc", "period"],
            )
            session.commit()
    finally:
        sessions.kw["bind"].dispose()
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Site(settings, tokens, client)


def test_the_public_catalog_needs_no_token_and_shows_only_open_entries(site: Site) -> None:
    turtle = site.client.get("/api/v1/catalog/dcat.ttl")
    assert turtle.status_code == 200, turtle.text
    assert turtle.headers["content-type"].startswith("text/turtle")
    text = turtle.text
    assert f"<{BASE}catalog/datasets/{OPEN}>" in text
    assert "社会保险参保人数统计" in text
    # of the shipped contracts, rsj and gaj are not open; scjgj is open on stated conditions
    for closed in ("rsj_social_insurance", "gaj_household_registration"):
        assert closed not in text
    assert f"<{BASE}catalog/datasets/scjgj_enterprise_registration>" in text
    assert "向社会开放企业名称" in text  # its conditions, as the distribution's rights
    ld = site.client.get("/api/v1/catalog/dcat.jsonld")
    assert ld.status_code == 200 and ld.headers["content-type"].startswith("application/ld+json")
    document = json.loads(ld.text)
    ids = {node["@id"] for node in document["@graph"]}
    assert f"{BASE}catalog/datasets/{OPEN}" in ids
    assert not any("rsj_social_insurance" in i for i in ids)
    assert f"{BASE}api/v1/catalog/dcat.jsonld?page=1&per_page=200" in ids  # the Hydra view


def test_the_public_catalog_pages_are_bounded(site: Site) -> None:
    two = site.client.get("/api/v1/catalog/dcat.ttl", params={"page": 2, "per_page": 1})
    assert two.status_code == 200 and OPEN not in two.text and "scjgj" in two.text  # by code
    three = site.client.get("/api/v1/catalog/dcat.ttl", params={"page": 3, "per_page": 1})
    assert three.status_code == 200 and OPEN not in three.text  # past a two-entry catalog
    for params in ({"per_page": 1001}, {"page": 0}, {"page": "x"}):
        refused = site.client.get("/api/v1/catalog/dcat.ttl", params=params)
        assert refused.status_code == 422, params
        assert refused.headers["content-type"] == "application/problem+json"


def test_the_spreadsheet_needs_an_account_and_is_recorded(site: Site) -> None:
    assert site.client.get("/api/v1/catalog/export.xlsx").status_code == 401
    bad = site.client.get(
        "/api/v1/catalog/export.xlsx", headers={"Authorization": "Bearer zt_forged"}
    )
    assert bad.status_code == 401 and bad.headers["content-type"] == "application/problem+json"
    got = site.client.get(
        "/api/v1/catalog/export.xlsx", headers=site.tokens.headers("swj-exchange")
    )
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == XLSX
    assert got.headers["content-disposition"].startswith('attachment; filename="catalog-')
    book = load_workbook(io.BytesIO(got.content), read_only=True)
    try:
        rows = [list(r) for r in book["信息资源目录"].iter_rows(values_only=True)]
    finally:
        book.close()
    assert tuple(rows[0]) == CATALOG_HEADINGS
    names = {r[1] for r in rows[1:]}  # 信息资源名称; column 0 is the resource code
    assert {"社会保险缴费信息", "户籍人口基本信息", "社会保险参保人数统计"} <= names
    event_id = int(got.headers["x-zhongtai-audit-event"])
    sessions = init_catalog(site.settings.resolved_catalog_url)
    try:
        with sessions() as session:
            event = session.get(AuditEvent, event_id)
            assert event is not None and event.action == "catalog.exported"
            assert event.content_sha256 == got.headers["x-content-sha256"]
    finally:
        sessions.kw["bind"].dispose()
    csv_got = site.client.get(
        "/api/v1/catalog/export.csv", headers=site.tokens.headers("dsj-audit")
    )
    assert csv_got.status_code == 200 and csv_got.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(csv_got.content.decode("utf-8-sig"))))
    assert tuple(table[0]) == CATALOG_HEADINGS and len(table) == len(rows)


def _run(site: Site, *args: str, token: str | None = None) -> subprocess.CompletedProcess[bytes]:
    env = dict(
        ZHONGTAI_VAR_DIR=str(site.settings.var_dir),
        ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_ENV_FILE=os.devnull,
        ZHONGTAI_PUBLIC_BASE_URL=BASE,
        COLUMNS="250",
    )
    if token is not None:
        env["ZHONGTAI_TOKEN"] = token
    return run_zhongtai("catalog", "export", *args, env=env, text=False)


def test_the_command_writes_each_format(site: Site, tmp_path: Path) -> None:
    turtle = _run(site, "--format", "ttl")
    assert turtle.returncode == 0, turtle.stderr.decode()
    assert f"<{BASE}catalog/datasets/{OPEN}>".encode() in turtle.stdout
    assert b"rsj_social_insurance" not in turtle.stdout
    out = tmp_path / "目录.xlsx"
    sheet = _run(
        site, "--format", "xlsx", "--out", str(out), token=site.tokens.by_account["gaj-exchange"]
    )
    assert sheet.returncode == 0, sheet.stderr.decode()
    assert "recorded as audit event" in sheet.stderr.decode()
    book = load_workbook(out, read_only=True)
    try:
        assert book.sheetnames == ["信息资源目录", "信息项"]
    finally:
        book.close()


def test_the_command_refuses_bad_input_without_a_traceback(site: Site, tmp_path: Path) -> None:
    bad = _run(site, "--format", "pdf")
    assert bad.returncode == 2 and b"catalog.bad_export_format" in bad.stderr
    nowhere = _run(site, "--format", "ttl", "--out", str(tmp_path / "no" / "such" / "x.ttl"))
    assert nowhere.returncode == 2 and b"no such folder" in nowhere.stderr
    forged = _run(site, "--format", "csv", token="zt_forged")
    assert forged.returncode == 2 and b"Traceback" not in forged.stderr
    assert b"auth." in forged.stderr
